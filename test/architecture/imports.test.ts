import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { findCycle, folderOf, importGraph, longestChain, type Edge } from "./graph.ts";

const root = fileURLToPath(new URL("../../runtime/", import.meta.url));
const { files, edges } = importGraph(root);

/** The table in runtime/README.md: each folder and what it may import (folders, and files at the root). */
function allowedImports(): Map<string, Set<string>> {
  const table = new Map<string, Set<string>>();
  for (const line of readFileSync(`${root}README.md`, "utf8").split("\n")) {
    const row = /^\| `([^`]+)\/` \|[^|]+\| (.+) \|$/.exec(line);
    if (!row) continue;
    const allowed =
      row[2] === "anything" ? new Set(["*"]) : new Set([...row[2]!.matchAll(/`([^`]+)`/g)].map(([, name]) => name!.replace(/\/$/, "")));
    table.set(row[1]!, allowed);
  }
  return table;
}

describe("runtime/ imports", () => {
  it("has no cycle", () => {
    expect(findCycle(edges)).toBeNull();
  });

  it("imports across folders only as runtime/README.md's table allows", () => {
    const table = allowedImports();
    expect([...table.keys()].sort()).toEqual([...new Set(files.map(folderOf))].sort());
    const sideways = edges.filter(({ from, to }) => {
      const [source, target] = [folderOf(from), folderOf(to)];
      if (source === target) return false;
      const allowed = table.get(source)!;
      return !allowed.has("*") && !allowed.has(target === "." ? to : target);
    });
    expect(sideways.map(({ from, to }) => `${from} -> ${to}`)).toEqual([]);
  });

  it("chains at most 10 imports, and at most 8 value imports", () => {
    const depth = (of: readonly Edge[]) => longestChain(of).length - 1;
    expect(depth(edges), longestChain(edges).join(" -> ")).toBeLessThanOrEqual(10);
    const values = edges.filter((edge) => !edge.type);
    expect(depth(values), longestChain(values).join(" -> ")).toBeLessThanOrEqual(8);
  });

  it("never imports the generator", () => {
    const outside = files.filter((file) => /from "(\.\.\/)+generator\//.test(readFileSync(`${root}${file}`, "utf8")));
    expect(outside).toEqual([]);
  });

  it("has no class over 250 lines", () => {
    const long: string[] = [];
    for (const file of files) {
      const lines = readFileSync(`${root}${file}`, "utf8").split("\n");
      let start = -1;
      lines.forEach((line, at) => {
        if (/^\s*(export )?(abstract )?class \w+|return class \w+/.test(line)) start = at;
        else if (start >= 0 && line.startsWith(`${lines[start]!.match(/^\s*/)![0]}}`)) {
          if (at - start + 1 > 250) long.push(`${file}:${start + 1} (${at - start + 1} lines)`);
          start = -1;
        }
      });
    }
    expect(long).toEqual([]);
  });
});

describe("generator/ imports", () => {
  it("has no cycle (type-only and lazy imports count: a cycle of them is still two modules that change together)", () => {
    const generator = importGraph(fileURLToPath(new URL("../../generator/", import.meta.url)));
    expect(generator.files).toContain("generate.ts");
    expect(generator.edges).toContainEqual({ from: "generate.ts", to: "check.ts", type: false });
    expect(findCycle(generator.edges)).toBeNull();
  });
});

describe("the import rules can fail", () => {
  it("finds a cycle and measures a chain", () => {
    const chain: Edge[] = [
      { from: "a.ts", to: "b.ts", type: false },
      { from: "b.ts", to: "c.ts", type: true },
    ];
    expect(findCycle(chain)).toBeNull();
    expect(longestChain(chain)).toEqual(["a.ts", "b.ts", "c.ts"]);
    expect(findCycle([...chain, { from: "c.ts", to: "a.ts", type: false }])).toEqual(["a.ts", "b.ts", "c.ts", "a.ts"]);
  });
});
