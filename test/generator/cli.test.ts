import { spawn, spawnSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { Workspace } from "./workspace";

const REPO = join(dirname(fileURLToPath(import.meta.url)), "../..");
const BIN = join(REPO, "generator/bin.js");

const spec = (kind: string) => `triggers:
  - kind: ${kind}
    intentEventKind: ${kind}.requested
    cancellation: cooperative
    intent: { type: object }
    outcome: { type: object }
    events: {}
`;

function cli(cwd: string, ...args: string[]) {
  const result = spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: "utf8" });
  return { code: result.status, out: result.stdout, err: result.stderr };
}

describe("the trigger-codegen command", () => {
  it("passes --check on this repository's committed generated/ code", () => {
    const { code, out, err } = cli(REPO, "generate", "--check");
    expect(err).toBe("");
    expect(out).toMatch(/up to date/);
    expect(code).toBe(0);
  });

  it("fails --check on drift, naming each out-of-date file, and writes nothing", async () => {
    const ws = new Workspace({ "specs/a.yaml": spec("a.job") });
    try {
      const runtime = join("..", "..", "..", "..", "runtime");
      expect(cli(ws.root, "generate", "--runtime", runtime).code).toBe(0);
      ws.write("specs/b.yaml", spec("b.job"));
      const before = ws.snapshot("generated");
      const { code, err } = cli(ws.root, "generate", "--check", "--runtime", runtime);
      expect(code).toBe(1);
      expect(err).toContain("app/triggers/b.job.ts: out of date (would be created)");
      expect(err).toContain("generated/agent-do.ts: out of date (would be updated)");
      expect(err).toContain("generated/b.ts: out of date (would be created)");
      expect(ws.snapshot("generated")).toEqual(before);
    } finally {
      ws.dispose();
    }
  });

  it("adds a spec with init, and refuses a kind it cannot name", () => {
    const ws = new Workspace();
    try {
      expect(cli(ws.root, "init", "billing.invoice").code).toBe(0);
      expect(ws.read("specs/billing.invoice.yaml")).toContain("kind: billing.invoice");
      expect(cli(ws.root, "generate", "--runtime", join("..", "..", "..", "..", "runtime")).code).toBe(0);
      expect(cli(ws.root, "init", "billing.invoice").code).toBe(1);
      expect(cli(ws.root, "init", "bad kind!").err).toMatch(/is not a kind/);
    } finally {
      ws.dispose();
    }
  });

  it("keeps watching through a broken spec and regenerates when it is fixed", async () => {
    const ws = new Workspace({ "specs/a.yaml": spec("a.job") });
    const child = spawn(process.execPath, [BIN, "generate", "--watch", "--runtime", join("..", "..", "..", "..", "runtime")], { cwd: ws.root });
    let output = "";
    child.stdout.on("data", (d) => (output += d));
    child.stderr.on("data", (d) => (output += d));
    /** Waits for `pattern` in what the watcher printed after `from`. */
    const waitFor = async (pattern: RegExp, from = 0) => {
      const deadline = Date.now() + 15_000;
      while (!pattern.test(output.slice(from))) {
        if (Date.now() > deadline || child.exitCode !== null) throw new Error(`never saw ${pattern}:\n${output}`);
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    };
    try {
      await waitFor(/watching specs\//);
      let mark = output.length;
      ws.write("specs/a.yaml", "triggers:\n  - kind: [broken\n");
      await waitFor(/specs\/a\.yaml:\d+:\d+: YAML: .*\n.*nothing was written/, mark);
      mark = output.length;
      ws.write("specs/a.yaml", spec("a.renamed"));
      await waitFor(/updated generated\/a\.ts/, mark);
      expect(child.exitCode).toBeNull();
      expect(ws.read("generated/a.ts")).toContain('"a.renamed"');
    } finally {
      child.kill();
      ws.dispose();
    }
  });
});
