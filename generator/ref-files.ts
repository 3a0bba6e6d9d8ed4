import { readFile } from "node:fs/promises";
import { posix } from "node:path";
import { parse } from "yaml";

/**
 * The files a spec's references bring in (`$ref: ./common.yaml#/definitions/x`, `./money.json`),
 * read before the check so that the check stays a function of texts: each file by its path from the
 * project root, `null` when it cannot be read. Files they reference in turn are read too. A path
 * that leaves the project root is not read (the check refuses it, and says so).
 */
export type ReferencedFiles = Readonly<Record<string, string | null>>;

/** A reference to another file: its path as written and the pointer after `#` (empty: the whole file). */
export function fileRefOf(ref: string): { path: string; pointer: string } | undefined {
  if (ref.startsWith("#")) return undefined;
  const hash = ref.indexOf("#");
  const path = hash < 0 ? ref : ref.slice(0, hash);
  return /\.(json|ya?ml)$/i.test(path) ? { path, pointer: hash < 0 ? "" : ref.slice(hash + 1) } : undefined;
}

/** A referenced file's path from the project root, or `undefined` when it leaves the root (or is absolute, or a URL). */
export function referencedPath(fromFile: string, path: string): string | undefined {
  if (posix.isAbsolute(path) || /^[a-z][a-z0-9+.-]*:/i.test(path)) return undefined;
  const joined = posix.normalize(posix.join(posix.dirname(fromFile), path));
  return joined.startsWith("../") || joined === ".." ? undefined : joined;
}

/** A referenced file's text as a value: JSON for `.json`, YAML otherwise. Throws on a syntax error. */
export const parseReferenced = (path: string, text: string): unknown => (/\.json$/i.test(path) ? JSON.parse(text) : parse(text));

function refsIn(value: unknown, found: string[] = []): string[] {
  if (Array.isArray(value)) value.forEach((item) => refsIn(item, found));
  else if (value !== null && typeof value === "object") {
    for (const [key, item] of Object.entries(value)) {
      if (key === "$ref" && typeof item === "string") found.push(item);
      else refsIn(item, found);
    }
  }
  return found;
}

/** Every file `spec` (a file's parsed value, at `file` from the root) reaches through references, read from `root`. */
export async function readReferencedFiles(root: string, file: string, spec: unknown): Promise<ReferencedFiles> {
  const files: Record<string, string | null> = {};
  const pending: [string, unknown][] = [[file, spec]];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const [from, value] = next;
    for (const ref of refsIn(value)) {
      const target = fileRefOf(ref);
      const path = target && referencedPath(from, target.path);
      if (path === undefined || path in files) continue;
      const text = await readFile(posix.join(root, path), "utf8").catch(() => null);
      files[path] = text;
      if (text === null) continue;
      try {
        pending.push([path, parseReferenced(path, text)]);
      } catch {
        // The check reports it, at the reference.
      }
    }
  }
  return Object.fromEntries(Object.entries(files).sort(([a], [b]) => a.localeCompare(b)));
}
