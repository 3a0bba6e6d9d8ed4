import { watch } from "node:fs";
import { access, mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { DEFAULTS, generate, type GenerateOptions } from "./generate.ts";
import { KIND_PATTERN } from "./names.ts";
import { formatError } from "./read.ts";

const USAGE = `Usage:
  trigger-codegen generate [--specs ${DEFAULTS.specsDir}] [--out ${DEFAULTS.outDir}] [--handlers ${DEFAULTS.handlersDir}]
                           [--stream-handlers ${DEFAULTS.streamHandlersDir}] [--check] [--watch]
  trigger-codegen init <kind> [--specs ${DEFAULTS.specsDir}]`;

const posixPath = (path: string) => path.replace(/\\/g, "/").replace(/\/+$/, "");

async function run(options: GenerateOptions): Promise<boolean> {
  const started = performance.now();
  const result = await generate(options);
  if (!result.ok) {
    for (const error of result.errors) console.error(formatError(error));
    console.error(`trigger-codegen: ${result.errors.length} error${result.errors.length === 1 ? "" : "s"}; nothing was written`);
    return false;
  }
  const ms = Math.round(performance.now() - started);
  for (const orphan of result.orphanHandlers) console.warn(`${orphan}: no spec declares this trigger any more; the file is left as it is`);
  if (options.check) {
    for (const { path, change } of result.changes) console.error(`${path}: out of date (would be ${change})`);
    if (result.changes.length > 0) {
      console.error(`trigger-codegen: ${result.changes.length} file${result.changes.length === 1 ? " is" : "s are"} out of date; run \`npm run codegen\``);
      return false;
    }
    console.log(`trigger-codegen: up to date (${result.triggers} triggers and streams from ${result.specFiles} spec files, ${ms} ms)`);
    return true;
  }
  for (const { path, change } of result.changes) console.log(`  ${change.padEnd(7)} ${path}`);
  console.log(`trigger-codegen: ${result.triggers} triggers and streams from ${result.specFiles} spec files, ${result.changes.length} files changed (${ms} ms)`);
  return true;
}

async function init(kind: string, specsDir: string): Promise<boolean> {
  if (!KIND_PATTERN.test(kind)) {
    console.error(`trigger-codegen init: "${kind}" is not a kind; use words of letters and digits joined by ".", "_", ":" or "-"`);
    return false;
  }
  const path = join(specsDir, `${kind}.yaml`);
  if (await access(path).then(() => true, () => false)) {
    console.error(`trigger-codegen init: ${path} already exists`);
    return false;
  }
  await mkdir(specsDir, { recursive: true });
  await writeFile(
    path,
    [
      "# yaml-language-server: $schema=../generated/trigger-spec.schema.json",
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
    ].join("\n"),
  );
  console.log(`trigger-codegen: wrote ${path}; run \`trigger-codegen generate\` for its types and handler stub`);
  return true;
}

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      specs: { type: "string", default: DEFAULTS.specsDir },
      out: { type: "string", default: DEFAULTS.outDir },
      handlers: { type: "string", default: DEFAULTS.handlersDir },
      "stream-handlers": { type: "string", default: DEFAULTS.streamHandlersDir },
      runtime: { type: "string", default: DEFAULTS.runtimeDir },
      check: { type: "boolean", default: false },
      watch: { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  const [command, ...rest] = positionals;
  if (values.help || command === undefined) {
    console.log(USAGE);
    return command === undefined && !values.help ? 2 : 0;
  }
  if (command === "init") return rest.length === 1 && (await init(rest[0]!, values.specs)) ? 0 : 1;
  if (command !== "generate") {
    console.error(`trigger-codegen: unknown command "${command}"\n${USAGE}`);
    return 2;
  }
  const options: GenerateOptions = {
    root: process.cwd(),
    specsDir: posixPath(values.specs),
    outDir: posixPath(values.out),
    handlersDir: posixPath(values.handlers),
    streamHandlersDir: posixPath(values["stream-handlers"]),
    runtimeDir: posixPath(values.runtime),
    check: values.check,
  };
  const ok = await run(options);
  if (!values.watch) return ok ? 0 : 1;

  // Watch: every change regenerates; a broken spec prints its errors and the watcher carries on.
  console.log(`trigger-codegen: watching ${options.specsDir}/`);
  let timer: ReturnType<typeof setTimeout> | undefined;
  let running = Promise.resolve();
  watch(options.specsDir, () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      running = running.then(() => run(options).then(() => undefined, (error) => console.error(error)));
    }, 30);
  });
  return new Promise(() => {});
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
