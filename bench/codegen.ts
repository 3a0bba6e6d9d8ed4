/**
 * Codegen speed: generate 1, 100 and 1 000 triggers cold (a fresh process's
 * first run, ts-morph and zod-to-ts loaded), then regenerate after one spec
 * file changes, as `--watch` does. Median and range over RUNS runs.
 *
 *   npx tsx bench/codegen.ts          (RUNS=5 by default)
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { generate } from "../generator/generate";

const RUNS = Number(process.env.RUNS ?? 5);
const PER_FILE = 10;

// Every run gets kinds of its own, so no run reuses what an earlier one rendered.
let run = 0;

function spec(file: number, count: number): string {
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
    outcome: { type: object, required: [id, total], properties: { id: { type: string }, total: { type: number } } }
    events:
      ${kind}.done: { payload: outcome }
      ${kind}.cancelled: { payload: { type: object, required: [id], properties: { id: { type: string }, reason: { type: [string, "null"] } } } }`;
  });
  return `triggers:\n${triggers.join("\n")}\n`;
}

async function once(triggers: number) {
  run++;
  const root = mkdtempSync(join(process.cwd(), "bench/.tmp-"));
  mkdirSync(join(root, "specs"));
  const files = Math.ceil(triggers / PER_FILE);
  for (let f = 0; f < files; f++) writeFileSync(join(root, `specs/f${f}.yaml`), spec(f, Math.min(PER_FILE, triggers - f * PER_FILE)));
  const options = { root, specsDir: "specs", outDir: "generated", handlersDir: "app/triggers", streamHandlersDir: "app/streams", runtimeDir: relative(root, "runtime"), check: false };
  let started = performance.now();
  const result = await generate(options);
  if (!result.ok) throw new Error("bench spec refused");
  const cold = performance.now() - started;
  writeFileSync(join(root, "specs/f0.yaml"), spec(0, Math.min(PER_FILE, triggers)).replace("maxLength: 200", "maxLength: 300"));
  started = performance.now();
  await generate(options);
  const changed = performance.now() - started;
  rmSync(root, { recursive: true, force: true });
  return { cold, changed };
}

const stats = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return `${Math.round(s[Math.floor(s.length / 2)]!)} ms (${Math.round(s[0]!)}–${Math.round(s.at(-1)!)})`;
};

console.log(`| triggers | cold: every spec new | regenerate after one spec changed (as --watch does) |`);
console.log(`|---:|---:|---:|`);
for (const triggers of [1, 100, 1000]) {
  const runs = [];
  for (let i = 0; i < (triggers === 1000 ? Math.min(RUNS, 3) : RUNS); i++) runs.push(await once(triggers));
  console.log(`| ${triggers} | ${stats(runs.map((r) => r.cold))} | ${stats(runs.map((r) => r.changed))} |`);
}
