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
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
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
    const options = {
      root,
      specsDir: "specs",
      outDir: "generated",
      handlersDir: "app/triggers",
      streamHandlersDir: "app/streams",
      runtimeModule: "durable-triggers",
      check: false,
    };
    const cpu = process.cpuUsage();
    const started = performance.now();
    if (!(await generate(options)).ok) throw new Error("the Stripe spec was refused");
    const wall = performance.now() - started;
    const used = process.cpuUsage(cpu);
    return { wall, cpu: (used.user + used.system) / 1000, bytes: statSync(join(root, "generated/stripe.ts")).size };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

function fresh(generatePath: string): Run {
  const out = execFileSync(process.execPath, ["--import", "tsx", "bench/stripe.ts", generatePath], {
    encoding: "utf8",
    env: { ...process.env, NODE_OPTIONS: "" },
  });
  return JSON.parse(out.trim().split("\n").at(-1)!) as Run;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const ms = (xs: number[]) => `${Math.round(median(xs))} ms (${Math.round(Math.min(...xs))}–${Math.round(Math.max(...xs))})`;

if (process.argv[2] !== undefined) {
  console.log(JSON.stringify(await child(process.argv[2])));
} else {
  const sides: Record<string, string> = {};
  const base = mkdtempSync(join(tmpdir(), "dt-stripe-baseline-"));
  try {
    if (BASELINE !== "") {
      const commit = execFileSync("git", ["rev-parse", "--short", BASELINE], { encoding: "utf8" }).trim();
      execFileSync("sh", ["-c", `git archive ${commit} generator runtime package.json | tar -x -C "${base}"`]);
      symlinkSync(join(process.cwd(), "node_modules"), join(base, "node_modules"), "dir");
      sides[`${BASELINE} (${commit})`] = join(base, "generator/generate.ts");
    }
    sides.now = join(process.cwd(), "generator/generate.ts");
    const runs: Record<string, Run[]> = Object.fromEntries(Object.keys(sides).map((side) => [side, []]));
    // Alternating, so that a machine slowing down during the run weighs on both sides alike.
    for (let i = 0; i < RUNS; i++) for (const [side, path] of Object.entries(sides)) runs[side]!.push(fresh(path));
    console.log(
      `Stripe \`${RESOURCE}\` (${stripeSpec(RESOURCE).schemas} shared schemas), generated cold, each run a fresh process, median (min–max) of ${RUNS}\n`,
    );
    console.log(`| side | wall | CPU (user + system) | ${RESOURCE}'s module |`);
    console.log(`|---|---:|---:|---:|`);
    for (const [side, rs] of Object.entries(runs))
      console.log(`| ${side} | ${ms(rs.map((r) => r.wall))} | ${ms(rs.map((r) => r.cpu))} | ${(rs[0]!.bytes / 1e6).toFixed(2)} MB |`);
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
}
