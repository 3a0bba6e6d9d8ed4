/**
 * Codegen on a big real-world spec: Stripe's `invoice` with the closure of schemas it references
 * (512 shared schemas, `bench/stripe-spec.ts`), generated cold into a fresh folder. This checkout's
 * generator against main's (`BASELINE=<commit>` picks another, `BASELINE=` skips it), main's sources
 * taken with `git archive` into a folder under os.tmpdir(), as `bench/codegen.ts` does with
 * efb028c; each run a fresh process, the two sides alternating. Prints wall time, CPU time (the
 * machine is shared: CPU time moves less with its load) and the module's size.
 *
 *   npx tsx bench/stripe.ts   (RUNS=3; RESOURCE=charge|customer|invoice|checkout.session|payment_intent)
 */
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { fresh, ms, projectOptions, withSides } from "./sides.ts";
import { stripeSpec } from "./stripe-spec.ts";

const RUNS = Number(process.env.RUNS ?? 3);
const RESOURCE = process.env.RESOURCE ?? "invoice";
const BASELINE = process.env.BASELINE ?? "main";

interface Run {
  wall: number;
  cpu: number;
  bytes: number;
}

/** In a child: generate the spec once, cold, with the generator at `generatePath`. */
async function child(generatePath: string): Promise<Run> {
  const { generate } = (await import(pathToFileURL(generatePath).href)) as { generate: (o: object) => Promise<{ ok: boolean }> };
  const root = mkdtempSync(join(tmpdir(), "dt-stripe-"));
  try {
    mkdirSync(join(root, "specs"));
    writeFileSync(join(root, "specs/stripe.yaml"), stripeSpec(RESOURCE).text);
    const cpu = process.cpuUsage();
    const started = performance.now();
    if (!(await generate(projectOptions(root))).ok) throw new Error("the Stripe spec was refused");
    const wall = performance.now() - started;
    const used = process.cpuUsage(cpu);
    return { wall, cpu: (used.user + used.system) / 1000, bytes: statSync(join(root, "generated/stripe.ts")).size };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

if (process.argv[2] !== undefined) {
  console.log(JSON.stringify(await child(process.argv[2])));
} else {
  await withSides(BASELINE, (sides) => {
    const runs: Record<string, Run[]> = Object.fromEntries(Object.keys(sides).map((side) => [side, []]));
    // Alternating, so that a machine slowing down during the run weighs on both sides alike.
    for (let i = 0; i < RUNS; i++) for (const [side, path] of Object.entries(sides)) runs[side]!.push(fresh<Run>("bench/stripe.ts", path));
    console.log(
      `Stripe \`${RESOURCE}\` (${stripeSpec(RESOURCE).schemas} shared schemas), generated cold, each run a fresh process, median (min–max) of ${RUNS}\n`,
    );
    console.log(`| side | wall | CPU (user + system) | ${RESOURCE}'s module |`);
    console.log(`|---|---:|---:|---:|`);
    for (const [side, rs] of Object.entries(runs))
      console.log(`| ${side} | ${ms(rs.map((r) => r.wall))} | ${ms(rs.map((r) => r.cpu))} | ${(rs[0]!.bytes / 1e6).toFixed(2)} MB |`);
  });
}
