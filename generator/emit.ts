import { posix } from "node:path";
import { noMemo, type Memo } from "./cache.ts";
import { agentDoFile, registrationOf } from "./emit/agent-do.ts";
import { arbitrariesFile } from "./emit/arbitraries.ts";
import { followUpsFile } from "./emit/follow-ups.ts";
import { indexFile } from "./emit/index-file.ts";
import { parseFile } from "./emit/parse.ts";
import { specModuleFile, usesRefineWithIn } from "./emit/spec-module.ts";
import { handlerFiles, type ModuleModel } from "./model.ts";
import { specJsonSchema } from "./spec-format.ts";
import type { UpgradeStep } from "./versions.ts";

export { printJson } from "./emit/print.ts";
export { jsonSchemaOf, printedType } from "./emit/schema.ts";

export interface EmitOptions {
  /** The project root, which the directories below are relative to. */
  readonly root: string;
  /** Where generated files go, relative to the project root (posix). */
  readonly outDir: string;
  /** Where the handler files are, relative to the project root (posix). */
  readonly handlersDir: string;
  /** Where the attached streams' handler files are. */
  readonly streamHandlersDir: string;
  /** The module specifier generated code imports the runtime from. */
  readonly runtimeModule: string;
  /** Opt-in (`tests` in the settings): the per-trigger tests' folder; `arbitraries.ts` is written only with it. */
  readonly testsDir?: string;
  /** Each trigger's current intent schema version, from the version record. */
  readonly intentVersions: ReadonlyMap<string, number>;
  /** For triggers whose record drops older intents: the first version kept. */
  readonly intentsDroppedBefore: ReadonlyMap<string, number>;
  /** For triggers whose stored intents cross an upgrade: the steps the handlers must supply. */
  readonly intentUpgrades?: ReadonlyMap<string, readonly UpgradeStep[]>;
}

/**
 * Stage 4: the model → generated files (path relative to the project → text). One emitter per
 * output file, in `emit/`; this only gathers what each depends on, which is what `memo` keys
 * each file by: `--watch` prints again only a file whose inputs changed.
 */
export function emit(modules: readonly ModuleModel[], options: EmitOptions, memo: Memo = noMemo): Map<string, string> {
  const once = (key: readonly unknown[], make: () => string) => memo("emit", key, make);
  const files = new Map<string, string>();
  const out = (name: string) => posix.join(options.outDir, name);
  const runtime = options.runtimeModule;
  const specFiles = modules.map((m) => m.specFile);

  for (const module of modules) {
    const versions = module.triggers.map((trigger) => ({
      current: options.intentVersions.get(trigger.kind) ?? 1,
      droppedBefore: options.intentsDroppedBefore.get(trigger.kind),
      upgrades: options.intentUpgrades?.get(trigger.kind) ?? [],
    }));
    // A module depends on its spec's text and where the runtime is, nothing else (its intent JSON Schemas come from that
    // text), and on its versioning, whose upgrades' old schemas the key names by their hashes.
    const key = versions.map(({ upgrades, ...rest }) => ({
      ...rest,
      upgrades: upgrades.map((u) => [u.to, u.from.map((v) => v.hash), u.target.hash, u.toCurrent]),
    }));
    const text = once(["module", module.specFile, module.source, runtime, key], () => specModuleFile(module, { runtime, versions }));
    files.set(out(`${module.moduleName}.ts`), text);
  }
  // Asked of every module on every run, and a walk of all its schemas: remembered by its spec's text.
  const refines = modules.some((module) => memo("refines", [module.specFile, module.source], () => usesRefineWithIn(module)));
  files.set(
    out("parse.ts"),
    once(["parse", runtime, specFiles, refines], () => parseFile(runtime, specFiles, refines)),
  );
  const moduleNames = modules.map((m) => m.moduleName);
  files.set(
    out("index.ts"),
    once(["index", moduleNames, specFiles], () => indexFile([...moduleNames, "follow-ups"], specFiles)),
  );
  const triggerNames = modules.map((m) => [m.moduleName, m.triggers.map((t) => t.typeName)]);
  files.set(
    out("follow-ups.ts"),
    once(["follow-ups", triggerNames, specFiles], () => followUpsFile(modules, specFiles)),
  );
  const registration = registrationOf(modules, handlerFiles(modules, options), options);
  files.set(
    out("agent-do.ts"),
    once(["agent-do", registration], () => agentDoFile(registration)),
  );
  files.set(out("trigger-spec.schema.json"), specJsonSchema());
  if (options.testsDir !== undefined)
    files.set(
      out("arbitraries.ts"),
      once(["arbitraries", modules.map((m) => [m.specFile, m.source]), specFiles], () => arbitrariesFile(modules, specFiles)),
    );
  return files;
}
