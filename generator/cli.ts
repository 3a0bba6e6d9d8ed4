import { access, mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join, relative, resolve, sep } from "node:path";
import { parseArgs, type ParseArgsConfig } from "node:util";
import { CONFIG_FILE, DEFAULT_SETTINGS, loadSettings, SettingsError, type LoadedSettings, type Settings } from "./config.ts";
import type { GenerateOptions } from "./generate.ts";
import { addDeployScript, RELEASE } from "./deploy-script.ts";
import { KIND_PATTERN, suggest } from "./names.ts";
import { watchFiles, watchFolder } from "./watch.ts";
import { addAgentToWranglerConfig, WRANGLER_FILES } from "./wrangler-config.ts";

/**
 * The generator (TypeScript, ts-morph, yaml, zod) loads on first use, not
 * with the CLI: `--version` and `--help` answer without it.
 */
const generator = () => import("./generate.ts");
const isGenerateError = async (error: unknown) => error instanceof (await generator()).GenerateError;

/** Where the CLI prints, and the folder it runs in: the process's, or a test's. */
export interface Io {
  readonly cwd: string;
  out(line: string): void;
  err(line: string): void;
}

const processIo: Io = { cwd: process.cwd(), out: (line) => console.log(line), err: (line) => console.error(line) };

interface Flag {
  readonly type: "string" | "boolean";
  readonly short?: string;
  /** How the value reads in help: `--specs <dir>`. */
  readonly value?: string;
  readonly description: string;
}

const settingsFlags = {
  config: { type: "string", value: "file", description: `Settings file (default: ${CONFIG_FILE} in this folder, when it exists)` },
  specs: { type: "string", value: "dir", description: `Folder of YAML spec files (default: ${DEFAULT_SETTINGS.specs})` },
  out: { type: "string", value: "dir", description: `Folder the generator owns and rewrites (default: ${DEFAULT_SETTINGS.out})` },
  handlers: {
    type: "string",
    value: "dir",
    description: `Folder of trigger handler files, yours once written (default: ${DEFAULT_SETTINGS.handlers})`,
  },
  "stream-handlers": {
    type: "string",
    value: "dir",
    description: `Folder of attached stream handler files (default: ${DEFAULT_SETTINGS.streamHandlers})`,
  },
  runtime: {
    type: "string",
    value: "module",
    description: `Module generated code imports the runtime from (default: ${DEFAULT_SETTINGS.runtime})`,
  },
} as const satisfies Record<string, Flag>;

const helpFlag = { help: { type: "boolean", short: "h", description: "Show this help" } } as const satisfies Record<string, Flag>;

const commands = {
  generate: {
    usage: "trigger-codegen generate [options]",
    summary: "Generate typed code from the specs; write a handler stub for each new trigger",
    about: [
      "Reads every spec, checks it, and writes the generated modules, the registration (agent-do.ts) and",
      "the editor schema into the out folder, and a handler stub for each trigger or stream that has none.",
      "Handler files are yours: later runs only add what a changed spec needs. A broken spec writes nothing.",
    ],
    flags: {
      ...settingsFlags,
      check: { type: "boolean", description: "Write nothing; exit 1 naming each out-of-date file (for CI)" },
      watch: {
        type: "boolean",
        description:
          "Regenerate on every change to a spec or a file it brings in ($ref); a broken one prints its errors and watching goes on",
      },
      "strict-events": {
        type: "boolean",
        description: "An event payload change that facts already written would fail is an error, not a warning",
      },
      ...helpFlag,
    },
  },
  init: {
    usage: "trigger-codegen init <kind> [options]",
    summary: "Add durable triggers to this Worker, starting with one trigger of this kind",
    about: [
      "Writes <specs>/<kind>.yaml, generates its code and handler stub, writes trigger-codegen.json when there",
      "is none, and adds to the wrangler config (comments and formatting kept) what the runtime needs: the",
      "Durable Object binding (in each [env.*] too: bindings are not inherited), its new_sqlite_classes migration",
      'and the compatibility flags; and a "deploy" script to package.json: trigger-codegen release && wrangler deploy.',
      "A config it cannot read or change is reported, and then nothing is written.",
    ],
    flags: {
      ...settingsFlags,
      wrangler: {
        type: "string",
        value: "file",
        description: `Wrangler config to update (default: the first of ${WRANGLER_FILES.join(", ")})`,
      },
      binding: { type: "string", value: "NAME", description: "The Durable Object binding's name (default: AGENT)" },
      ...helpFlag,
    },
  },
  release: {
    usage: "trigger-codegen release [--undo <kind>] [options]",
    summary: "Release every draft intent version; the deploy script runs it before wrangler deploy",
    about: [
      "A new intent version is a draft until released: no deployed Worker has stored an intent under it, so",
      "generate rewrites it in place on every edit, breaking or not. Once released, a breaking change needs a",
      'new version (upgradeIntentsTo or dropIntentsBefore). Run it as you deploy: init\'s "deploy" script is',
      "`trigger-codegen release && wrangler deploy`. It changes only <out>/intent-versions.json.",
    ],
    flags: {
      config: settingsFlags.config,
      out: settingsFlags.out,
      undo: {
        type: "string",
        value: "kind",
        description: "Make this trigger's last version a draft again, for a release that never shipped",
      },
      ...helpFlag,
    },
  },
} as const satisfies Record<string, { usage: string; summary: string; about: readonly string[]; flags: Record<string, Flag> }>;

type CommandName = keyof typeof commands;

function version(): string {
  // Resolved through the package's own exports: the same from source and from dist/.
  return (createRequire(import.meta.url)("durable-triggers/package.json") as { version: string }).version;
}

function mainHelp(): string {
  const width = Math.max(...Object.keys(commands).map((name) => name.length)) + 2;
  return [
    `trigger-codegen ${version()}: durable triggers declared in YAML, generated into typed TypeScript`,
    "",
    "Usage: trigger-codegen <command> [options]",
    "",
    "Commands:",
    ...Object.entries(commands).map(([name, command]) => `  ${name.padEnd(width)}${command.summary}`),
    "",
    "Options:",
    "  -h, --help     Show help; `trigger-codegen <command> --help` for a command's options",
    "  -v, --version  Print the version",
  ].join("\n");
}

function commandHelp(name: CommandName): string {
  const command = commands[name];
  const flags = Object.entries(command.flags as Record<string, Flag>).map(([flag, spec]) => [
    `${spec.short ? `-${spec.short}, ` : "    "}--${flag}${spec.value ? ` <${spec.value}>` : ""}`,
    spec.description,
  ]);
  const width = Math.max(...flags.map(([left]) => left!.length)) + 2;
  return [
    `Usage: ${command.usage}`,
    "",
    ...command.about,
    "",
    "Options:",
    ...flags.map(([left, right]) => `  ${left!.padEnd(width)}${right}`),
  ].join("\n");
}

/** One line saying what is wrong, then the usage: exit code 2, never a stack trace. */
function usageError(io: Io, message: string, name?: CommandName): number {
  io.err(`trigger-codegen${name ? ` ${name}` : ""}: ${message}`);
  io.err("");
  io.err(name ? commandHelp(name) : mainHelp());
  return 2;
}

/** Runs the command line; resolves to the exit code (`--watch` never resolves). */
export async function main(argv: readonly string[], io: Io = processIo): Promise<number> {
  const [first, ...rest] = argv;
  if (first === undefined) return usageError(io, "no command given");
  if (first === "-h" || first === "--help" || first === "help") {
    io.out(mainHelp());
    return 0;
  }
  if (first === "-v" || first === "--version") {
    io.out(version());
    return 0;
  }
  if (!Object.hasOwn(commands, first)) {
    const hint = suggest(first, Object.keys(commands));
    return usageError(io, `unknown command ${JSON.stringify(first)}${hint ? `; did you mean "${hint}"?` : ""}`);
  }
  const name = first as CommandName;

  let parsed: { values: Record<string, string | boolean | undefined>; positionals: string[] };
  try {
    const options = Object.fromEntries(
      Object.entries(commands[name].flags as Record<string, Flag>).map(([flag, { type, short }]) => [
        flag,
        short ? { type, short } : { type },
      ]),
    ) as ParseArgsConfig["options"];
    parsed = parseArgs({ args: [...rest], options, allowPositionals: true, strict: true });
  } catch (error) {
    // node:util names the problem in its first sentence ("Unknown option '--nope'"); the rest is advice for scripts.
    return usageError(
      io,
      (error as Error).message.split(". ")[0]!.replace(/^\w/, (c) => c.toLowerCase()),
      name,
    );
  }
  const { values, positionals } = parsed;
  if (values["help"]) {
    io.out(commandHelp(name));
    return 0;
  }

  const str = (flag: string) => values[flag] as string | undefined;
  const fromCwd = (flag: string) => (str(flag) === undefined ? undefined : resolve(io.cwd, str(flag)!));
  try {
    const loaded = await loadSettings(io.cwd, str("config"), {
      specs: fromCwd("specs"),
      out: fromCwd("out"),
      handlers: fromCwd("handlers"),
      streamHandlers: fromCwd("stream-handlers"),
      runtime: str("runtime"),
      binding: str("binding"),
    });
    if (name === "init") {
      if (positionals.length !== 1)
        return usageError(io, positionals.length === 0 ? "missing the trigger kind" : `expected one kind, got ${positionals.length}`, name);
      return await init(io, positionals[0]!, loaded, { wrangler: fromCwd("wrangler"), binding: loaded.settings.binding });
    }
    if (positionals.length > 0) return usageError(io, `unexpected argument ${JSON.stringify(positionals[0])}`, name);
    if (name === "release") return await release(io, loaded, str("undo"));
    // A watch session keeps what each run computed in a cache of its own, for the next run.
    const options = {
      ...generateOptions(loaded, values["check"] === true),
      strictEvents: values["strict-events"] === true,
      ...(values["watch"] ? { cache: new (await import("./cache.ts")).RunCache() } : {}),
    };
    const run = await runGenerate(io, options);
    return values["watch"] ? watchSpecs(io, options, run.referencedFiles) : run.ok ? 0 : 1;
  } catch (error) {
    if (error instanceof SettingsError || (await isGenerateError(error))) {
      io.err(`trigger-codegen: ${(error as Error).message}`);
      return 1;
    }
    throw error;
  }
}

function generateOptions({ root, settings }: LoadedSettings, check: boolean): GenerateOptions {
  return {
    root,
    specsDir: settings.specs,
    outDir: settings.out,
    handlersDir: settings.handlers,
    streamHandlersDir: settings.streamHandlers,
    runtimeModule: settings.runtime,
    binding: settings.binding,
    ...(settings.tests === undefined ? {} : { testsDir: settings.tests }),
    check,
  };
}

/** `1 file`, `2 files`: every count the CLI prints agrees with its number. */
const count = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** One run, printed; it says whether it succeeded and which files the specs brought in (for `--watch`). */
async function runGenerate(io: Io, options: GenerateOptions): Promise<{ ok: boolean; referencedFiles: readonly string[] }> {
  const started = performance.now();
  const [{ generate }, { formatError }] = await Promise.all([generator(), import("./read.ts")]);
  const result = await generate(options);
  const ended = (ok: boolean) => ({ ok, referencedFiles: result.referencedFiles });
  if (!result.ok) {
    for (const error of result.errors) io.err(formatError(error));
    io.err(`trigger-codegen: ${count(result.errors.length, "error")}; nothing was written`);
    return ended(false);
  }
  const ms = Math.round(performance.now() - started);
  const counted = `${count(result.triggers, "trigger or stream", "triggers and streams")} from ${count(result.specFiles, "spec file")}`;
  for (const warning of result.warnings) io.err(formatError(warning));
  for (const orphan of result.orphanHandlers)
    io.err(`${orphan}: no spec declares this trigger or stream any more; the file is left as it is`);
  if (options.check) {
    for (const { path, change } of result.changes) io.err(`${path}: out of date (would be ${change})`);
    if (result.changes.length > 0) {
      io.err(`trigger-codegen: ${count(result.changes.length, "file is", "files are")} out of date; run \`trigger-codegen generate\``);
      return ended(false);
    }
    io.out(`trigger-codegen: up to date (${counted}, ${ms} ms)`);
    return ended(true);
  }
  for (const { path, change } of result.changes) io.out(`  ${change.padEnd(7)} ${path}`);
  io.out(`trigger-codegen: ${counted}, ${count(result.changes.length, "file")} changed (${ms} ms)`);
  return ended(true);
}

/**
 * Regenerates on every change to a spec or to a file the specs bring in by `$ref` (the set each run
 * reports; a run that cannot start keeps the last one); a broken spec or file, or a vanished folder,
 * prints its errors and watching goes on.
 */
function watchSpecs(io: Io, options: GenerateOptions, referencedFiles: readonly string[]): Promise<number> {
  const specsDir = resolve(options.root, options.specsDir);
  io.out(`trigger-codegen: watching ${relative(io.cwd, specsDir) || "."}${sep}`);
  let timer: ReturnType<typeof setTimeout> | undefined;
  let running = Promise.resolve();
  const again = () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      running = running.then(() =>
        runGenerate(io, options).then(
          (run) => follow(run.referencedFiles),
          async (error: Error) => io.err(`trigger-codegen: ${(await isGenerateError(error)) ? error.message : error.stack}`),
        ),
      );
    }, 30);
  };
  watchFolder(specsDir, again);
  const follow = watchFiles(again);
  follow(referencedFiles);
  return new Promise(() => {});
}

/**
 * Releases the record's drafts, or with `undo` makes one kind's last version a
 * draft again. Only the record changes: generated code names a version's
 * number, which a release keeps.
 */
async function release(io: Io, { root, settings }: LoadedSettings, undo: string | undefined): Promise<number> {
  const { RECORD_FILE, parseRecord, releaseRecord, renderRecord, unreleaseRecord } = await import("./versions.ts");
  const path = resolve(root, settings.out, RECORD_FILE);
  const text = await readFile(path, "utf8").catch(() => null);
  const record = parseRecord(text);
  if (typeof record === "string") {
    io.err(`trigger-codegen release: ${posixRelative(io.cwd, path)}: ${record}; restore it from version control`);
    return 1;
  }
  if (undo !== undefined) {
    const undone = unreleaseRecord(record, undo);
    if (typeof undone === "string") {
      const hint = suggest(undo, Object.keys(record.intents));
      io.err(`trigger-codegen release: ${undone}${hint && !Object.hasOwn(record.intents, undo) ? `; did you mean "${hint}"?` : ""}`);
      return 1;
    }
    await writeFile(path, renderRecord(undone.record));
    io.out(`trigger-codegen: ${undo} v${undone.unreleased.version} is a draft again; the next generate may rewrite it`);
    return 0;
  }
  const { record: released, released: versions } = releaseRecord(record);
  if (versions.length === 0) {
    io.out(`trigger-codegen: nothing to release${text === null ? ` (no ${posixRelative(io.cwd, path)} yet)` : " (no draft versions)"}`);
    return 0;
  }
  await writeFile(path, renderRecord(released));
  io.out(
    `trigger-codegen: released ${versions.map(({ kind, version }) => `${kind} v${version}`).join(", ")}; commit ${posixRelative(io.cwd, path)}`,
  );
  return 0;
}

/** A first spec: one cooperative trigger with a done and a cancelled fact, ready to fill in. */
function starterSpec(kind: string, schemaPath: string): string {
  return [
    `# yaml-language-server: $schema=${schemaPath}`,
    "triggers:",
    `  - kind: ${kind}`,
    `    intentEventKind: ${kind}.requested`,
    "    cancellation: cooperative",
    "    intent:",
    "      type: object",
    "      required: [id]",
    "      properties:",
    "        id: { type: string, minLength: 1 }",
    "    outcome:",
    "      type: object",
    "      required: [id]",
    "      properties:",
    "        id: { type: string }",
    "    events:",
    `      ${kind}.done: { payload: outcome }`,
    `      ${kind}.cancelled:`,
    "        payload:",
    "          type: object",
    "          required: [id, reason]",
    "          properties:",
    "            id: { type: string }",
    '            reason: { type: [string, "null"] }',
    "",
  ].join("\n");
}

const exists = (path: string) =>
  access(path).then(
    () => true,
    () => false,
  );
const posixRelative = (from: string, to: string) => relative(from, to).split(sep).join("/");
/** `../generated/agent-do`, `./generated/agent-do`: a relative import from `fromDir`. */
const relativeSpecifier = (fromDir: string, to: string) => {
  const path = posixRelative(fromDir, to);
  return path.startsWith("../") ? path : `./${path}`;
};

async function init(
  io: Io,
  kind: string,
  loaded: LoadedSettings,
  options: { wrangler: string | undefined; binding: string },
): Promise<number> {
  if (!KIND_PATTERN.test(kind)) {
    io.err(`trigger-codegen init: ${JSON.stringify(kind)} is not a kind; use words of letters and digits joined by ".", "_", ":" or "-"`);
    return 1;
  }
  const { root, settings } = loaded;
  const at = (path: string) => resolve(root, path);
  const shown = (path: string) => posixRelative(io.cwd, path);
  const specPath = join(at(settings.specs), `${kind}.yaml`);
  if (await exists(specPath)) {
    io.err(`trigger-codegen init: ${shown(specPath)} already exists`);
    return 1;
  }

  // Everything that can refuse does so before anything is written.
  const wranglerPath = options.wrangler ?? (await firstExisting(WRANGLER_FILES.map(at)));
  if (wranglerPath === undefined) {
    io.err(
      `trigger-codegen init: no wrangler config (${WRANGLER_FILES.join(", ")}) in ${shown(root) || "."}; pass --wrangler <file>. Nothing was written`,
    );
    return 1;
  }
  const wranglerText = await readFile(wranglerPath, "utf8").catch(() => undefined);
  if (wranglerText === undefined) {
    io.err(`trigger-codegen init: cannot read ${shown(wranglerPath)}. Nothing was written`);
    return 1;
  }
  const edited = await addAgentToWranglerConfig(wranglerPath, wranglerText, { binding: options.binding, className: "AgentDO" });
  if (!edited.ok) {
    const at = edited.at ? `:${edited.at.line}:${edited.at.col}` : "";
    io.err(`trigger-codegen init: ${shown(wranglerPath)}${at}: ${edited.error}`);
    return 1;
  }
  const packagePath = at("package.json");
  const packageText = await readFile(packagePath, "utf8").catch(() => undefined);
  const deploy = packageText === undefined ? undefined : await addDeployScript(packageText);
  if (deploy?.ok === false) {
    io.err(`trigger-codegen init: ${shown(packagePath)}: ${deploy.error}`);
    return 1;
  }

  await mkdir(dirname(specPath), { recursive: true });
  await writeFile(specPath, starterSpec(kind, `${posixRelative(dirname(specPath), at(settings.out))}/trigger-spec.schema.json`));
  io.out(`  created ${shown(specPath)}`);
  const generated = await runGenerate(io, generateOptions(loaded, false)).then(
    (run) => run.ok,
    async (error: Error) => {
      if (!(await isGenerateError(error))) throw error;
      io.err(`trigger-codegen: ${error.message}`);
      return false;
    },
  );
  if (!generated) {
    await rm(specPath);
    io.err(`trigger-codegen init: removed ${shown(specPath)} again; fix the errors above and run init once more`);
    return 1;
  }

  if (loaded.file === undefined) {
    const path = at(CONFIG_FILE);
    await writeFile(path, settingsFile(root, settings));
    io.out(`  created ${shown(path)}`);
  }
  if (edited.text !== wranglerText) {
    await writeFile(wranglerPath, edited.text);
    io.out(`  updated ${shown(wranglerPath)}: ${edited.added.join("; ")}`);
  }
  if (deploy?.says !== undefined) {
    await writeFile(packagePath, deploy.text);
    io.out(`  updated ${shown(packagePath)}: ${deploy.says}`);
  }
  // The import as the Worker's main module writes it, when the config names that module.
  const agentModule = join(at(settings.out), "agent-do");
  const mainModule = edited.main === undefined ? undefined : resolve(dirname(wranglerPath), edited.main);
  const specifier =
    mainModule === undefined ? `<path to>/${posixRelative(root, agentModule)}` : relativeSpecifier(dirname(mainModule), agentModule);
  const where = mainModule === undefined ? "your Worker's main module" : shown(mainModule);
  io.out(
    [
      "",
      `trigger-codegen: added ${kind}. Next:`,
      `  1. Export the Durable Object from ${where}: export { AgentDO } from "${specifier}";`,
      `     and type its binding: ${options.binding}: DurableObjectNamespace<import("${specifier}").AgentDO> (or run \`wrangler types\`).`,
      `  2. Write acquire and the commit callbacks in ${shown(join(at(settings.handlers), `${kind}.ts`))}.`,
      `  3. Enqueue: await env.${options.binding}.getByName("some-scope").enqueueTrigger({ triggerKind: "${kind}", payload: { id: "1" } });`,
      deploy === undefined
        ? `  4. Deploy with \`${RELEASE} && wrangler deploy\`: until released, a trigger's intent schema is a draft you may change freely.`
        : `  4. Deploy with \`npm run deploy\` (it runs ${RELEASE} first): until released, a trigger's intent schema is a draft you may change freely.`,
    ].join("\n"),
  );
  return 0;
}

async function firstExisting(paths: readonly string[]): Promise<string | undefined> {
  for (const path of paths) if (await exists(path)) return path;
  return undefined;
}

/** The settings init used, written out so that `trigger-codegen generate` needs no flags afterwards. */
function settingsFile(root: string, settings: Settings): string {
  const inProject = (path: string) => posixRelative(root, resolve(root, path)) || ".";
  return `${JSON.stringify(
    {
      $schema: "./node_modules/durable-triggers/schemas/trigger-codegen.schema.json",
      specs: inProject(settings.specs),
      out: inProject(settings.out),
      handlers: inProject(settings.handlers),
      streamHandlers: inProject(settings.streamHandlers),
      // Only a binding init was told to name: the default needs no line.
      ...(settings.binding === DEFAULT_SETTINGS.binding ? {} : { binding: settings.binding }),
      runtime: settings.runtime,
    },
    null,
    2,
  )}\n`;
}
