/**
 * The package as a user meets it: packed, installed from the tarball into a
 * Worker project outside this repository (so nothing resolves through this
 * repo's node_modules), and then the README's "Add durable triggers to your
 * Worker" steps, in order, with the tools a user runs.
 */
import { execFile } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const REPO = join(dirname(fileURLToPath(import.meta.url)), "../..");
const FIXTURE = join(dirname(fileURLToPath(import.meta.url)), "project");
const KIND = "mail.send";

const repoPackage = JSON.parse(readFileSync(join(REPO, "package.json"), "utf8")) as {
  version: string;
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};
/** The same versions this repo tests with, so a warm npm cache serves the install. */
const pinned = (name: string) => repoPackage.devDependencies[name] ?? repoPackage.dependencies[name]!;

const run = promisify(execFile);
let project: string;

/** A command in the user's project: its output, or a failure that shows it. */
async function sh(command: string, ...args: string[]): Promise<string> {
  try {
    const { stdout, stderr } = await run(command, args, {
      cwd: project,
      env: { ...process.env, WRANGLER_SEND_METRICS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false", NO_COLOR: "1", CI: "1" },
      maxBuffer: 16 * 1024 * 1024,
    });
    return stdout + stderr;
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    throw new Error(`${command} ${args.join(" ")} failed:\n${stdout ?? ""}${stderr ?? ""}`);
  }
}
const read = (path: string) => readFileSync(join(project, path), "utf8");
const npx = (...args: string[]) => sh("npx", "--no-install", ...args);

describe("a Worker project outside this repository that installs the packed package", () => {
  beforeAll(async () => {
    project = mkdtempSync(join(tmpdir(), "durable-triggers-consumer-"));
    // `npm test` built dist/ first; packing without scripts keeps this test from building it again.
    const packed = await run("npm", ["pack", "--ignore-scripts", "--json", "--pack-destination", project], { cwd: REPO });
    const [{ filename }] = JSON.parse(packed.stdout) as [{ filename: string }];
    cpSync(FIXTURE, project, { recursive: true, filter: (path) => !path.includes(`${FIXTURE}/filled`) });
    writeFileSync(
      join(project, "package.json"),
      JSON.stringify(
        {
          name: "my-worker",
          private: true,
          type: "module",
          dependencies: { zod: pinned("zod") },
          devDependencies: {
            "durable-triggers": `file:./${filename}`,
            "@cloudflare/vitest-pool-workers": pinned("@cloudflare/vitest-pool-workers"),
            "fast-check": pinned("fast-check"),
            typescript: pinned("typescript"),
            vitest: pinned("vitest"),
            wrangler: pinned("wrangler"),
          },
        },
        null,
        2,
      ),
    );
    await sh("npm", "install", "--prefer-offline", "--no-audit", "--no-fund");
  }, 120_000);
  afterAll(() => rmSync(project, { recursive: true, force: true }));

  it("installs only the package: compiled entries, no sources, tests or example app", () => {
    const installed = join(project, "node_modules/durable-triggers");
    const files = readdirSync(installed, { recursive: true, withFileTypes: true })
      .filter((f) => f.isFile())
      .map((f) => join(f.parentPath, f.name).slice(installed.length + 1));
    expect(
      files.filter(
        (f) =>
          !/^(dist\/(runtime|generator)(\/[\w.-]+)+\.(js|d\.ts)|schemas\/[\w.-]+\.json|docs\/[\w.-]+\.(md|png)|bench\/README\.md|README\.md|package\.json)$/.test(
            f,
          ),
      ),
    ).toEqual([]);
    expect(files).toContain("dist/runtime/index.d.ts");
    expect(files.some((f) => f.endsWith(".ts") && !f.endsWith(".d.ts"))).toBe(false);
  });

  it("ships what the README's relative links point to, so none is dead on npm", () => {
    const readme = readFileSync(join(project, "node_modules/durable-triggers/README.md"), "utf8");
    const targets = [...readme.matchAll(/\]\(([^)#\s]+)(?:#[^)]*)?\)/g)].map((m) => m[1]!).filter((target) => !/^[a-z]+:/.test(target));
    expect(targets.length).toBeGreaterThan(0);
    expect(targets.filter((target) => !existsSync(join(project, "node_modules/durable-triggers", target)))).toEqual([]);
  });

  it("step 2: `trigger-codegen init` writes the spec, its code and stub, what wrangler.toml needs (its tables and comments kept), and the deploy script", async () => {
    const before = read("wrangler.toml");
    const out = await npx("trigger-codegen", "init", KIND);
    expect(out).toContain(`created specs/${KIND}.yaml`);
    expect(out).toContain(`created src/triggers/${KIND}.ts`);
    // No spec declares a cron schedule: the cron parser stays out of the bundle.
    expect(read("generated/agent-do.ts")).toContain('import { defineAgentDO } from "durable-triggers";\nimport { handlers');
    const wrangler = read("wrangler.toml");
    // Every line the user wrote is still there, in order, [vars], [observability], [[kv_namespaces]] and [env.production] too.
    const kept = before.split("\n").filter((line) => line !== "");
    expect(wrangler.split("\n").filter((line) => kept.includes(line))).toEqual(kept);
    expect(wrangler).toContain('compatibility_flags = [ "enable_request_signal", "request_signal_passthrough" ]');
    expect(wrangler).toContain('[[durable_objects.bindings]]\nname = "AGENT"\nclass_name = "AgentDO"');
    expect(wrangler).toContain('[[env.production.durable_objects.bindings]]\nname = "AGENT"\nclass_name = "AgentDO"');
    expect(wrangler).toContain('[[migrations]]\ntag = "v1"\nnew_sqlite_classes = [ "AgentDO" ]');
    expect(JSON.parse(read("package.json")).scripts).toEqual({ deploy: "trigger-codegen release && wrangler deploy" });
  });

  let starter: string;
  it("step 4: an edit right after init, even one that would break stored intents, is a draft that generate rewrites", async () => {
    starter = read(`specs/${KIND}.yaml`);
    const tightened = starter.replace("id: { type: string, minLength: 1 }", "id: { type: string, minLength: 3 }");
    expect(tightened).not.toBe(starter);
    writeFileSync(join(project, `specs/${KIND}.yaml`), tightened);
    expect(await npx("trigger-codegen", "generate")).toMatch(/1 trigger or stream from 1 spec file, \d+ files? changed/);
    const versions = JSON.parse(read("generated/intent-versions.json")).intents[KIND] as { version: number; draft?: true }[];
    expect(versions.map(({ version, draft }) => ({ version, draft }))).toEqual([{ version: 1, draft: true }]);
    expect(
      readdirSync(join(project, "generated")).filter(
        (file) => file.endsWith(".ts") && read(`generated/${file}`).includes("z.string().min(3)"),
      ),
    ).toHaveLength(1);
  });

  it("steps 3–4: the handler bodies a person writes survive `trigger-codegen generate`, which needs no flags", async () => {
    cpSync(join(FIXTURE, "filled/mail.send.ts"), join(project, `src/triggers/${KIND}.ts`));
    cpSync(join(FIXTURE, "filled/index.ts"), join(project, "src/index.ts"));
    cpSync(join(FIXTURE, "filled/typing.ts"), join(project, "src/typing.ts"));
    const handler = read(`src/triggers/${KIND}.ts`);
    // The starter spec back (the draft is rewritten again); only generated files change.
    writeFileSync(join(project, `specs/${KIND}.yaml`), starter);
    const out = await npx("trigger-codegen", "generate");
    expect(out).toMatch(/1 trigger or stream from 1 spec file, \d+ files? changed/);
    expect(out.split("\n").filter((line) => /^\s+(created|updated|deleted)/.test(line) && !line.includes("generated/"))).toEqual([]);
    expect(await npx("trigger-codegen", "generate", "--check")).toMatch(/up to date/);
    expect(read(`src/triggers/${KIND}.ts`)).toBe(handler);
  });

  it("step 5: `wrangler types` types the binding from the Worker's export", async () => {
    await npx("wrangler", "types");
    expect(read("worker-configuration.d.ts")).toMatch(/AGENT: DurableObjectNamespace<import\("\.\/src\/index"\)\.AgentDO>/);
  });

  it("step 5: compiles under a strict tsconfig that also checks the package's .d.ts files", async () => {
    const tsconfig = read("tsconfig.json");
    for (const option of [
      '"strict": true',
      '"exactOptionalPropertyTypes": true',
      '"noUncheckedIndexedAccess": true',
      '"lib": ["es2022"]',
      '"skipLibCheck": false',
    ]) {
      expect(tsconfig).toContain(option);
    }
    // src/typing.ts holds @ts-expect-error lines: a wrong kind or payload on the binding must not compile.
    await npx("tsc", "-p", ".");
  });

  it("step 6: `npm run deploy` releases the draft and bundles with wrangler: the runtime, zod and the operator surface's hono, nothing of the codegen or croner", async () => {
    // The deploy script init wrote, with wrangler's flags for a dry run (`minify = true` is in the config).
    const out = await sh("npm", "run", "deploy", "--", "--dry-run", "--outdir", "bundle");
    expect(out).toContain(`trigger-codegen: released ${KIND} v1`);
    const size = /Total Upload: ([\d.]+ KiB) \/ gzip: ([\d.]+ KiB)/.exec(out);
    expect(size).not.toBeNull();
    console.log(`consumer Worker bundle: ${size![1]} minified, ${size![2]} gzip`);
    const bundle = read("bundle/index.js");
    expect(bundle).not.toMatch(/ts-morph|jsonc-parser|toml-patch|CronPattern/);
  });

  it("after the release, a breaking edit is refused, naming what to do (and the command for a deploy that never happened)", async () => {
    const spec = read(`specs/${KIND}.yaml`);
    writeFileSync(
      join(project, `specs/${KIND}.yaml`),
      spec.replace("id: { type: string, minLength: 1 }", "id: { type: string, minLength: 3 }"),
    );
    const refused = await run("npx", ["--no-install", "trigger-codegen", "generate"], { cwd: project }).then(
      () => ({ code: 0, output: "" }),
      (error: { code: number; stdout: string; stderr: string }) => ({ code: error.code, output: error.stdout + error.stderr }),
    );
    expect(refused.code).toBe(1);
    expect(refused.output).toMatch(
      /specs\/mail\.send\.yaml:\d+:\d+: the intent of "mail\.send" cannot become version 2: id: .*upgradeIntentsTo: 2.*dropIntentsBefore: 2/,
    );
    expect(refused.output).toContain(`Never deployed version 1? \`npx trigger-codegen release --undo ${KIND}\``);
    writeFileSync(join(project, `specs/${KIND}.yaml`), spec);
  });

  it("step 7: its own vitest-pool-workers test, configured as the README shows, passes with exit 0 on a 2026-04-01 compatibility date", async () => {
    expect(read("wrangler.toml")).toContain('compatibility_date = "2026-04-01"');
    // sh() throws on a non-zero exit: a passing run that vitest reports as failed fails here.
    const out = await npx("vitest", "run");
    // 4 of its own, and the 2 of test/triggers/mail.send.test.ts, which trigger-codegen wrote ("tests" in trigger-codegen.json).
    expect(out).toMatch(/Tests\s+6 passed/);
  });
});
