import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import ts from "typescript";

/**
 * One import between two files; `type` when nothing of it is loaded with the importer: type-only
 * imports (erased from the build), `import("./x.ts")` types and lazy `import()` calls.
 */
export interface Edge {
  readonly from: string;
  readonly to: string;
  readonly type: boolean;
}

/** The relative imports of every `.ts` file under `root` (read with the compiler), paths relative to `root`. */
export function importGraph(root: string): { files: string[]; edges: Edge[] } {
  const files = listTs(root);
  const edges: Edge[] = [];
  for (const file of files) {
    const add = (specifier: ts.Node | undefined, type: boolean) => {
      if (specifier === undefined || !ts.isStringLiteral(specifier) || !specifier.text.startsWith(".")) return;
      const to = relative(root, resolve(root, dirname(file), specifier.text)).replaceAll("\\", "/");
      if (!to.startsWith("..")) edges.push({ from: file, to, type });
    };
    const visit = (node: ts.Node) => {
      if (ts.isImportDeclaration(node)) add(node.moduleSpecifier, typeOnlyImport(node.importClause));
      else if (ts.isExportDeclaration(node)) add(node.moduleSpecifier, node.isTypeOnly);
      else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) add(node.arguments[0], true);
      else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) add(node.argument.literal, true);
      ts.forEachChild(node, visit);
    };
    visit(ts.createSourceFile(file, readFileSync(join(root, file), "utf8"), ts.ScriptTarget.Latest, false));
  }
  return { files, edges };
}

/** `import type …`, or `import { type A, type B }`: every named specifier is a type. */
function typeOnlyImport(clause: ts.ImportClause | undefined): boolean {
  if (clause === undefined) return false; // `import "./x.ts"` runs the module
  if (clause.isTypeOnly) return true;
  const bindings = clause.namedBindings;
  return (
    clause.name === undefined &&
    bindings !== undefined &&
    ts.isNamedImports(bindings) &&
    bindings.elements.length > 0 &&
    bindings.elements.every((e) => e.isTypeOnly)
  );
}

function listTs(root: string, under = ""): string[] {
  return readdirSync(join(root, under), { withFileTypes: true }).flatMap((entry) => {
    const path = under === "" ? entry.name : `${under}/${entry.name}`;
    if (entry.isDirectory()) return listTs(root, path);
    return entry.name.endsWith(".ts") && !entry.name.endsWith(".d.ts") ? [path] : [];
  });
}

/** The folder a file belongs to: its first directory, or "." for the entry files at the root. */
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
