/**
 * One codegen measurement, in a process of its own: write a project of N
 * triggers, generate it cold (every spec new), change one spec and generate
 * again (as `--watch` does, with the cache the first run filled). Prints
 * `{"cold": ms, "changed": ms}`.
 *
 * `bench/codegen.ts` runs it once per run against this checkout's generator
 * and against an older commit's, on the same input, so both start equally
 * cold (a fresh process, nothing loaded or JIT-compiled before the first run).
 *
 *   node --import tsx bench/codegen-once.ts <path of generator/generate.ts> <triggers> [constructs]
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { projectOptions } from "./sides.ts";

const PER_FILE = 10;

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

/**
 * A bench spec file. `constructs: false` leaves out the shared schemas and the fields using them: what
 * efb028c's bench generated (it knew no `schemas:`), and what json-schema-to-typescript can resolve alone.
 */
export function spec(prefix: string, file: number, count: number, constructs = true): string {
  const triggers = Array.from({ length: count }, (_, i) => {
    const kind = `bench.${prefix}f${file}.t${i}`;
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

/** What both generators take: runtimeDir is efb028c's (a folder it imported by path), runtimeModule later ones'. */
interface BenchOptions {
  root: string;
  specsDir: string;
  outDir: string;
  handlersDir: string;
  streamHandlersDir: string;
  runtimeModule: string;
  runtimeDir: string;
  check: boolean;
}
type Generate = (options: BenchOptions) => Promise<{ ok: boolean }>;

/** Cold, then one spec changed, in a fresh folder under `parent`; every call's kinds are its own (`prefix`). */
export async function timeOnce(generate: Generate, triggers: number, { prefix = "", constructs = true, parent = tmpdir() } = {}) {
  const root = mkdtempSync(join(parent, "dt-codegen-"));
  try {
    mkdirSync(join(root, "specs"));
    for (let f = 0; f < Math.ceil(triggers / PER_FILE); f++)
      writeFileSync(join(root, `specs/f${f}.yaml`), spec(prefix, f, Math.min(PER_FILE, triggers - f * PER_FILE), constructs));
    const options: BenchOptions = { ...projectOptions(root), runtimeDir: "runtime" };
    let started = performance.now();
    if (!(await generate(options)).ok) throw new Error("bench spec refused");
    const cold = performance.now() - started;
    writeFileSync(
      join(root, "specs/f0.yaml"),
      spec(prefix, 0, Math.min(PER_FILE, triggers), constructs).replace("maxLength: 200", "maxLength: 300"),
    );
    started = performance.now();
    if (!(await generate(options)).ok) throw new Error("bench spec change refused");
    return { cold, changed: performance.now() - started };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const [generatePath, triggers, constructs] = process.argv.slice(2);
  const { generate } = (await import(pathToFileURL(generatePath!).href)) as { generate: Generate };
  console.log(JSON.stringify(await timeOnce(generate, Number(triggers), { constructs: constructs === "constructs" })));
}
