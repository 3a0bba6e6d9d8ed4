/**
 * What the generator benches share: a project's layout, a baseline commit's generator taken with
 * `git archive` beside this checkout's, fresh processes, and medians.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** `generate`'s options for a bench project at `root`: specs/, generated/, app/triggers, app/streams. */
export const projectOptions = (root: string) => ({
  root,
  specsDir: "specs",
  outDir: "generated",
  handlersDir: "app/triggers",
  streamHandlersDir: "app/streams",
  runtimeModule: "durable-triggers",
  check: false,
});

/**
 * Each side's `generator/generate.ts`, by name: `baseline`'s (a commit, `git archive`d into a folder
 * under os.tmpdir() with this checkout's node_modules; "" for none), then this checkout's as `now`.
 * The folder is removed after `use`.
 */
export async function withSides<T>(baseline: string, use: (sides: Record<string, string>) => T | Promise<T>): Promise<T> {
  const sides: Record<string, string> = {};
  const base = mkdtempSync(join(tmpdir(), "dt-bench-baseline-"));
  try {
    if (baseline !== "") {
      const commit = execFileSync("git", ["rev-parse", "--short", baseline], { encoding: "utf8" }).trim();
      execFileSync("sh", ["-c", `git archive ${commit} generator runtime package.json | tar -x -C "${base}"`]);
      symlinkSync(join(process.cwd(), "node_modules"), join(base, "node_modules"), "dir");
      sides[baseline === commit ? commit : `${baseline} (${commit})`] = join(base, "generator/generate.ts");
    }
    sides.now = join(process.cwd(), "generator/generate.ts");
    return await use(sides);
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
}

/** Runs `script` with `args` in a fresh Node process (through tsx); answers the JSON its last line prints. */
export function fresh<T>(script: string, ...args: string[]): T {
  const out = execFileSync(process.execPath, ["--import", "tsx", script, ...args], {
    encoding: "utf8",
    env: { ...process.env, NODE_OPTIONS: "" },
    maxBuffer: 64 * 1024 * 1024,
  });
  return JSON.parse(out.trim().split("\n").at(-1)!) as T;
}

export const median = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
/** `median ms (min–max)`. */
export const ms = (xs: readonly number[]) => `${Math.round(median(xs))} ms (${Math.round(Math.min(...xs))}–${Math.round(Math.max(...xs))})`;
