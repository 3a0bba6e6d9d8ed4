/**
 * The version record's size and its per-run cost, inline (every record before issue #21's shared
 * form) and shared (`generator/record-form.ts`). Generates two projects cold with this checkout's
 * generator: the 1 000-trigger bench project (`bench/codegen-once.ts`'s `spec()`, 100 files × 10
 * triggers, with and without the shared schemas) and Stripe's `invoice` (`bench/stripe-spec.ts`);
 * reads the record it wrote, renders it inline as main's `renderRecord` did, and times what a
 * `--watch` run does with the record, each form read from its own text: parse, SHA-256 of the text
 * (the memo's key), render (median of RUNS, in-process, a fresh parse each time). A third row
 * writes the shared form from the inline text: every schema a distinct object, as in a cold run
 * (and the first run on a record written inline), so every one is encoded.
 *
 *   npx tsx bench/record.ts   (RUNS=7; PROJECTS=bench,bench-constructs,stripe)
 */
import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generate } from "../generator/generate.ts";
import { parseRecord, renderRecord, type VersionRecord } from "../generator/versions.ts";
import { spec } from "./codegen-once.ts";
import { stripeSpec } from "./stripe-spec.ts";

const RUNS = Number(process.env.RUNS ?? 7);
const PROJECTS = (process.env.PROJECTS ?? "bench,bench-constructs,stripe").split(",");

const files: Record<string, () => Record<string, string>> = {
  bench: () => Object.fromEntries(Array.from({ length: 100 }, (_, f) => [`specs/f${f}.yaml`, spec("", f, 10, false)])),
  "bench-constructs": () => Object.fromEntries(Array.from({ length: 100 }, (_, f) => [`specs/f${f}.yaml`, spec("", f, 10, true)])),
  stripe: () => ({ "specs/stripe.yaml": stripeSpec("invoice").text }),
};

/** The record as main's `renderRecord` wrote it: every schema inline. */
function renderInline(record: VersionRecord): string {
  const byKind = <T>(entries: Readonly<Record<string, T>>) =>
    Object.fromEntries(
      Object.keys(entries)
        .sort()
        .map((kind) => [kind, entries[kind]!]),
    );
  return `${JSON.stringify({ events: byKind(record.events), intents: byKind(record.intents) }, null, 2)}\n`;
}

async function recordOf(project: string): Promise<string> {
  const root = mkdtempSync(join(tmpdir(), "dt-record-"));
  try {
    for (const [path, text] of Object.entries(files[project]!())) {
      mkdirSync(join(root, path, ".."), { recursive: true });
      writeFileSync(join(root, path), text);
    }
    const options = { root, specsDir: "specs", outDir: "generated", handlersDir: "app/triggers", streamHandlersDir: "app/streams" };
    if (!(await generate({ ...options, runtimeModule: "durable-triggers", check: false })).ok) throw new Error(`${project} refused`);
    return readFileSync(join(root, "generated/intent-versions.json"), "utf8");
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const mb = (text: string) => `${(Buffer.byteLength(text) / 1e6).toFixed(2)} MB`;

function timeRun(
  text: string,
  render: (record: VersionRecord) => string,
  expected: string,
): { parse: number; sha: number; render: number } {
  const runs = Array.from({ length: RUNS }, () => {
    const t0 = performance.now();
    const record = parseRecord(text) as VersionRecord;
    const t1 = performance.now();
    createHash("sha256").update(text).digest("hex");
    const t2 = performance.now();
    if (render(record) !== expected) throw new Error("the record does not render as expected");
    return { parse: t1 - t0, sha: t2 - t1, render: performance.now() - t2 };
  });
  return { parse: median(runs.map((r) => r.parse)), sha: median(runs.map((r) => r.sha)), render: median(runs.map((r) => r.render)) };
}

console.log("| project | form | size | shared entries | parse | SHA-256 | render | sum |");
console.log("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |");
for (const project of PROJECTS) {
  const shared = await recordOf(project);
  const record = parseRecord(shared) as VersionRecord;
  const inline = renderInline(record);
  if (renderRecord(parseRecord(inline) as VersionRecord) !== shared) throw new Error("the inline form does not rewrite to the shared one");
  const entries = Object.keys((JSON.parse(shared) as { shared: object }).shared).length;
  for (const [form, text, render] of [
    ["inline", inline, renderInline],
    ["shared, written from the inline form (a cold run: no object met before)", inline, renderRecord],
    ["shared", shared, renderRecord],
  ] as const) {
    const t = timeRun(text, render, form === "shared" || form === "inline" ? text : shared);
    const cells = [t.parse, t.sha, t.render, t.parse + t.sha + t.render].map((ms) => `${ms.toFixed(1)} ms`);
    console.log(
      `| ${project} | ${form} | ${mb(form === "inline" ? inline : shared)} | ${form === "inline" ? "" : entries} | ${cells.join(" | ")} |`,
    );
  }
}
