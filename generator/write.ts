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

/** The longest file name, in bytes, that common file systems (ext4, APFS, NTFS) take. */
const MAX_NAME_BYTES = 255;

/** Of `paths` (relative, with forward slashes), those with a file or directory name over MAX_NAME_BYTES. */
function overlongPaths(paths: Iterable<string>): string[] {
  return [...paths].filter((path) => path.split("/").some((name) => Buffer.byteLength(name) > MAX_NAME_BYTES));
}

/**
 * Stage 5: all or nothing. Every file is first written to a temporary beside it (a short name of
 * its own, so a long file name does not grow past what the file system takes); only when every
 * temporary exists are they renamed into place, and stale files deleted. A failure before that
 * removes what the run made and leaves every file as it was.
 */
export async function apply(root: string, wanted: ReadonlyMap<string, string>, changes: readonly Change[]): Promise<void> {
  const writes = changes.filter((c) => c.change !== "deleted");
  const overlong = overlongPaths(writes.map((c) => c.path));
  if (overlong.length > 0) throw new Error(`a file name is over ${MAX_NAME_BYTES} bytes in ${overlong.join(", ")}; nothing was written`);

  const staged: { temporary: string; target: string }[] = [];
  const madeDirectories: string[] = [];
  try {
    for (const [index, { path }] of writes.entries()) {
      const target = join(root, path);
      const made = await mkdir(dirname(target), { recursive: true });
      if (made !== undefined) madeDirectories.push(made);
      const temporary = join(dirname(target), `.trigger-codegen-${process.pid}-${index}.tmp`);
      staged.push({ temporary, target });
      await writeFile(temporary, wanted.get(path)!);
    }
  } catch (error) {
    await Promise.all(staged.map(({ temporary }) => rm(temporary, { force: true })));
    for (const directory of madeDirectories.reverse()) await rm(directory, { recursive: true, force: true });
    throw error;
  }
  for (const { temporary, target } of staged) await rename(temporary, target);
  for (const { path, change } of changes) if (change === "deleted") await rm(join(root, path), { force: true });
}

/** Files directly in `dir` (relative to `root`) with one of `extensions`. */
export async function listFiles(root: string, dir: string, extensions: readonly string[]): Promise<string[]> {
  const entries = await readdir(join(root, dir), { withFileTypes: true }).catch(() => []);
  return entries
    .filter((e) => e.isFile() && extensions.some((ext) => e.name.endsWith(ext)))
    .map((e) => `${dir}/${e.name}`)
    .sort();
}
