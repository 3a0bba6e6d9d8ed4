import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";

/** One import between two runtime files; `type` when it brings types only (erased from the build). */
export interface Edge {
  readonly from: string;
  readonly to: string;
  readonly type: boolean;
}

const IMPORT = /^(?:import|export)\s+(type\s+)?(\{[^}]*\}|\*(?:\s+as\s+\w+)?|\w+(?:\s*,\s*\{[^}]*\})?)\s+from\s+"(\.[^"]+)"/gm;

/** The relative imports of every `.ts` file under `root`, paths relative to `root`. */
export function importGraph(root: string): { files: string[]; edges: Edge[] } {
  const files = listTs(root);
  const edges: Edge[] = [];
  for (const file of files) {
    const text = readFileSync(join(root, file), "utf8");
    for (const [, typeKeyword, specifiers, spec] of text.matchAll(IMPORT)) {
      const to = relative(root, resolve(root, dirname(file), spec!)).replaceAll("\\", "/");
      if (!to.startsWith("..")) edges.push({ from: file, to, type: typeKeyword !== undefined || onlyTypes(specifiers!) });
    }
  }
  return { files, edges };
}

/** `{ type A, type B }`: every named specifier is a type. */
function onlyTypes(specifiers: string): boolean {
  if (!specifiers.startsWith("{")) return false;
  const names = specifiers
    .slice(1, -1)
    .split(",")
    .map((name) => name.trim())
    .filter(Boolean);
  return names.length > 0 && names.every((name) => name.startsWith("type "));
}

function listTs(root: string, under = ""): string[] {
  return readdirSync(join(root, under), { withFileTypes: true }).flatMap((entry) => {
    const path = under === "" ? entry.name : `${under}/${entry.name}`;
    if (entry.isDirectory()) return listTs(root, path);
    return entry.name.endsWith(".ts") && !entry.name.endsWith(".d.ts") ? [path] : [];
  });
}

/** The folder a runtime file belongs to: its first directory, or "." for the entry files at the root. */
export function folderOf(file: string): string {
  const slash = file.indexOf("/");
  return slash === -1 ? "." : file.slice(0, slash);
}

/** A cycle among `edges`, as the files on it, or null. */
export function findCycle(edges: readonly Edge[]): string[] | null {
  const next = adjacency(edges);
  const state = new Map<string, "open" | "done">();
  const stack: string[] = [];
  const visit = (file: string): string[] | null => {
    if (state.get(file) === "done") return null;
    if (state.get(file) === "open") return [...stack.slice(stack.indexOf(file)), file];
    state.set(file, "open");
    stack.push(file);
    for (const to of next.get(file) ?? []) {
      const cycle = visit(to);
      if (cycle) return cycle;
    }
    stack.pop();
    state.set(file, "done");
    return null;
  };
  for (const file of next.keys()) {
    const cycle = visit(file);
    if (cycle) return cycle;
  }
  return null;
}

/** The longest chain of imports (in edges), with the files on it; the graph must have no cycle. */
export function longestChain(edges: readonly Edge[]): string[] {
  const next = adjacency(edges);
  const memo = new Map<string, string[]>();
  const chain = (file: string): string[] => {
    let best = memo.get(file);
    if (best) return best;
    best = [file];
    for (const to of next.get(file) ?? []) {
      const tail = chain(to);
      if (tail.length + 1 > best.length) best = [file, ...tail];
    }
    memo.set(file, best);
    return best;
  };
  let longest: string[] = [];
  for (const file of next.keys()) if (chain(file).length > longest.length) longest = chain(file);
  return longest;
}

function adjacency(edges: readonly Edge[]): Map<string, string[]> {
  const next = new Map<string, string[]>();
  for (const { from, to } of edges) {
    next.set(from, [...(next.get(from) ?? []), to]);
    if (!next.has(to)) next.set(to, []);
  }
  return next;
}
