import { readFile } from "node:fs/promises";
import { join, posix } from "node:path";
import { checkSpecs } from "./check.ts";
import { emit } from "./emit.ts";
import { buildModel } from "./model.ts";
import { readSpec, type ReadResult, type SpecDocument, type SpecError } from "./read.ts";
import { planHandlers } from "./stubs.ts";
import { apply, diff, listFiles, type Change } from "./write.ts";

export interface GenerateOptions {
  /** The project root; every other path is relative to it, with forward slashes. */
  readonly root: string;
  readonly specsDir: string;
  readonly outDir: string;
  readonly handlersDir: string;
  readonly streamHandlersDir: string;
  readonly runtimeDir: string;
  /** Compute everything, write nothing. */
  readonly check: boolean;
}

export const DEFAULTS = { specsDir: "specs", outDir: "generated", handlersDir: "app/triggers", streamHandlersDir: "app/streams", runtimeDir: "runtime" } as const;

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

/** The pipeline: read → check → model → emit → write. Nothing is written unless every spec is sound. */
export async function generate(options: GenerateOptions): Promise<GenerateResult> {
  const { root } = options;
  const specPaths = await listFiles(root, options.specsDir, [".yaml", ".yml"]);
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
