import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { join, posix, relative, resolve, sep } from "node:path";
import { processCache, type Memo, type RunCache } from "./cache.ts";
import { checkSpecs } from "./check.ts";
import type { CheckedSpec } from "./checked-spec.ts";
import type { JsonSchema } from "./compat.ts";
import { emit, jsonSchemaOf } from "./emit.ts";
import { buildModel, handlerFiles, type ModuleModel, type SchemaModel } from "./model.ts";
import { readSpec, type SpecDocument, type SpecError } from "./read.ts";
import { readReferencedFiles } from "./ref-files.ts";
import type { PayloadSchema, SchemaOrRef } from "./spec-format.ts";
import { planHandlers } from "./stubs.ts";
import { planTriggerTests } from "./trigger-tests.ts";
import {
  hashOf,
  parseRecord,
  planVersions,
  RECORD_FILE,
  renderRecord,
  type EventSchemas,
  type EventWarning,
  type IntentSchemas,
  type Refused,
} from "./versions.ts";
import { apply, diff, listFiles, type Change } from "./write.ts";

export interface GenerateOptions {
  /** The project root: relative folders below are resolved from it, and reported relative to it. */
  readonly root: string;
  /** Folders, absolute or relative to `root`. */
  readonly specsDir: string;
  readonly outDir: string;
  readonly handlersDir: string;
  readonly streamHandlersDir: string;
  /** Opt-in: where the per-trigger property tests go (written once), which also adds `arbitraries.ts` to `outDir`. */
  readonly testsDir?: string;
  /** The Durable Object binding the per-trigger tests reach (`env.AGENT`). */
  readonly binding?: string;
  /** The module specifier generated code imports the runtime from (`durable-triggers`). */
  readonly runtimeModule: string;
  /** Compute everything, write nothing. */
  readonly check: boolean;
  /**
   * What earlier runs computed, for `--watch`: the one place between runs
   * that anything is remembered (by default, one cache for the process).
   */
  readonly cache?: RunCache;
  /** A breaking change to an event payload is an error, not a warning. */
  readonly strictEvents?: boolean;
}

/** A run that cannot start (no specs to read); the CLI prints the message as one line. */
export class GenerateError extends Error {
  override readonly name = "GenerateError";
}

/**
 * What every run tells, whether it wrote or not: the absolute paths of the files the specs' references
 * brought in (`$ref: ./common.yaml#/…`), sorted, for `--watch` to watch beside the specs. Those that
 * could not be read are among them, so that making one (or fixing a broken one) runs again; a path
 * that leaves the project root is not, since it is never read. A spec that does not parse brings
 * nothing in until it does (its own edit runs again).
 */
interface Run {
  readonly referencedFiles: readonly string[];
}

export type GenerateResult =
  | (Run & { readonly ok: false; readonly errors: readonly SpecError[] })
  | (Run & {
      readonly ok: true;
      readonly changes: readonly Change[];
      readonly triggers: number;
      readonly specFiles: number;
      /** Handler files whose trigger no spec declares any more; left alone. */
      readonly orphanHandlers: readonly string[];
      /**
       * Accepted all the same: keys of a schema that are no keyword and formats the generator does not
       * know (ignored, as JSON Schema does), and event payloads changed so that facts already in a
       * ledger would no longer parse (recorded).
       */
      readonly warnings: readonly SpecError[];
    });

/**
 * What the version check compares: each trigger's intent and each declared
 * event's payload as stored (the schema's output) and as accepted (its
 * input), with their hash. They depend on the module's spec text alone, so
 * `--watch` computes them once per text.
 */
/**
 * Each JSON Schema pair's hash, by the accepted one: jsonSchemaOf hands out the same objects for the
 * same schema (an outcome and the events whose payload it is), and hashing canonicalizes it whole.
 */
const hashes = new WeakMap<object, string>();
function hashOnce(stored: JsonSchema, accepted: JsonSchema): string {
  if (typeof accepted !== "object" || accepted === null) return hashOf(stored, accepted);
  let hash = hashes.get(accepted);
  if (hash === undefined) hashes.set(accepted, (hash = hashOf(stored, accepted)));
  return hash;
}

function versionedSchemas(modules: readonly ModuleModel[], memo: Memo): { intents: IntentSchemas[]; events: EventSchemas[] } {
  const all = modules.map((module) =>
    memo("versioned-schemas", [module.specFile, module.source], () => {
      const both = (schema: SchemaModel, refs: ReadonlyMap<string, SchemaModel>) => {
        const resolve = (ref: string) => refs.get(ref)!;
        const stored = jsonSchemaOf(schema, resolve, "output") as JsonSchema;
        const accepted = jsonSchemaOf(schema, resolve, "input") as JsonSchema;
        return { stored, accepted, hash: hashOnce(stored, accepted) };
      };
      const intents = module.triggers.map((trigger) => ({
        kind: trigger.kind,
        ...both(trigger.intent, trigger.refs),
        dropIntentsBefore: trigger.dropIntentsBefore,
        upgradeIntentsTo: trigger.upgradeIntentsTo,
      }));
      const owners = [...module.triggers, ...module.streams];
      const events = [
        ...owners.flatMap((owner) => owner.events.map((event) => ({ kind: event.kind, owner: owner.kind, ...both(event, owner.refs) }))),
        // Declared events (facts from outside) are recorded too; owner "" says no trigger or stream declares them.
        ...module.events.map((event) => ({ kind: event.kind, owner: "", ...both(event.payload, module.refs) })),
      ];
      return { intents, events };
    }),
  );
  return { intents: all.flatMap((m) => m.intents), events: all.flatMap((m) => m.events) };
}

/** One error per way a refused change breaks stored intents, at the spec node that changed. */
function versionErrors({ kind, version, breaks, conflict }: Refused, specs: readonly CheckedSpec[], handlersDir: string): SpecError[] {
  for (const { file, spec, locate } of specs) {
    const index = (spec.triggers ?? []).findIndex((trigger) => trigger.kind === kind);
    if (index === -1) continue;
    if (conflict) {
      return [
        {
          file,
          ...locate(["triggers", index, "upgradeIntentsTo"]),
          message: `"${kind}" declares both dropIntentsBefore and upgradeIntentsTo for version ${version}: stored intents are either dropped or upgraded; keep one`,
        },
      ];
    }
    const intent = spec.triggers![index]!.intent;
    const handlerFile = posix.join(handlersDir, `${kind}.ts`);
    return breaks.map((change) => ({
      file,
      ...locate(["triggers", index, "intent", ...specPathOf(intent, change.segments, change.keyword)]),
      message:
        `the intent of "${kind}" cannot become version ${version}: ${change.path}: ${change.rule} (${change.keyword}); ` +
        `a stored intent such as ${shortJson(change.example)} would no longer parse. ` +
        `Keep stored intents valid (a default for a new field, a bound no tighter), declare upgradeIntentsTo: ${version} ` +
        `and write upgradeToV${version} in ${handlerFile} to upgrade older ones, or declare dropIntentsBefore: ${version} to drop them. ` +
        `Never deployed version ${version - 1}? \`npx trigger-codegen release --undo ${kind}\` makes it a draft again, which any edit may rewrite`,
    }));
  }
  return [];
}

const shortJson = (value: unknown) => {
  const text = JSON.stringify(value);
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
};

/** One warning per way a changed event payload refuses facts already written, at the spec node that changed. */
function eventWarnings({ kind, owner, breaks }: EventWarning, specs: readonly CheckedSpec[]): SpecError[] {
  const warning = (change: EventWarning["breaks"][number]) =>
    `warning: the payload of "${kind}" changed so that facts already written would no longer parse: ${change.path}: ${change.rule} (${change.keyword}); ` +
    `such as ${shortJson(change.example)}. Readers of the ledger meet both shapes`;
  for (const { file, spec, locate } of specs) {
    const declared = owner === "" ? spec.events?.[kind] : undefined;
    if (declared !== undefined) {
      return breaks.map((change) => ({
        file,
        ...locate(["events", kind, "payload", ...specPathOf(declared.payload, change.segments, change.keyword)]),
        message: warning(change),
      }));
    }
    for (const section of ["triggers", "streams"] as const) {
      const index = (spec[section] ?? []).findIndex((declared) => declared.kind === owner);
      const event = spec[section]?.[index]?.events[kind];
      if (event === undefined) continue;
      return breaks.map((change) => ({
        file,
        ...locate([section, index, "events", kind, "payload", ...specPathOf(event.payload, change.segments, change.keyword)]),
        message: warning(change),
      }));
    }
  }
  return [];
}

/** Where a payload path leads in a spec schema, as far as inline schemas go, ending at `keyword` when the node has it. */
function specPathOf(schema: SchemaOrRef, segments: readonly (string | number)[], keyword: string): PropertyKey[] {
  const path: PropertyKey[] = [];
  let node: SchemaOrRef | undefined = schema;
  for (const segment of segments) {
    if (typeof node !== "object") break;
    const items: PayloadSchema["items"] = node.items;
    const next: SchemaOrRef | undefined =
      segment === "*" ? (typeof items === "object" && !Array.isArray(items) ? items : undefined) : node.properties?.[String(segment)];
    if (next === undefined) break;
    path.push(...(segment === "*" ? ["items"] : ["properties", segment]));
    node = next;
  }
  if (typeof node === "object" && keyword in node) path.push(keyword);
  return path;
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
    ...(options.testsDir === undefined ? {} : { testsDir: inProject(options.testsDir) }),
  };
}

/** Whether a spec's text may reference another file (`$ref: ./common.yaml#/…`): only then is it looked through for them. */
const REFERS_TO_FILE = /\.(json|ya?ml)\b/i;

/** The pipeline: read → check → model → emit → write. Nothing is written unless every spec is sound. */
export async function generate(given: GenerateOptions): Promise<GenerateResult> {
  const options = withProjectPaths(given);
  const { root } = options;
  const cache = options.cache ?? processCache;
  cache.nextRun();
  const { memo } = cache;
  const specPaths = await listFiles(root, options.specsDir, [".yaml", ".yml"]);
  // Zero specs would generate an empty registration and delete every generated module: never what was meant.
  if (specPaths.length === 0) throw new GenerateError(`no spec files (*.yaml, *.yml) in ${options.specsDir}/`);
  const documents: SpecDocument[] = [];
  const errors: SpecError[] = [];
  for (const path of specPaths) {
    const text = await readFile(join(root, path), "utf8");
    const read = memo("read", [path, text], () => readSpec(path, text));
    // Files its references bring in are read here, so the check stays a function of texts (and its memo sees them).
    if (read.ok)
      documents.push(
        REFERS_TO_FILE.test(text) ? { ...read.spec, referenced: await readReferencedFiles(root, path, read.spec.doc.toJS()) } : read.spec,
      );
    else errors.push(...read.errors);
  }
  const referencedFiles = [...new Set(documents.flatMap((document) => Object.keys(document.referenced ?? {})))]
    .sort()
    .map((path) => join(root, path));
  const checked = checkSpecs(documents, memo);
  errors.push(...checked.errors);
  if (errors.length > 0) return { ok: false, errors, referencedFiles };

  const modules = buildModel(checked.specs, memo);
  const recordPath = posix.join(options.outDir, RECORD_FILE);
  const recordText = await readFile(join(root, recordPath), "utf8").catch(() => null);
  // Keyed by a digest: the record holds every schema ever recorded, too large to be its own key.
  const previous = memo("record", [recordText === null ? null : createHash("sha256").update(recordText).digest("hex")], () =>
    parseRecord(recordText),
  );
  if (typeof previous === "string") throw new GenerateError(`${recordPath}: ${previous}; restore it from version control`);
  const schemas = versionedSchemas(modules, memo);
  const versions = planVersions(previous, schemas.intents, schemas.events);
  if (versions.refused.length > 0)
    return {
      ok: false,
      errors: versions.refused.flatMap((refused) => versionErrors(refused, checked.specs, options.handlersDir)),
      referencedFiles,
    };
  const changedEvents = versions.eventWarnings.flatMap((warning) => eventWarnings(warning, checked.specs));
  if (options.strictEvents && changedEvents.length > 0)
    return { ok: false, errors: changedEvents.map((w) => ({ ...w, message: w.message.replace(/^warning: /, "") })), referencedFiles };
  // What the check accepted with a warning (a key that is no keyword, an unknown format), then changed event payloads.
  const warnings = [...checked.warnings, ...changedEvents];
  const files = emit(
    modules,
    {
      ...options,
      intentVersions: versions.current,
      intentsDroppedBefore: versions.droppedBefore,
      intentUpgrades: versions.upgrades,
    },
    memo,
  );
  files.set(recordPath, renderRecord(versions.record));
  const handlersOnDisk = [
    ...(await listFiles(root, options.handlersDir, [".ts"])),
    ...(await listFiles(root, options.streamHandlersDir, [".ts"])),
  ];
  const existing = new Map(await Promise.all(handlersOnDisk.map(async (p) => [p, await readFile(join(root, p), "utf8")] as const)));
  for (const plan of planHandlers(modules, existing, options, memo, versions.upgrades))
    if (plan.text !== null) files.set(plan.path, plan.text);
  if (options.testsDir !== undefined) {
    const testsOnDisk = new Set(await listFiles(root, options.testsDir, [".ts"]));
    for (const test of planTriggerTests(modules, { ...options, testsDir: options.testsDir }))
      if (!testsOnDisk.has(test.path)) files.set(test.path, test.text);
  }

  const owned = await listFiles(root, options.outDir, [".ts", ".json"]);
  const changes = await diff(root, files, owned);
  if (!options.check) await apply(root, files, changes);
  const declared = new Set(handlerFiles(modules, options).map((handler) => handler.path));
  return {
    ok: true,
    changes,
    triggers: modules.reduce((n, m) => n + m.triggers.length + m.streams.length, 0),
    specFiles: specPaths.length,
    orphanHandlers: handlersOnDisk.filter((p) => !declared.has(p)),
    warnings,
    referencedFiles,
  };
}
