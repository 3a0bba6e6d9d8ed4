import { posix } from "node:path";
import type { CheckedSpec } from "./check.ts";
import { camelCase, pascalCase } from "./names.ts";
import type { SchemaOrRef } from "./spec-format.ts";
import { toIR, type ZodIR } from "./zod-ir.ts";

/** A schema the generated module declares: a zod constant and its printed type. */
export interface SchemaModel {
  readonly constName: string;
  readonly typeName: string;
  readonly ir: ZodIR;
  readonly description: string | undefined;
}

export interface EventModel extends SchemaModel {
  readonly kind: string;
}

export interface TriggerModel {
  readonly kind: string;
  readonly intentEventKind: string;
  readonly cancellation: "cooperative" | "ignored";
  readonly description: string | undefined;
  /** `TutorialCancelable`, `tutorialCancelable`. */
  readonly typeName: string;
  readonly valueName: string;
  readonly options: { acquireDeadlineMs?: number; concurrency?: number; retry?: Record<string, number> };
  /** The spec's `dropIntentsBefore`, for the version check. */
  readonly dropIntentsBefore: number | undefined;
  readonly intent: SchemaModel;
  readonly outcome: SchemaModel;
  readonly progress: SchemaModel | undefined;
  readonly events: readonly EventModel[];
  /** How this trigger's schemas name each other: `outcome` → its outcome's constant and type. */
  readonly refs: ReadonlyMap<string, SchemaModel>;
}

export interface StreamModel {
  readonly kind: string;
  readonly cancellation: "cooperative" | "ignored";
  readonly onDetach: "abort" | "continue";
  readonly description: string | undefined;
  /** `TextGenerateStream`, `textGenerateStream`. */
  readonly typeName: string;
  readonly valueName: string;
  readonly start: SchemaModel;
  readonly progress: SchemaModel | undefined;
  readonly output: SchemaModel | undefined;
  readonly result: SchemaModel;
  readonly events: readonly EventModel[];
  readonly refs: ReadonlyMap<string, SchemaModel>;
}

export interface ModuleModel {
  /** The spec file, relative to the project, with forward slashes. */
  readonly specFile: string;
  /** Its text, which the module's output depends on alone. */
  readonly source: string;
  readonly moduleName: string;
  readonly schemas: readonly SchemaModel[];
  /** How the shared schemas name each other: by their names under `schemas`. */
  readonly refs: ReadonlyMap<string, SchemaModel>;
  readonly triggers: readonly TriggerModel[];
  readonly streams: readonly StreamModel[];
}

const describe = (schema: SchemaOrRef | undefined) => (typeof schema === "object" ? schema.description : undefined);

function schemaModel(valueBase: string, typeName: string, schema: SchemaOrRef, description = describe(schema)): SchemaModel {
  return { constName: `${valueBase}Schema`, typeName, ir: toIR(schema), description };
}

/** Stage 3: checked specs → the intermediate form emission reads; every name is derived here, once. */
export function buildModel(specs: readonly CheckedSpec[]): ModuleModel[] {
  return [...specs]
    .sort((a, b) => a.file.localeCompare(b.file))
    .map(({ file, source, spec }) => {
      const shared = Object.entries(spec.schemas ?? {}).map(([name, schema]) => schemaModel(camelCase(name), pascalCase(name), schema));
      const sharedByName = new Map(Object.keys(spec.schemas ?? {}).map((name, i) => [name, shared[i]!]));
      const eventsOf = (events: Record<string, { payload: SchemaOrRef; description?: string | undefined }>) =>
        Object.entries(events)
          .sort(([a], [b]) => a.localeCompare(b))
          .map(([kind, event]): EventModel => ({
            kind,
            ...schemaModel(`${camelCase(kind)}Payload`, `${pascalCase(kind)}Payload`, event.payload, event.description ?? describe(event.payload)),
          }));
      const streams = (spec.streams ?? []).map((stream): StreamModel => {
        const typeName = `${pascalCase(stream.kind)}Stream`;
        const valueName = `${camelCase(stream.kind)}Stream`;
        const part = (name: string, schema: SchemaOrRef | undefined) =>
          schema === undefined ? undefined : schemaModel(`${valueName}${pascalCase(name)}`, `${typeName}${pascalCase(name)}`, schema);
        const start = part("start", stream.start)!;
        const progress = part("progress", stream.progress);
        const output = part("output", stream.output);
        const result = part("result", stream.result)!;
        const refs = new Map<string, SchemaModel>([...sharedByName, ["start", start], ["result", result]]);
        if (progress) refs.set("progress", progress);
        if (output) refs.set("output", output);
        return { kind: stream.kind, cancellation: stream.cancellation, onDetach: stream.onDetach, description: stream.description, typeName, valueName, start, progress, output, result, events: eventsOf(stream.events), refs };
      });
      const triggers = (spec.triggers ?? []).map((trigger): TriggerModel => {
        const typeName = pascalCase(trigger.kind);
        const valueName = camelCase(trigger.kind);
        const intent = schemaModel(`${valueName}Intent`, `${typeName}Intent`, trigger.intent);
        const outcome = schemaModel(`${valueName}Outcome`, `${typeName}Outcome`, trigger.outcome);
        const progress = trigger.progress === undefined ? undefined : schemaModel(`${valueName}Progress`, `${typeName}Progress`, trigger.progress);
        const events = eventsOf(trigger.events);
        const refs = new Map<string, SchemaModel>([...sharedByName, ["intent", intent], ["outcome", outcome]]);
        if (progress) refs.set("progress", progress);
        const options = {
          ...(trigger.acquireDeadlineMs === undefined ? {} : { acquireDeadlineMs: trigger.acquireDeadlineMs }),
          ...(trigger.retry === undefined ? {} : { retry: trigger.retry as Record<string, number> }),
          ...(trigger.concurrency === undefined ? {} : { concurrency: trigger.concurrency }),
        };
        return { kind: trigger.kind, intentEventKind: trigger.intentEventKind, cancellation: trigger.cancellation, description: trigger.description, typeName, valueName, options, dropIntentsBefore: trigger.dropIntentsBefore, intent, outcome, progress, events, refs };
      });
      return { specFile: file, source, streams, moduleName: posix.basename(file).replace(/\.ya?ml$/, "").replace(/[^A-Za-z0-9._-]/g, "-"), schemas: shared, refs: sharedByName, triggers };
    });
}
