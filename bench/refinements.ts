/**
 * Parsing through the refinements that run schemas of their own (`if`/`then`/`else`, `not`,
 * `dependentSchemas`, `propertyNames`, `contains`; issue 21): payloads parsed by the generated
 * module of a spec using each, this checkout's generator against main's (`BASELINE=<commit>` picks
 * another), main's sources taken with `git archive` as `bench/stripe.ts` does. Each side generates
 * its module once; each run is a fresh process that imports it, parses every payload once (the
 * first parse, timed apart), then `PARSES` payloads round-robin, and reports wall and CPU time.
 *
 *   npx tsx bench/refinements.ts   (RUNS=5, PARSES=20000)
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { fresh, median, ms, projectOptions, withSides } from "./sides.ts";

const RUNS = Number(process.env.RUNS ?? 5);
const PARSES = Number(process.env.PARSES ?? 20_000);
const BASELINE = process.env.BASELINE ?? "main";

/** One event per keyword, and an order whose every line runs an `if`/`then` (a refinement inside an array). */
const SPEC = `
schemas:
  Line:
    type: object
    properties: { sku: { type: string }, kind: { enum: [goods, gift] }, note: { type: string } }
    required: [sku, kind]
    if: { properties: { kind: { const: gift } } }
    then: { required: [note], properties: { note: { minLength: 1 } } }
    else: { not: { required: [note] } }

events:
  plan.chosen:
    payload:
      type: object
      properties: { interval: { type: string }, cronjob: { type: string } }
      required: [interval]
      if: { properties: { interval: { const: cron } } }
      then: { required: [cronjob] }
  pair.seen:
    payload:
      type: object
      properties: { a: { type: string }, b: { type: string } }
      not: { required: [a, b] }
  card.given:
    payload:
      type: object
      properties: { card: { type: string }, zip: { type: string } }
      dependentSchemas: { card: { properties: { zip: { minLength: 5 } }, required: [zip] } }
  scores.seen:
    payload:
      type: object
      additionalProperties: { type: number }
      propertyNames: { pattern: "^[a-z]+$", maxLength: 8 }
  tags.seen:
    payload:
      type: array
      items: { type: string }
      contains: { const: urgent }
  order.placed:
    payload:
      type: object
      properties: { lines: { type: array, items: { $ref: Line } } }
      required: [lines]
`;

/** Each parser of the module, with payloads it accepts and refuses, parsed in turn. */
const PAYLOADS: Record<string, unknown[]> = {
  parsePlanChosenPayload: [{ interval: "cron", cronjob: "0 3 * * *" }, { interval: "daily" }, { interval: "cron" }],
  parsePairSeenPayload: [{ a: "x" }, { b: "y" }, { a: "x", b: "y" }],
  parseCardGivenPayload: [{ card: "c", zip: "12345" }, {}, { card: "c", zip: "123" }],
  parseScoresSeenPayload: [{ math: 1, art: 2 }, { Math: 1 }],
  parseTagsSeenPayload: [
    ["a", "urgent"],
    ["a", "b"],
  ],
  parseOrderPlacedPayload: [
    {
      lines: [
        { sku: "a", kind: "goods" },
        { sku: "b", kind: "gift", note: "for you" },
        { sku: "c", kind: "goods" },
      ],
    },
    { lines: [{ sku: "a", kind: "gift" }] },
  ],
};

interface Run {
  /** The first parse of every payload: what builds the schemas, now. */
  first: number;
  wall: number;
  cpu: number;
}

/** In a child: import the generated module and time its parsers. */
async function child(modulePath: string): Promise<Run> {
  const module = (await import(pathToFileURL(modulePath).href)) as Record<string, (raw: unknown) => { ok: boolean }>;
  const calls = Object.entries(PAYLOADS).flatMap(([parser, payloads]) => payloads.map((raw) => [module[parser]!, raw] as const));
  let started = performance.now();
  for (const [parse, raw] of calls) parse(raw);
  const first = performance.now() - started;
  const cpu = process.cpuUsage();
  started = performance.now();
  let accepted = 0;
  for (let i = 0; i < PARSES; i++) {
    const [parse, raw] = calls[i % calls.length]!;
    if (parse(raw).ok) accepted++;
  }
  const wall = performance.now() - started;
  const used = process.cpuUsage(cpu);
  // Both sides must agree on what they accept, or the comparison means nothing.
  if (accepted === 0 || accepted === PARSES) throw new Error(`accepted ${accepted} of ${PARSES}`);
  return { first, wall, cpu: (used.user + used.system) / 1000 };
}

/** Generates the spec with the generator at `generatePath` into `root`; answers the module's path. */
async function generateInto(generatePath: string, root: string): Promise<string> {
  const { generate } = (await import(pathToFileURL(generatePath).href)) as { generate: (o: object) => Promise<{ ok: boolean }> };
  mkdirSync(join(root, "specs"), { recursive: true });
  writeFileSync(join(root, "specs/bench.yaml"), SPEC);
  // zod resolves from the repository's node_modules; the runtime is imported for types alone.
  symlinkSync(join(process.cwd(), "node_modules"), join(root, "node_modules"), "dir");
  if (!(await generate(projectOptions(root))).ok) throw new Error("the spec was refused");
  return join(root, "generated/bench.ts");
}

if (process.argv[2] !== undefined) {
  console.log(JSON.stringify(await child(process.argv[2])));
} else {
  const dir = mkdtempSync(join(tmpdir(), "dt-refinements-"));
  try {
    await withSides(BASELINE, async (generators) => {
      const modules: Record<string, string> = {};
      for (const [i, [side, path]] of Object.entries(generators).entries())
        modules[side] = await generateInto(path, join(dir, `project-${i}`));
      const runs: Record<string, Run[]> = Object.fromEntries(Object.keys(modules).map((side) => [side, []]));
      // Alternating, so that a machine slowing down during the run weighs on both sides alike.
      for (let i = 0; i < RUNS; i++)
        for (const [side, path] of Object.entries(modules)) runs[side]!.push(fresh<Run>("bench/refinements.ts", path));
      console.log(
        `${PARSES} parses round-robin over ${Object.values(PAYLOADS).flat().length} payloads, each run a fresh process, median (min–max) of ${RUNS}\n`,
      );
      console.log("| side | first parse of each payload | wall | CPU (user + system) | µs per parse |");
      console.log("|---|---:|---:|---:|---:|");
      for (const [side, rs] of Object.entries(runs))
        console.log(
          `| ${side} | ${ms(rs.map((r) => r.first))} | ${ms(rs.map((r) => r.wall))} | ${ms(rs.map((r) => r.cpu))} | ${((median(rs.map((r) => r.wall)) * 1000) / PARSES).toFixed(1)} |`,
        );
      // The machine is shared: CPU time moves less with its load than wall time.
      const [before, after] = Object.values(runs);
      if (before !== undefined && after !== undefined)
        for (const figure of ["wall", "cpu"] as const) {
          const [b, a] = [median(before.map((r) => r[figure])), median(after.map((r) => r[figure]))];
          console.log(`ratio now / baseline, ${figure}: ${(a / b).toFixed(3)}× (${(b / a).toFixed(1)}× faster)`);
        }
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
