import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { parse } from "yaml";
import { checkSpecs } from "../generator/check";
import { printedType } from "../generator/emit";
import { generate } from "../generator/generate";
import { buildModel } from "../generator/model";
import { readSpec } from "../generator/read";
import { spec, timeOnce } from "./codegen-once";
import { fresh, median, ms, withSides } from "./sides";

const RUNS = Number(process.env.RUNS ?? 5);
/** Which project sizes to measure, e.g. TRIGGERS=1000. */
const SIZES = (process.env.TRIGGERS ?? "1,100,1000").split(",").map(Number);
const PER_FILE = 10;
/** The commit the side-by-side table compares with: the last one whose codegen figures met their targets. */
const BASELINE = process.env.BASELINE ?? "efb028c";
const SIDE_BY_SIDE_TRIGGERS = Number(process.env.SIDE_BY_SIDE_TRIGGERS ?? 1000);

// Every run gets kinds of its own, so no run reuses what an earlier one rendered.
let run = 0;

async function once(triggers: number) {
  run++;
  return timeOnce(generate, triggers, { prefix: `r${run}.`, parent: join(process.cwd(), "bench") });
}

/** One measurement of the generator at `generatePath`, in a fresh process; the specs leave out what `BASELINE` refused. */
const freshProcess = (generatePath: string, triggers: number) =>
  fresh<{ cold: number; changed: number }>("bench/codegen-once.ts", generatePath, String(triggers));

if (BASELINE !== "") {
  await withSides(BASELINE, (sides) => {
    const runs = Object.fromEntries(Object.keys(sides).map((side) => [side, [] as { cold: number; changed: number }[]]));
    // Alternating, so that a machine slowing down during the run weighs on both sides alike.
    for (let i = 0; i < Math.min(RUNS, 3); i++)
      for (const [side, path] of Object.entries(sides)) runs[side]!.push(freshProcess(path, SIDE_BY_SIDE_TRIGGERS));
    const commit = Object.keys(sides)[0]!;
    const [then, now] = [runs[commit]!, runs.now!];
    const row = (what: string, pick: (r: { cold: number; changed: number }) => number) =>
      `| ${what} | ${ms(then.map(pick))} | ${ms(now.map(pick))} | ${(median(now.map(pick)) / median(then.map(pick))).toFixed(2)}× |`;
    console.log(`| ${SIDE_BY_SIDE_TRIGGERS} triggers, each run a fresh process | ${commit} | now | now / ${commit} |`);
    console.log(`|---|---:|---:|---:|`);
    console.log(row("cold: every spec new", (r) => r.cold));
    console.log(row("one spec changed, regenerated as --watch does", (r) => r.changed));
    console.log();
  });
}

console.log(`| triggers | cold: every spec new | regenerate after one spec changed (as --watch does) |`);
console.log(`|---:|---:|---:|`);
for (const triggers of SIZES) {
  const runs = [];
  for (let i = 0; i < (triggers === 1000 ? Math.min(RUNS, 3) : RUNS); i++) runs.push(await once(triggers));
  console.log(`| ${triggers} | ${ms(runs.map((r) => r.cold))} | ${ms(runs.map((r) => r.changed))} |`);
}

// Types only. json-schema-to-typescript runs without prettier (format: false), as our printer does.
type Compile = (schema: object, name: string, options: object) => Promise<string>;
const peers = createRequire(join(process.cwd(), "bench/peers/package.json"));
const jstt = existsSync("bench/peers/node_modules/json-schema-to-typescript")
  ? ((await import(pathToFileURL(peers.resolve("json-schema-to-typescript")).href)) as { compile: Compile }).compile
  : null;

async function oursTypesOnly(texts: readonly string[]): Promise<number> {
  let printed = 0;
  const documents = texts.map((text, f) => {
    const read = readSpec(`specs/f${f}.yaml`, text);
    if (!read.ok) throw new Error("bench spec refused");
    return read.spec;
  });
  for (const module of buildModel(checkSpecs(documents).specs)) {
    for (const trigger of module.triggers) {
      const resolve = (ref: string) => trigger.refs.get(ref)!;
      for (const schema of [trigger.intent, trigger.outcome, ...trigger.events]) printed += printedType(schema, resolve).length;
    }
  }
  return printed;
}

async function theirsTypesOnly(texts: readonly string[], compile: Compile): Promise<number> {
  let printed = 0;
  for (const text of texts) {
    for (const trigger of (parse(text) as { triggers: Record<string, unknown>[] }).triggers) {
      const schemas = [
        trigger.intent,
        trigger.outcome,
        ...Object.values(trigger.events as Record<string, { payload: unknown }>).map((e) =>
          e.payload === "outcome" ? trigger.outcome : e.payload,
        ),
      ];
      for (const [i, schema] of schemas.entries()) {
        printed += (
          await compile(schema as object, `${trigger.kind}.${i}`, { bannerComment: "", format: false, additionalProperties: false })
        ).length;
      }
    }
  }
  return printed;
}

if (jstt) {
  console.log(`\n| triggers | ours: spec text to types | json-schema-to-typescript (format: false) | ratio |`);
  console.log(`|---:|---:|---:|---:|`);
  for (const triggers of SIZES) {
    const ours: number[] = [];
    const theirs: number[] = [];
    for (let i = 0; i < (triggers === 1000 ? Math.min(RUNS, 3) : RUNS); i++) {
      run++;
      const texts = Array.from({ length: Math.ceil(triggers / PER_FILE) }, (_, f) =>
        spec(`r${run}.`, f, Math.min(PER_FILE, triggers - f * PER_FILE), false),
      );
      let started = performance.now();
      await oursTypesOnly(texts);
      ours.push(performance.now() - started);
      started = performance.now();
      await theirsTypesOnly(texts, jstt);
      theirs.push(performance.now() - started);
    }
    console.log(`| ${triggers} | ${ms(ours)} | ${ms(theirs)} | ${(median(ours) / median(theirs)).toFixed(2)} |`);
  }
}
