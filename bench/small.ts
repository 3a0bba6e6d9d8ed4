/**
 * Codegen on a small project, as a user runs it: `trigger-codegen generate --check` on this
 * repository's own project (5 triggers and streams in 5 spec files, generated/ up to date), the
 * built CLI (`dist/generator/bin.js`) in a fresh process each run. This checkout's build against
 * main's (`BASELINE=<commit>`; `BASELINE=` skips it), built from `git archive` into a folder under
 * os.tmpdir(); the two sides alternate. Wall and CPU time (user + system) of the whole process,
 * start-up included: at this size start-up is most of it.
 *
 *   npm run build && npx tsx bench/small.ts   (RUNS=5)
 */
import { execFileSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const RUNS = Number(process.env.RUNS ?? 5);
const BASELINE = process.env.BASELINE ?? "main";

/** One run of `bin generate --check` in `project`: wall and CPU milliseconds, as /usr/bin/time reads them. */
function timed(bin: string, project: string): [number, number] {
  try {
    execFileSync("/usr/bin/time", ["-o", join(project, ".time"), "-f", "%e %U %S", process.execPath, bin, "generate", "--check"], {
      cwd: project,
      stdio: "ignore",
    });
  } catch (error) {
    throw new Error(`${bin} generate --check failed in ${project}: ${String(error)}`);
  }
  const [wall, user, system] = readFileSync(join(project, ".time"), "utf8").trim().split(/\s+/).map(Number);
  return [wall! * 1000, (user! + system!) * 1000];
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const ms = (xs: number[]) => `${Math.round(median(xs))} ms (${Math.round(Math.min(...xs))}–${Math.round(Math.max(...xs))})`;

const work = mkdtempSync(join(tmpdir(), "dt-small-"));
try {
  const project = join(work, "project");
  for (const part of ["specs", "generated", "app", "test/triggers", "trigger-codegen.json", "package.json"])
    cpSync(part, join(project, part), { recursive: true });
  const sides: Record<string, string> = {};
  if (BASELINE !== "") {
    const commit = execFileSync("git", ["rev-parse", "--short", BASELINE], { encoding: "utf8" }).trim();
    const base = join(work, "baseline");
    execFileSync("sh", ["-c", `mkdir -p "${base}" && git archive ${commit} | tar -x -C "${base}"`]);
    symlinkSync(join(process.cwd(), "node_modules"), join(base, "node_modules"), "dir");
    execFileSync("npm", ["run", "build"], { cwd: base, stdio: "ignore" });
    sides[`${BASELINE} (${commit})`] = join(base, "dist/generator/bin.js");
  }
  sides.now = join(process.cwd(), "dist/generator/bin.js");
  const runs: Record<string, [number, number][]> = Object.fromEntries(Object.keys(sides).map((side) => [side, []]));
  for (const bin of Object.values(sides)) timed(bin, project); // one unmeasured run each: the disk cache warm for both
  for (let i = 0; i < RUNS; i++) for (const [side, bin] of Object.entries(sides)) runs[side]!.push(timed(bin, project));
  console.log(`\`trigger-codegen generate --check\`, this repository's project (5 triggers and streams), median (min–max) of ${RUNS}\n`);
  console.log(`| side | wall | CPU (user + system) |`);
  console.log(`|---|---:|---:|`);
  for (const [side, rs] of Object.entries(runs)) console.log(`| ${side} | ${ms(rs.map((r) => r[0]))} | ${ms(rs.map((r) => r[1]))} |`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
