import { spawn } from "node:child_process";
import { readFileSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { main } from "../../generator/cli.ts";
import { settingsJsonSchema } from "../../generator/config.ts";
import { Workspace } from "./workspace.ts";

const REPO = join(dirname(fileURLToPath(import.meta.url)), "../..");
/** The compiled command, as `npm test` builds it and users run it. */
const BIN = join(REPO, "dist/generator/bin.js");
const VERSION = (JSON.parse(readFileSync(join(REPO, "package.json"), "utf8")) as { version: string }).version;

const spec = (kind: string) => `triggers:
  - kind: ${kind}
    intentEventKind: ${kind}.requested
    cancellation: cooperative
    intent: { type: object }
    outcome: { type: object }
    events: {}
`;

/**
 * A throwaway project with its own package.json: the command looks for
 * trigger-codegen.json up to the project's root, and the workspace sits
 * inside this repository, whose own settings file is not the project's.
 */
const project = (files: Record<string, string> = {}) => new Workspace({ "package.json": "{}\n", ...files });

/** The command run in this process, as `trigger-codegen …` in `cwd`: its exit code and what it printed. */
async function cli(cwd: string, ...args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(args, { cwd, out: (line) => out.push(line), err: (line) => err.push(line) });
  return { code, out: out.join("\n"), err: err.join("\n") };
}

const WRANGLER = `// My Worker. Comments and layout must survive.
{
  "name": "my-worker",
  "main": "src/index.ts",
  "compatibility_date": "2026-04-21",
  "compatibility_flags": ["nodejs_compat"], // keep this one
  "migrations": [
    { "tag": "v3", "new_sqlite_classes": ["Other"] }
  ],
  "observability": { "enabled": false } // the user's own setting
}
`;

describe("trigger-codegen generate", () => {
  it("passes --check on this repository's committed generated/ code, reading trigger-codegen.json", async () => {
    const { code, out, err } = await cli(REPO, "generate", "--check");
    expect(err).toBe("");
    expect(out).toMatch(/up to date \(5 triggers and streams from 5 spec files/);
    expect(code).toBe(0);
  });

  it("fails --check on drift, naming each out-of-date file and the command that fixes it, and writes nothing", async () => {
    const ws = project({ "specs/a.yaml": spec("a.job") });
    try {
      expect((await cli(ws.root, "generate")).code).toBe(0);
      ws.write("specs/b.yaml", spec("b.job"));
      const before = ws.snapshot(".");
      const { code, err } = await cli(ws.root, "generate", "--check");
      expect(code).toBe(1);
      expect(err).toContain("src/triggers/b.job.ts: out of date (would be created)");
      expect(err).toContain("generated/agent-do.ts: out of date (would be updated)");
      expect(err).toContain("generated/b.ts: out of date (would be created)");
      expect(err).toContain("run `trigger-codegen generate`");
      expect(ws.snapshot(".")).toEqual(before);
    } finally {
      ws.dispose();
    }
  });

  it("takes its folders from trigger-codegen.json, relative to that file, and flags win over it", async () => {
    const ws = project({
      "worker/specs/a.yaml": spec("a.job"),
      "worker/trigger-codegen.json": JSON.stringify({ specs: "specs", out: "src/gen", handlers: "src/jobs" }),
    });
    try {
      const { code, err } = await cli(ws.root, "generate", "--config", "worker/trigger-codegen.json");
      expect(err).toBe("");
      expect(code).toBe(0);
      expect(ws.read("worker/src/gen/a.ts")).toContain('from "durable-triggers"');
      expect(ws.read("worker/src/jobs/a.job.ts")).toContain('from "../gen"');
      expect((await cli(ws.root, "generate", "--config", "worker/trigger-codegen.json", "--runtime", "my-runtime")).code).toBe(0);
      expect(ws.read("worker/src/gen/agent-do.ts")).toContain('import { defineAgentDO } from "my-runtime";');
    } finally {
      ws.dispose();
    }
  });

  it("finds trigger-codegen.json in a folder above when run from a subfolder, and not above the project's package.json", async () => {
    const ws = project({
      "trigger-codegen.json": JSON.stringify({ specs: "defs", out: "gen" }),
      "defs/a.yaml": spec("a.job"),
      "src/deep/keep.txt": "",
    });
    try {
      const { code, out, err } = await cli(join(ws.root, "src/deep"), "generate");
      expect(err).toBe("");
      expect(code).toBe(0);
      expect(out).toMatch(/1 trigger or stream from 1 spec file/);
      expect(ws.read("gen/agent-do.ts")).toContain("aJobTrigger");
      // A nested project (its own package.json) does not reach up into the outer one's settings.
      ws.write("nested/package.json", "{}");
      const nested = await cli(join(ws.root, "nested"), "generate");
      expect(nested.code).toBe(1);
      expect(nested.err).toMatch(/specs/);
    } finally {
      ws.dispose();
    }
  });

  it("ships the settings file's JSON Schema for editors, printed from the schema that checks it", async () => {
    expect(readFileSync(join(REPO, "schemas/trigger-codegen.schema.json"), "utf8")).toBe(await settingsJsonSchema());
  });

  it("refuses settings it cannot use with one line naming the file and the field", async () => {
    const ws = project({ "specs/a.yaml": spec("a.job"), "trigger-codegen.json": '{ "spec": "specs" }' });
    try {
      const { code, err } = await cli(ws.root, "generate");
      expect(code).toBe(1);
      expect(err).toMatch(/trigger-codegen\.json: .*Unrecognized key: "spec"/);
      expect(ws.snapshot(".")).not.toHaveProperty("generated/a.ts");
      ws.write("trigger-codegen.json", "{ nope");
      expect((await cli(ws.root, "generate")).err).toMatch(/trigger-codegen\.json: not JSON/);
      expect((await cli(ws.root, "generate", "--config", "missing.json")).err).toMatch(
        /missing\.json: cannot read the settings file \(ENOENT\)/,
      );
    } finally {
      ws.dispose();
    }
  });

  it("reads and writes absolute folders where they are, not under the project", async () => {
    const ws = project({ "elsewhere/specs/a.yaml": spec("a.job"), "project/.keep": "" });
    try {
      const abs = (path: string) => join(ws.root, path);
      const args = ["--specs", abs("elsewhere/specs"), "--out", abs("elsewhere/gen"), "--handlers", abs("elsewhere/jobs")];
      const { code, out } = await cli(abs("project"), "generate", ...args);
      expect(code).toBe(0);
      expect(out).toMatch(/1 trigger or stream from 1 spec file,/);
      expect(ws.read("elsewhere/gen/agent-do.ts")).toContain('from "../jobs/a.job"');
      expect(ws.snapshot("project")).toEqual({ "project/.keep": "" });
      expect((await cli(abs("project"), "generate", "--check", ...args)).code).toBe(0);
    } finally {
      ws.dispose();
    }
  });

  it("refuses a specs folder that holds no spec, and leaves the generated modules alone", async () => {
    const ws = project({ "specs/a.yaml": spec("a.job") });
    try {
      expect((await cli(ws.root, "generate")).code).toBe(0);
      ws.remove("specs/a.yaml");
      const before = ws.snapshot(".");
      const { code, err } = await cli(ws.root, "generate");
      expect(code).toBe(1);
      expect(err).toBe("trigger-codegen: no spec files (*.yaml, *.yml) in specs/");
      expect(ws.snapshot(".")).toEqual(before);
      expect((await cli(ws.root, "generate", "--specs", "nowhere")).err).toBe("trigger-codegen: no spec files (*.yaml, *.yml) in nowhere/");
    } finally {
      ws.dispose();
    }
  });

  it("keeps watching through a broken spec and a deleted specs folder, and regenerates when they are back (the compiled bin, under plain node)", async () => {
    const ws = project({ "specs/a.yaml": spec("a.job") });
    const { child, printed } = watching(ws);
    try {
      await printed(/watching specs\//);
      ws.write("specs/a.yaml", "triggers:\n  - kind: [broken\n");
      await printed(/specs\/a\.yaml:\d+:\d+: YAML: .*\n.*nothing was written/);
      ws.write("specs/a.yaml", spec("a.renamed"));
      await printed(/updated generated\/a\.ts/);
      expect(child.exitCode).toBeNull();
      expect(ws.read("generated/a.ts")).toContain('"a.renamed"');

      // The folder deleted: an error, and the generated modules stay; made again: watching goes on.
      const generated = ws.snapshot("generated");
      ws.removeDir("specs");
      await printed(/no spec files \(\*\.yaml, \*\.yml\) in specs\//);
      expect(ws.snapshot("generated")).toEqual(generated);
      ws.write("specs/a.yaml", spec("a.again"));
      await printed(/updated generated\/a\.ts/);
      expect(ws.read("generated/a.ts")).toContain('"a.again"');
    } finally {
      child.kill();
      ws.dispose();
    }
  });

  it("watches the files a spec brings in by $ref, outside the specs folder, a broken one and a missing one too (the compiled bin)", async () => {
    const money = (max: number) => `type: object\nproperties:\n  amount: { type: integer, maximum: ${max} }\n`;
    const ws = project({
      "specs/a.yaml": "events:\n  a.seen:\n    payload: { $ref: ../schemas/money.yaml }\n",
      "schemas/money.yaml": money(10),
    });
    const { child, printed } = watching(ws);
    try {
      await printed(/watching specs\//);
      ws.write("schemas/money.yaml", money(99));
      await printed(/updated generated\/a\.ts/);
      expect(ws.read("generated/a.ts")).toContain(".max(99)");

      // Broken: an error at the $ref, nothing written, and the file is still watched; fixed: written.
      ws.write("schemas/money.yaml", "type: [object\n");
      await printed(/specs\/a\.yaml:3:\d+: "\.\.\/schemas\/money\.yaml": schemas\/money\.yaml is not valid YAML.*\n.*nothing was written/);
      ws.write("schemas/money.yaml", money(7));
      await printed(/updated generated\/a\.ts/);
      expect(ws.read("generated/a.ts")).toContain(".max(7)");

      // A file (and folder) the spec names that is not there yet: an error until it is made.
      ws.write("specs/a.yaml", "events:\n  a.seen:\n    payload: { $ref: ../later/price.json }\n");
      await printed(/"\.\.\/later\/price\.json": cannot read later\/price\.json\n.*nothing was written/);
      ws.write("later/price.json", JSON.stringify({ type: "object", properties: { cents: { type: "integer", minimum: 3 } } }));
      await printed(/updated generated\/a\.ts/);
      expect(ws.read("generated/a.ts")).toContain(".min(3)");
      expect(child.exitCode).toBeNull();
    } finally {
      child.kill();
      ws.dispose();
    }
  });
});

/**
 * `trigger-codegen generate --watch` in `ws`, as users run it; `printed(pattern)` waits (polling, ten
 * seconds at most) for `pattern` in what it printed since the last `printed` returned.
 */
function watching(ws: Workspace) {
  const child = spawn(process.execPath, [BIN, "generate", "--watch"], { cwd: ws.root });
  let output = "";
  let mark = 0;
  child.stdout.on("data", (d) => (output += d));
  child.stderr.on("data", (d) => (output += d));
  const printed = async (pattern: RegExp) => {
    const deadline = Date.now() + 10_000;
    while (!pattern.test(output.slice(mark))) {
      if (Date.now() > deadline || child.exitCode !== null) throw new Error(`never saw ${pattern}:\n${output}`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    mark = output.length;
  };
  return { child, printed };
}

describe("trigger-codegen init", () => {
  it("adds a spec, its generated code and stub, the settings file, and what wrangler.jsonc needs, keeping its comments", async () => {
    const ws = project({ "wrangler.jsonc": WRANGLER });
    try {
      const { code, out, err } = await cli(ws.root, "init", "billing.invoice");
      expect(err).toBe("");
      expect(code).toBe(0);
      expect(ws.read("specs/billing.invoice.yaml")).toContain("kind: billing.invoice");
      expect(ws.read("specs/billing.invoice.yaml")).toContain("$schema=../generated/trigger-spec.schema.json");
      expect(ws.read("generated/agent-do.ts")).toContain('from "../src/triggers/billing.invoice"');
      expect(ws.read("src/triggers/billing.invoice.ts")).toContain("billing.invoice: acquire is not written yet");
      expect(JSON.parse(ws.read("trigger-codegen.json"))).toMatchObject({
        specs: "specs",
        out: "generated",
        handlers: "src/triggers",
        runtime: "durable-triggers",
      });

      const wrangler = ws.read("wrangler.jsonc");
      expect(wrangler).toContain("// My Worker. Comments and layout must survive.");
      expect(wrangler).toContain(
        '"compatibility_flags": ["nodejs_compat", "enable_request_signal", "request_signal_passthrough"], // keep this one',
      );
      expect(wrangler).toContain('"observability": { "enabled": false }, // the user\'s own setting\n  "durable_objects": {\n');
      expect(wrangler).toMatch(/"durable_objects": \{\n {4}"bindings": \[\n {6}\{\n {8}"name": "AGENT",\n {8}"class_name": "AgentDO"\n/);
      expect(wrangler).toContain(
        '    { "tag": "v3", "new_sqlite_classes": ["Other"] },\n    {\n      "tag": "v4",\n      "new_sqlite_classes": [\n        "AgentDO"\n      ]\n    }\n  ]',
      );
      // The import as src/index.ts (the config's main) writes it, and counts that agree with their numbers.
      expect(out).toContain('Export the Durable Object from src/index.ts: export { AgentDO } from "../generated/agent-do";');
      expect(out).toContain('DurableObjectNamespace<import("../generated/agent-do").AgentDO>');
      expect(out).toMatch(/trigger-codegen: 1 trigger or stream from 1 spec file, \d+ files changed/);
      expect(wrangler).toMatch(/\n {2}\},\n {2}"minify": true\n\}\n$/);
      // Deploys release the drafts first.
      expect(JSON.parse(ws.read("package.json"))).toEqual({ scripts: { deploy: "trigger-codegen release && wrangler deploy" } });
      expect(out).toContain("updated package.json: scripts.deploy");
      expect(out).toContain("4. Deploy with `npm run deploy` (it runs trigger-codegen release first)");

      // A second kind adds its spec; the config already has what it needs and is left byte for byte.
      expect((await cli(ws.root, "init", "billing.refund")).code).toBe(0);
      expect(ws.read("wrangler.jsonc")).toBe(wrangler);
      expect(ws.read("generated/agent-do.ts")).toContain("billingRefundTrigger");
    } finally {
      ws.dispose();
    }
  });

  it("adds the same to a real wrangler.toml with tables, keeping every comment, table and value where it was", async () => {
    const toml = `# My Worker
name = "my-worker"
main = "src/index.ts"
compatibility_date = "2026-04-21" # pinned

[vars]
GREETING = "hello" # shown on /

[observability]
enabled = true

[[kv_namespaces]]
binding = "CACHE"
id = "abc123"

# production overrides
[env.production]
name = "my-worker-prod"
vars = { GREETING = "hi" }
`;
    const ws = project({ "wrangler.toml": toml });
    try {
      const { code, err } = await cli(ws.root, "init", "mail.send", "--binding", "JOBS");
      expect(err).toBe("");
      expect(code).toBe(0);
      const edited = ws.read("wrangler.toml");
      // Every line the user wrote is still there, in order; the flags sit with the other top-level keys.
      const [head, tables] = [toml.slice(0, toml.indexOf("\n\n[vars]")), toml.slice(toml.indexOf("[vars]"))];
      expect(edited).toBe(
        `${head}\ncompatibility_flags = [ "enable_request_signal", "request_signal_passthrough" ]\nminify = true\n\n${tables}` +
          `\n[[durable_objects.bindings]]\nname = "JOBS"\nclass_name = "AgentDO"\n` +
          // Bindings are not inherited: `wrangler deploy --env production` needs its own.
          `\n[[env.production.durable_objects.bindings]]\nname = "JOBS"\nclass_name = "AgentDO"\n` +
          `\n[[migrations]]\ntag = "v1"\nnew_sqlite_classes = [ "AgentDO" ]\n`,
      );
      // The settings keep the binding, so generated tests reach env.JOBS and a later init needs no flag.
      expect(JSON.parse(ws.read("trigger-codegen.json")).binding).toBe("JOBS");
      // A second run finds everything in place and changes nothing.
      expect((await cli(ws.root, "init", "mail.retry")).code).toBe(0);
      expect(ws.read("wrangler.toml")).toBe(edited);
    } finally {
      ws.dispose();
    }
  });

  it("adds the binding to each environment of a wrangler.jsonc that lacks it, and leaves one that has it alone", async () => {
    const jsonc = `{
  "name": "w",
  "main": "src/index.ts",
  "compatibility_date": "2026-04-21",
  "env": {
    "staging": { "vars": { "MODE": "staging" } },
    "production": { "durable_objects": { "bindings": [{ "name": "AGENT", "class_name": "AgentDO", "script_name": "w" }] } }
  }
}
`;
    const ws = project({ "wrangler.jsonc": jsonc });
    try {
      const { code, out } = await cli(ws.root, "init", "a.job");
      expect(code).toBe(0);
      expect(out).toContain("env.staging: Durable Object binding AGENT → AgentDO");
      expect(out).not.toContain("env.production:");
      const config = JSON.parse(ws.read("wrangler.jsonc")) as { env: Record<string, { durable_objects: { bindings: object[] } }> };
      expect(config.env["staging"]!.durable_objects.bindings).toEqual([{ name: "AGENT", class_name: "AgentDO" }]);
      expect(config.env["production"]!.durable_objects.bindings).toEqual([{ name: "AGENT", class_name: "AgentDO", script_name: "w" }]);
    } finally {
      ws.dispose();
    }
  });

  it("puts the release into an existing deploy script just before wrangler deploys, keeping package.json's layout, and leaves one that releases alone", async () => {
    for (const [before, after] of [
      ["npm run build && npx wrangler deploy --minify", "npm run build && trigger-codegen release && npx wrangler deploy --minify"],
      ["./scripts/ship.sh", "trigger-codegen release && ./scripts/ship.sh"],
      ["trigger-codegen release && wrangler deploy --env production", "trigger-codegen release && wrangler deploy --env production"],
    ]) {
      const pkg = `{\n\t"name": "w",\n\t"scripts": {\n\t\t"deploy": ${JSON.stringify(before)}, "dev": "wrangler dev"\n\t}\n}\n`;
      const ws = project({ "package.json": pkg, "wrangler.jsonc": WRANGLER });
      try {
        expect((await cli(ws.root, "init", "a.job")).code).toBe(0);
        expect(ws.read("package.json")).toBe(pkg.replace(JSON.stringify(before), JSON.stringify(after)));
      } finally {
        ws.dispose();
      }
    }
    const ws = project({ "package.json": "[1]", "wrangler.jsonc": WRANGLER });
    try {
      expect(await cli(ws.root, "init", "a.job")).toMatchObject({
        code: 1,
        err: "trigger-codegen init: package.json: not a JSON object; nothing was changed",
      });
      expect(ws.read("wrangler.jsonc")).toBe(WRANGLER);
    } finally {
      ws.dispose();
    }
  });

  it("keeps a tab-indented wrangler.jsonc's tabs, whatever its header comment is indented with", async () => {
    const jsonc = '/**\n * My Worker.\n */\n{\n\t"name": "w",\n\t"main": "worker/main.ts",\n\t"compatibility_date": "2026-04-21"\n}\n';
    const ws = project({ "wrangler.jsonc": jsonc });
    try {
      const { code, out } = await cli(ws.root, "init", "a.job");
      expect(code).toBe(0);
      const edited = ws.read("wrangler.jsonc");
      expect(edited).toContain('\t"durable_objects": {\n\t\t"bindings": [\n\t\t\t{\n\t\t\t\t"name": "AGENT",');
      expect(edited).not.toMatch(/^ +"/m);
      expect(out).toContain('from worker/main.ts: export { AgentDO } from "../generated/agent-do";');
    } finally {
      ws.dispose();
    }
  });

  it("accepts an old compatibility date that turns RPC on with the rpc flag, and any date since RPC", async () => {
    for (const config of [{ compatibility_date: "2023-06-01", compatibility_flags: ["rpc"] }, { compatibility_date: "2024-04-03" }]) {
      const ws = project({ "wrangler.json": JSON.stringify(config) });
      try {
        expect((await cli(ws.root, "init", "a.job")).code, JSON.stringify(config)).toBe(0);
      } finally {
        ws.dispose();
      }
    }
  });

  it("adds to a wrangler.toml's existing flags and lists of tables after what is there", async () => {
    const toml = `name = "w"\nminify = false\ncompatibility_flags = ["nodejs_compat"] # node APIs\n\n[[durable_objects.bindings]]\nname = "OTHER"\nclass_name = "Other"\n\n[[migrations]]\ntag = "v1"\nnew_sqlite_classes = ["Other"]\n`;
    const ws = project({ "wrangler.toml": toml });
    try {
      expect((await cli(ws.root, "init", "mail.send")).code).toBe(0);
      expect(ws.read("wrangler.toml")).toBe(
        toml.replace('["nodejs_compat"]', '["nodejs_compat", "enable_request_signal", "request_signal_passthrough"]') +
          `\n[[durable_objects.bindings]]\nname = "AGENT"\nclass_name = "AgentDO"\n\n[[migrations]]\ntag = "v2"\nnew_sqlite_classes = [ "AgentDO" ]\n`,
      );
    } finally {
      ws.dispose();
    }
  });

  it("writes nothing at all when the wrangler config cannot be read, parsed or safely changed", async () => {
    const cases = {
      "no config": {},
      "broken JSONC": { "wrangler.jsonc": '{ "name": "x", }}' },
      "broken TOML": { "wrangler.toml": 'name = "x"\nname = "y"\n' },
      "binding taken": { "wrangler.json": JSON.stringify({ durable_objects: { bindings: [{ name: "AGENT", class_name: "Mine" }] } }) },
      "key-value class": { "wrangler.json": JSON.stringify({ migrations: [{ tag: "v1", new_classes: ["AgentDO"] }] }) },
      "date before RPC": { "wrangler.toml": 'name = "x"\ncompatibility_date = 2024-01-15\n' },
    };
    const messages: Record<string, string> = {};
    for (const [name, files] of Object.entries(cases)) {
      const ws = project(files);
      try {
        const before = ws.snapshot(".");
        const { code, err } = await cli(ws.root, "init", "a.job");
        expect(code, name).toBe(1);
        expect(ws.snapshot("."), name).toEqual(before);
        messages[name] = err;
      } finally {
        ws.dispose();
      }
    }
    expect(messages["no config"]).toMatch(
      /no wrangler config \(wrangler\.jsonc, wrangler\.json, wrangler\.toml\) in .*; pass --wrangler <file>\. Nothing was written/,
    );
    expect(messages["broken JSONC"]).toBe(
      "trigger-codegen init: wrangler.jsonc:1:17: not valid JSONC (end of file expected); nothing was changed",
    );
    expect(messages["broken TOML"]).toBe(
      "trigger-codegen init: wrangler.toml:2:1: not valid TOML (Value already defined for name); nothing was changed",
    );
    expect(messages["binding taken"]).toMatch(/binding AGENT already names class Mine; pass --binding/);
    expect(messages["key-value class"]).toMatch(/AgentDO is declared under new_classes/);
    expect(messages["date before RPC"]).toBe(
      "trigger-codegen init: wrangler.toml: compatibility_date 2024-01-15 is before 2024-04-03, when Durable Object stubs gained the JavaScript RPC the runtime is called by; " +
        'set compatibility_date to 2024-04-03 or later, or add "rpc" to compatibility_flags; nothing was changed',
    );
  });

  it("refuses a kind it cannot name, a spec that exists, and a missing kind", async () => {
    const ws = project({ "wrangler.jsonc": "{}", "specs/a.job.yaml": spec("a.job") });
    try {
      expect((await cli(ws.root, "init", "bad kind!")).err).toMatch(/"bad kind!" is not a kind/);
      expect((await cli(ws.root, "init", "a.job")).err).toMatch(/specs\/a\.job\.yaml already exists/);
      const missing = await cli(ws.root, "init");
      expect(missing.code).toBe(2);
      expect(missing.err).toMatch(/^trigger-codegen init: missing the trigger kind\n\nUsage: trigger-codegen init <kind> \[options\]/);
      expect(ws.read("wrangler.jsonc")).toBe("{}");
    } finally {
      ws.dispose();
    }
  });
});

describe("the command line", () => {
  it("is built executable, so `npx trigger-codegen` runs it inside this repository too (npm sets the mode only when it installs)", () => {
    expect(statSync(BIN).mode & 0o111).toBe(0o111);
    expect(readFileSync(BIN, "utf8").startsWith("#!/usr/bin/env node\n")).toBe(true);
  });

  it("describes every command and each of its flags in --help, and prints its version", async () => {
    const top = await cli(REPO, "--help");
    expect(top.code).toBe(0);
    expect(top.out).toMatch(/generate +Generate typed code from the specs/);
    expect(top.out).toMatch(/init +Add durable triggers to this Worker/);
    const generate = await cli(REPO, "generate", "--help");
    for (const flag of [
      "--config <file>",
      "--specs <dir>",
      "--out <dir>",
      "--handlers <dir>",
      "--stream-handlers <dir>",
      "--runtime <module>",
      "--check",
      "--watch",
    ]) {
      expect(generate.out).toContain(flag);
    }
    const init = await cli(REPO, "init", "-h");
    expect(init.out).toContain("--wrangler <file>");
    expect(init.out).toContain("--binding <NAME>");
    expect(init.out).not.toEqual(generate.out);
    expect(await cli(REPO, "--version")).toEqual({ code: 0, out: VERSION, err: "" });
  });

  it("answers --version and --help without loading TypeScript, ts-morph, yaml or zod (the compiled bin)", async () => {
    // CommonJS packages imported from ESM land in require.cache: what is there after the command ran was loaded.
    const probe = `
      import { createRequire } from "node:module";
      const { main } = await import(${JSON.stringify(join(REPO, "dist/generator/cli.js"))});
      for (const args of [["--version"], ["--help"], ["generate", "--help"], ["init", "--help"]]) await main(args, { cwd: process.cwd(), out() {}, err() {} });
      const loaded = Object.keys(createRequire(import.meta.url).cache).filter((path) => /node_modules[\\\\/](typescript|ts-morph|yaml|zod)[\\\\/]/.test(path));
      console.log(JSON.stringify(loaded));`;
    const child = spawn(process.execPath, ["--input-type=module", "-e", probe], { cwd: REPO });
    let out = "";
    child.stdout.on("data", (chunk: Buffer) => (out += chunk));
    const code = await new Promise((done) => child.on("close", done));
    expect(code).toBe(0);
    expect(JSON.parse(out)).toEqual([]);
  });

  it("answers an unknown flag, command or argument with one line and the usage, exit code 2", async () => {
    const flag = await cli(REPO, "generate", "--nope");
    expect(flag.code).toBe(2);
    expect(flag.err.split("\n")[0]).toBe("trigger-codegen generate: unknown option '--nope'");
    expect(flag.err).toContain("Usage: trigger-codegen generate [options]");
    expect((await cli(REPO, "generate", "--specs")).err.split("\n")[0]).toMatch(
      /^trigger-codegen generate: option '--specs <value>' argument missing/,
    );
    expect((await cli(REPO, "generate", "extra")).err.split("\n")[0]).toBe('trigger-codegen generate: unexpected argument "extra"');
    const command = await cli(REPO, "genrate");
    expect(command.code).toBe(2);
    expect(command.err).toMatch(
      /^trigger-codegen: unknown command "genrate"; did you mean "generate"\?\n\n.*\n\nUsage: trigger-codegen <command>/,
    );
    expect((await cli(REPO)).code).toBe(2);
  });
});
