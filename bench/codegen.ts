/**
 * Codegen speed: generate 1, 100 and 1 000 triggers cold (a fresh process's
 * first run, ts-morph and zod-to-ts loaded), then regenerate after one spec
 * file changes, as `--watch` does. Median and range over RUNS runs.
 *
 * The bench specs use the schema constructs real payloads need (unions, a
 * discriminated union, references, a recursive schema, tuples, bounds).
 *
 * Then types only: the TypeScript types of every payload schema, ours
 * (spec text → checked model → zod-to-ts) against json-schema-to-typescript
 * on the same schemas (installed in bench/peers by `npm run bench`).
 *
 *   npx tsx bench/codegen.ts          (RUNS=5 by default; TRIGGERS=1000 for one size)
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { parse } from "yaml";
import { checkSpecs } from "../generator/check";
import { printedType } from "../generator/emit";
import { generate } from "../generator/generate";
import { buildModel } from "../generator/model";
import { readSpec } from "../generator/read";

const RUNS = Number(process.env.RUNS ?? 5);
/** Which project sizes to measure, e.g. TRIGGERS=1000. */
const SIZES = (process.env.TRIGGERS ?? "1,100,1000").split(",").map(Number);
const PER_FILE = 10;

// Every run gets kinds of its own, so no run reuses what an earlier one rendered.
let run = 0;

/** Shared schemas each bench file declares: references, a discriminated union's branches, a recursive tree. */
const SHARED = `schemas:
  Customer: { type: object, required: [id], properties: { id: { type: string }, email: { type: string, format: email } } }
  Pickup: { type: object, required: [kind, at], properties: { kind: { const: pickup }, at: { type: string, format: date-time } } }
  Post: { type: object, required: [kind, address], properties: { kind: { const: post }, address: { type: string } } }
  Comment: { type: object, required: [body, replies], properties: { body: { type: string }, replies: { type: array, items: Comment } } }
`;

/** Intent fields using them. */
const CONSTRUCTS = `        customer: { anyOf: [{ type: string, minLength: 1 }, { $ref: Customer }, { type: "null" }] }
        delivery: { oneOf: [{ $ref: Pickup }, { $ref: "#/schemas/Post" }], discriminator: { propertyName: kind } }
        amount: { type: number, exclusiveMinimum: 0, multipleOf: 0.01 }
        tags: { type: array, items: { type: string }, uniqueItems: true }
        span: { type: array, prefixItems: [{ type: string, format: date }, { type: string, format: date }], minItems: 2 }
        thread: { $ref: Comment, nullable: true }
`;

/** A bench spec file; `constructs: false` leaves out the references, which json-schema-to-typescript could not resolve on its own. */
function spec(file: number, count: number, constructs = true): string {
  const triggers = Array.from({ length: count }, (_, i) => {
    const kind = `bench.r${run}.f${file}.t${i}`;
    return `  - kind: ${kind}
    intentEventKind: ${kind}.requested
    cancellation: cooperative
    intent:
      type: object
      required: [id, items]
      properties:
        id: { type: string, format: uuid }
        note: { type: [string, "null"], maxLength: 200 }
        items: { type: array, minItems: 1, items: { type: object, required: [sku, qty], properties: { sku: { type: string }, qty: { type: integer, minimum: 1 } } } }
${constructs ? CONSTRUCTS : ""}    outcome: { type: object, required: [id, total], properties: { id: { type: string }, total: { type: number } } }
    events:
      ${kind}.done: { payload: outcome }
      ${kind}.cancelled: { payload: { type: object, required: [id], properties: { id: { type: string }, reason: { type: [string, "null"] } } } }`;
  });
  return `${constructs ? SHARED : ""}triggers:\n${triggers.join("\n")}\n`;
}

async function once(triggers: number) {
  run++;
  const root = mkdtempSync(join(process.cwd(), "bench/.tmp-"));
  mkdirSync(join(root, "specs"));
  const files = Math.ceil(triggers / PER_FILE);
  for (let f = 0; f < files; f++) writeFileSync(join(root, `specs/f${f}.yaml`), spec(f, Math.min(PER_FILE, triggers - f * PER_FILE)));
  const options = { root, specsDir: "specs", outDir: "generated", handlersDir: "app/triggers", streamHandlersDir: "app/streams", runtimeModule: "durable-triggers", check: false };
  let started = performance.now();
  const result = await generate(options);
  if (!result.ok) throw new Error("bench spec refused");
  const cold = performance.now() - started;
  writeFileSync(join(root, "specs/f0.yaml"), spec(0, Math.min(PER_FILE, triggers)).replace("maxLength: 200", "maxLength: 300"));
  started = performance.now();
  if (!(await generate(options)).ok) throw new Error("bench spec change refused");
  const changed = performance.now() - started;
  rmSync(root, { recursive: true, force: true });
  return { cold, changed };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const stats = (xs: number[]) => `${Math.round(median(xs))} ms (${Math.round(Math.min(...xs))}–${Math.round(Math.max(...xs))})`;

console.log(`| triggers | cold: every spec new | regenerate after one spec changed (as --watch does) |`);
console.log(`|---:|---:|---:|`);
for (const triggers of SIZES) {
  const runs = [];
  for (let i = 0; i < (triggers === 1000 ? Math.min(RUNS, 3) : RUNS); i++) runs.push(await once(triggers));
  console.log(`| ${triggers} | ${stats(runs.map((r) => r.cold))} | ${stats(runs.map((r) => r.changed))} |`);
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
    for (const trigger of (parse(text) as { triggers: Record<string, any>[] }).triggers) {
      const schemas = [trigger.intent, trigger.outcome, ...Object.values(trigger.events as Record<string, { payload: unknown }>).map((e) => (e.payload === "outcome" ? trigger.outcome : e.payload))];
      for (const [i, schema] of schemas.entries()) {
        printed += (await compile(schema, `${trigger.kind}.${i}`, { bannerComment: "", format: false, additionalProperties: false })).length;
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
      const texts = Array.from({ length: Math.ceil(triggers / PER_FILE) }, (_, f) => spec(f, Math.min(PER_FILE, triggers - f * PER_FILE), false));
      let started = performance.now();
      await oursTypesOnly(texts);
      ours.push(performance.now() - started);
      started = performance.now();
      await theirsTypesOnly(texts, jstt);
      theirs.push(performance.now() - started);
    }
    console.log(`| ${triggers} | ${stats(ours)} | ${stats(theirs)} | ${(median(ours) / median(theirs)).toFixed(2)} |`);
  }
}
