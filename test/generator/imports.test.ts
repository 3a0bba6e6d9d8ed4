/**
 * The module graph of generator/ and runtime/, read from their import declarations with the
 * TypeScript compiler: no cycle (type-only imports count, since a cycle of types is still two
 * modules that cannot be read or changed apart), and the runtime never reaches the generator.
 */
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";

const ROOT = resolve(import.meta.dirname, "../..");

function modulesUnder(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith(".ts") && !entry.name.endsWith(".d.ts"))
    .map((entry) => relative(ROOT, join(entry.parentPath, entry.name)))
    .sort();
}

/** Every relative module specifier a file imports or re-exports, resolved to a path from the repo root. */
function importsOf(path: string): string[] {
  const source = ts.createSourceFile(path, readFileSync(join(ROOT, path), "utf8"), ts.ScriptTarget.Latest, false);
  const found: string[] = [];
  const add = (specifier: ts.Expression | undefined) => {
    if (specifier === undefined || !ts.isStringLiteral(specifier) || !specifier.text.startsWith(".")) return;
    found.push(relative(ROOT, resolve(ROOT, dirname(path), specifier.text)).replace(/\.js$/, ".ts"));
  };
  const visit = (node: ts.Node) => {
    if (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) add(node.moduleSpecifier);
    // import("./x.ts") and import type(…) in a type position.
    else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) add(node.arguments[0]);
    else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) add(node.argument.literal as ts.Expression);
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

const modules = [...modulesUnder("generator"), ...modulesUnder("runtime")];
const graph = new Map(modules.map((path) => [path, importsOf(path)]));

/**
 * Each cycle once: a strongly connected component of the graph (Tarjan), named by a shortest loop
 * through its first module and then every module caught in it.
 */
function cyclesOf(graph: ReadonlyMap<string, readonly string[]>): string[] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const components: string[][] = [];
  const connect = (node: string) => {
    index.set(node, index.size);
    low.set(node, index.get(node)!);
    stack.push(node);
    onStack.add(node);
    for (const next of graph.get(node) ?? []) {
      if (!graph.has(next)) continue;
      if (!index.has(next)) {
        connect(next);
        low.set(node, Math.min(low.get(node)!, low.get(next)!));
      } else if (onStack.has(next)) low.set(node, Math.min(low.get(node)!, index.get(next)!));
    }
    if (low.get(node) === index.get(node)) {
      const component: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        component.push(member);
      } while (member !== node);
      if (component.length > 1 || (graph.get(node) ?? []).includes(node)) components.push(component);
    }
  };
  for (const node of graph.keys()) if (!index.has(node)) connect(node);
  // A shortest loop from the component's first module back to itself, to name in the failure.
  return components.map((component) => {
    const loop = shortestLoop(component);
    const rest = component.filter((m) => !loop.includes(m)).sort();
    return `${loop.join(" → ")}${rest.length > 0 ? ` (also in the cycle: ${rest.join(", ")})` : ""}`;
  });

  function shortestLoop(component: string[]): string[] {
    const inside = new Set(component);
    const start = [...component].sort()[0]!;
    const from = new Map<string, string>();
    const queue = [start];
    for (let i = 0; i < queue.length; i++) {
      for (const next of graph.get(queue[i]!) ?? []) {
        if (!inside.has(next)) continue;
        if (next === start) {
          const loop = [queue[i]!];
          while (loop[0] !== start) loop.unshift(from.get(loop[0]!)!);
          return [...loop, start];
        }
        if (!from.has(next)) {
          from.set(next, queue[i]!);
          queue.push(next);
        }
      }
    }
    return [start, start];
  }
}

describe("module graph", () => {
  it("reads the imports of every generator and runtime module", () => {
    expect(modules).toContain("generator/generate.ts");
    expect(modules).toContain("runtime/index.ts");
    expect(graph.get("generator/generate.ts")).toContain("generator/check.ts");
  });

  it("finds a cycle when there is one", () => {
    const looped = new Map([
      ["a.ts", ["b.ts"]],
      ["b.ts", ["c.ts"]],
      ["c.ts", ["a.ts", "d.ts"]],
      ["d.ts", []],
    ]);
    expect(cyclesOf(looped)).toEqual(["a.ts → b.ts → c.ts → a.ts"]);
    looped.set("d.ts", ["b.ts"]);
    expect(cyclesOf(looped)).toEqual(["a.ts → b.ts → c.ts → a.ts (also in the cycle: d.ts)"]);
  });

  it("has no import cycle in generator/ or runtime/", () => {
    expect(cyclesOf(graph)).toEqual([]);
  });

  it("never imports the generator from the runtime", () => {
    const reaching = [...graph]
      .filter(([path]) => path.startsWith("runtime/"))
      .flatMap(([path, imports]) => imports.filter((i) => !i.startsWith("runtime/")).map((i) => `${path} → ${i}`));
    expect(reaching).toEqual([]);
  });
});
