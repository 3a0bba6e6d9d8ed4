import { mkdir, readdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";

export type Change = { readonly path: string; readonly change: "created" | "updated" | "deleted" };

/** What on disk differs from `wanted` (paths relative to `root`); `owned` files not wanted are stale. */
export async function diff(root: string, wanted: ReadonlyMap<string, string>, owned: readonly string[]): Promise<Change[]> {
  const changes: Change[] = [];
  for (const [path, text] of wanted) {
    const current = await readFile(join(root, path), "utf8").catch(() => null);
    if (current === null) changes.push({ path, change: "created" });
    else if (current !== text) changes.push({ path, change: "updated" });
  }
  for (const path of owned) if (!wanted.has(path)) changes.push({ path, change: "deleted" });
  return changes.sort((a, b) => a.path.localeCompare(b.path));
}

/** Stage 5: writes each change atomically (a temporary file renamed into place). */
export async function apply(root: string, wanted: ReadonlyMap<string, string>, changes: readonly Change[]): Promise<void> {
  for (const { path, change } of changes) {
    const target = join(root, path);
    if (change === "deleted") {
      await rm(target, { force: true });
      continue;
    }
    await mkdir(dirname(target), { recursive: true });
    const temporary = `${target}.${process.pid}.tmp`;
    await writeFile(temporary, wanted.get(path)!);
    await rename(temporary, target);
  }
}

/** Files directly in `dir` (relative to `root`) with one of `extensions`. */
export async function listFiles(root: string, dir: string, extensions: readonly string[]): Promise<string[]> {
  const entries = await readdir(join(root, dir), { withFileTypes: true }).catch(() => []);
  return entries
    .filter((e) => e.isFile() && extensions.some((ext) => e.name.endsWith(ext)))
    .map((e) => `${dir}/${e.name}`)
    .sort();
}
