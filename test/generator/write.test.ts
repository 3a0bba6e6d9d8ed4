import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { apply, diff } from "../../generator/write";

const SCRATCH = join(dirname(fileURLToPath(import.meta.url)), ".tmp");

/** Every file under `root`, relative path → text. */
function tree(root: string): Record<string, string> {
  const files: Record<string, string> = {};
  for (const entry of readdirSync(root, { recursive: true, withFileTypes: true })) {
    if (entry.isFile())
      files[join(entry.parentPath, entry.name).slice(root.length + 1)] = readFileSync(join(entry.parentPath, entry.name), "utf8");
  }
  return files;
}

describe("writing a run's files", () => {
  let root: string;
  beforeEach(() => {
    mkdirSync(SCRATCH, { recursive: true });
    root = mkdtempSync(join(SCRATCH, "write-"));
    mkdirSync(join(root, "generated"));
    writeFileSync(join(root, "generated/old.ts"), "old\n");
    writeFileSync(join(root, "generated/stale.ts"), "stale\n");
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it("writes every file, updates and deletes, and leaves no temporary behind", async () => {
    const wanted = new Map([
      ["generated/old.ts", "new\n"],
      ["generated/a.ts", "a\n"],
      ["app/triggers/x.ts", "x\n"],
    ]);
    await apply(root, wanted, await diff(root, wanted, ["generated/old.ts", "generated/stale.ts"]));
    expect(tree(root)).toEqual({ "generated/old.ts": "new\n", "generated/a.ts": "a\n", "app/triggers/x.ts": "x\n" });
  });

  it("writes nothing when one file cannot be written: not the files before it, not a temporary", async () => {
    writeFileSync(join(root, "zz"), "a file where a directory should be\n");
    const before = tree(root);
    // Changes are applied in path order: the one that fails comes after the others.
    const wanted = new Map([
      ["generated/old.ts", "new\n"],
      ["generated/a.ts", "a\n"],
      ["zz/x.ts", "x\n"],
    ]);
    const changes = await diff(root, wanted, ["generated/old.ts", "generated/stale.ts"]);
    await expect(apply(root, wanted, changes)).rejects.toThrow();
    expect(tree(root)).toEqual(before);
  });

  it("refuses a path with a component over 255 bytes before writing anything", async () => {
    const before = tree(root);
    const long = `app/triggers/${"é".repeat(127)}.ts`; // 257 bytes of UTF-8, in 130 characters
    const wanted = new Map([
      ["generated/old.ts", "new\n"],
      [long, "x\n"],
    ]);
    await expect(apply(root, wanted, await diff(root, wanted, []))).rejects.toThrow(/over 255 bytes/);
    expect(tree(root)).toEqual(before);
  });

  it("writes a file whose name takes all 255 bytes", async () => {
    const name = `generated/${"n".repeat(252)}.ts`;
    const wanted = new Map([[name, "n\n"]]);
    await apply(root, wanted, await diff(root, wanted, []));
    expect(tree(root)[name]).toBe("n\n");
  });
});
