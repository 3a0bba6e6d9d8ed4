import { readFile } from "node:fs/promises";
import { join, posix, relative, resolve, sep } from "node:path";
import { checkSpecs } from "./check.ts";
import { emit } from "./emit.ts";
import { buildModel } from "./model.ts";
import { readSpec, type ReadResult, type SpecDocument, type SpecError } from "./read.ts";
import { planHandlers } from "./stubs.ts";
import { apply, diff, listFiles, type Change } from "./write.ts";

export interface GenerateOptions {
  /** The project root: relative folders below are resolved from it, and reported relative to it. */
  readonly root: string;
  /** Folders, absolute or relative to `root`. */
  readonly specsDir: string;
  readonly outDir: string;
  readonly handlersDir: string;
  readonly streamHandlersDir: string;
  /** The module specifier generated code imports the runtime from (`durable-triggers`). */
  readonly runtimeModule: string;
  /** Compute everything, write nothing. */
  readonly check: boolean;
}

/** A run that cannot start (no specs to read); the CLI prints the message as one line. */
export class GenerateError extends Error {
  override readonly name = "GenerateError";
}

export type GenerateResult =
  | { readonly ok: false; readonly errors: readonly SpecError[] }
  | {
      readonly ok: true;
      readonly changes: readonly Change[];
      readonly triggers: number;
      readonly specFiles: number;
      /** Handler files whose trigger no spec declares any more; left alone. */
      readonly orphanHandlers: readonly string[];
    };

// `--watch` runs the pipeline again in the same process: a file whose text is unchanged is not parsed again.
const reads = new Map<string, { text: string; result: ReadResult }>();

function readOnce(path: string, text: string): ReadResult {
  const known = reads.get(path);
  if (known?.text === text) return known.result;
  const result = readSpec(path, text);
  reads.set(path, { text, result });
  return result;
}

/** Every folder as a path relative to the root with forward slashes, whether it was given absolute or relative. */
function withProjectPaths(options: GenerateOptions): GenerateOptions {
  const root = resolve(options.root);
  const inProject = (dir: string) => relative(root, resolve(root, dir)).split(sep).join("/") || ".";
  return {
    ...options,
    root,
    specsDir: inProject(options.specsDir),
    outDir: inProject(options.outDir),
    handlersDir: inProject(options.handlersDir),
    streamHandlersDir: inProject(options.streamHandlersDir),
  };
}

/** The pipeline: read → check → model → emit → write. Nothing is written unless every spec is sound. */
export async function generate(given: GenerateOptions): Promise<GenerateResult> {
  const options = withProjectPaths(given);
  const { root } = options;
  const specPaths = await listFiles(root, options.specsDir, [".yaml", ".yml"]);
  // Zero specs would generate an empty registration and delete every generated module: never what was meant.
  if (specPaths.length === 0) throw new GenerateError(`no spec files (*.yaml, *.yml) in ${options.specsDir}/`);
  const documents: SpecDocument[] = [];
  const errors: SpecError[] = [];
  for (const path of specPaths) {
    const read = readOnce(path, await readFile(join(root, path), "utf8"));
    if (read.ok) documents.push(read.spec);
    else errors.push(...read.errors);
  }
  const checked = checkSpecs(documents);
  errors.push(...checked.errors);
  if (errors.length > 0) return { ok: false, errors };

  const modules = buildModel(checked.specs);
  const files = emit(modules, options);
  const handlerFiles = [...(await listFiles(root, options.handlersDir, [".ts"])), ...(await listFiles(root, options.streamHandlersDir, [".ts"]))];
  const existing = new Map(await Promise.all(handlerFiles.map(async (p) => [p, await readFile(join(root, p), "utf8")] as const)));
  for (const plan of planHandlers(modules, existing, options)) if (plan.text !== null) files.set(plan.path, plan.text);

  const owned = await listFiles(root, options.outDir, [".ts", ".json"]);
  const changes = await diff(root, files, owned);
  if (!options.check) await apply(root, files, changes);
  const declared = new Set(
    modules.flatMap((m) => [
      ...m.triggers.map((t) => posix.join(options.handlersDir, `${t.kind}.ts`)),
      ...m.streams.map((st) => posix.join(options.streamHandlersDir, `${st.kind}.ts`)),
    ]),
  );
  return {
    ok: true,
    changes,
    triggers: modules.reduce((n, m) => n + m.triggers.length + m.streams.length, 0),
    specFiles: specPaths.length,
    orphanHandlers: handlerFiles.filter((p) => !declared.has(p)),
  };
}
