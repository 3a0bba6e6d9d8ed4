import nodePath, { posix } from "node:path";
import { noMemo, type Memo } from "./cache.ts";
import type { CheckedSpec } from "./checked-spec.ts";
import type { z } from "zod";
import { durationMs } from "./durations.ts";
import { camelCase, declaredEventNames, pascalCase } from "./names.ts";
import { subschemas, type JsonValue, type PayloadSchema, type SchemaOrRef } from "./spec-format.ts";
import { docText, irToZod, referenceOf, toIR, type IRContext, type ZodIR } from "./zod-ir.ts";

/** A schema the generated module declares: a zod constant and its printed type. */
export interface SchemaModel {
  readonly constName: string;
  readonly typeName: string;
  readonly ir: ZodIR;
  readonly description: string | undefined;
  /** Part of a recursion through named schemas: its constant is typed `z.ZodType<typeName>`, which TypeScript cannot infer. */
  readonly recursive?: boolean;
}

export interface EventModel extends SchemaModel {
  readonly kind: string;
}

/** A fact kind a spec declares on its own, for `emitEvent`: `paymentRefundedEvent` and its payload schema. */
export interface DeclaredEventModel {
  readonly kind: string;
  readonly description: string | undefined;
  readonly payload: SchemaModel;
  /** `paymentRefundedEvent`, `parsePaymentRefundedPayload`, …: see `declaredEventNames`. */
  readonly names: ReturnType<typeof declaredEventNames>;
}

/** A default schedule, as the runtime's `ScheduleTiming` plus its key and payload. */
export type ScheduleModel = { readonly key: string; readonly payload: JsonValue } & (
  | { readonly cron: string; readonly timezone?: string }
  | { readonly everyMs: number }
);

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
  /** The spec's `upgradeIntentsTo`, likewise. */
  readonly upgradeIntentsTo: number | undefined;
  readonly intent: SchemaModel;
  readonly outcome: SchemaModel;
  readonly progress: SchemaModel | undefined;
  readonly events: readonly EventModel[];
  readonly cancelOn: readonly { readonly event: string; readonly match: Readonly<Record<string, string>> }[];
  /** In milliseconds; each only when the spec names it. */
  readonly timeouts: { readonly startMs?: number; readonly finishMs?: number } | undefined;
  readonly schedules: readonly ScheduleModel[];
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
  /** Its text and the texts of the files it brings in (`CheckedSpec["source"]`), which the module's output depends on alone. */
  readonly source: string;
  readonly moduleName: string;
  readonly schemas: readonly SchemaModel[];
  /** How the shared schemas name each other: by their names under `schemas`. */
  readonly refs: ReadonlyMap<string, SchemaModel>;
  readonly triggers: readonly TriggerModel[];
  readonly streams: readonly StreamModel[];
  /** Its standalone fact kinds, by kind. */
  readonly events: readonly DeclaredEventModel[];
}

/** A schema model as a live zod schema, its references built once each (so a recursion meets itself again). */
export function liveSchema(schema: SchemaModel, resolve: (ref: string) => SchemaModel): z.ZodType {
  const built = new Map<SchemaModel, z.ZodType>();
  const live = (s: SchemaModel): z.ZodType => {
    let made = built.get(s);
    if (!made) {
      made = irToZod(s.ir, (ref) => live(resolve(ref)));
      built.set(s, made);
    }
    return made;
  };
  return live(schema);
}

const describe = (schema: SchemaOrRef | undefined) => docText(schema);

function schemaModel(
  valueBase: string,
  typeName: string,
  schema: SchemaOrRef,
  ctx: IRContext,
  description = describe(schema),
): SchemaModel {
  return { constName: `${valueBase}Schema`, typeName, ir: toIR(schema, ctx), description };
}

/** The names a schema refers to, anywhere inside it. */
export function referencesOf(schema: SchemaOrRef): string[] {
  const name = referenceOf(schema);
  if (name !== undefined) return [name];
  return subschemas(schema as PayloadSchema).flatMap(([, inner]) => referencesOf(inner));
}

/**
 * Shared schemas in the order the module declares them: each after those it names (Tarjan's
 * strongly connected components, in the spec's order where nothing forces another), and which
 * of them take part in a recursion.
 */
export function declarationOrder(schemas: Readonly<Record<string, SchemaOrRef>>): { order: string[]; recursive: Set<string> } {
  const names = Object.keys(schemas);
  const edges = new Map(names.map((name) => [name, [...new Set(referencesOf(schemas[name]!))].filter((ref) => ref in schemas)]));
  const order: string[] = [];
  const recursive = new Set<string>();
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const visit = (name: string) => {
    index.set(name, index.size);
    low.set(name, index.get(name)!);
    stack.push(name);
    for (const next of edges.get(name)!) {
      if (!index.has(next)) {
        visit(next);
        low.set(name, Math.min(low.get(name)!, low.get(next)!));
      } else if (stack.includes(next)) {
        low.set(name, Math.min(low.get(name)!, index.get(next)!));
      }
    }
    if (low.get(name) === index.get(name)) {
      const component: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        component.push(member);
      } while (member !== name);
      if (component.length > 1 || edges.get(name)!.includes(name)) for (const m of component) recursive.add(m);
      order.push(...component.sort((a, b) => names.indexOf(a) - names.indexOf(b)));
    }
  };
  for (const name of names) if (!index.has(name)) visit(name);
  return { order, recursive };
}

/** Stage 3: checked specs → the intermediate form emission reads; every name is derived here, once. */
export function buildModel(specs: readonly CheckedSpec[], memo: Memo = noMemo): ModuleModel[] {
  // A module is a function of its spec file's path and `source` (its text and the files it brings in) alone.
  return [...specs]
    .sort((a, b) => a.file.localeCompare(b.file))
    .map((spec) => memo("model", [spec.file, spec.source], () => moduleModel(spec)));
}

function moduleModel({ file, source, spec }: CheckedSpec): ModuleModel {
  const sharedSpecs: Record<string, SchemaOrRef> = spec.schemas ?? {};
  const { order, recursive } = declarationOrder(sharedSpecs);
  const position = new Map(order.map((name, i) => [name, i]));
  const sharedContext = (self: string): IRContext => ({
    resolve: (name) => sharedSpecs[name],
    deferred: (name) => (position.get(name) ?? -1) >= position.get(self)!,
    opaque: (name) => recursive.has(name),
  });
  const shared = order.map(
    (name): SchemaModel => ({
      ...schemaModel(camelCase(name), pascalCase(name), sharedSpecs[name]!, sharedContext(name)),
      ...(recursive.has(name) ? { recursive: true } : {}),
    }),
  );
  const sharedByName = new Map(order.map((name, i) => [name, shared[i]!]));
  /** A trigger's or stream's schemas see the shared ones, all declared above them, and their own by role. */
  const context = (own: Record<string, SchemaOrRef | undefined>): IRContext => ({
    resolve: (name) => own[name] ?? sharedSpecs[name],
    deferred: () => false,
    opaque: (name) => recursive.has(name),
  });
  const eventsOf = (events: Record<string, { payload: SchemaOrRef; description?: string | undefined }>, ctx: IRContext) =>
    Object.entries(events)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(
        ([kind, event]): EventModel => ({
          kind,
          ...schemaModel(
            `${camelCase(kind)}Payload`,
            `${pascalCase(kind)}Payload`,
            event.payload,
            ctx,
            event.description ?? describe(event.payload),
          ),
        }),
      );
  const streams = (spec.streams ?? []).map((stream): StreamModel => {
    const typeName = `${pascalCase(stream.kind)}Stream`;
    const valueName = `${camelCase(stream.kind)}Stream`;
    const ctx = context({ start: stream.start, result: stream.result, progress: stream.progress, output: stream.output });
    const part = (name: string, schema: SchemaOrRef | undefined) =>
      schema === undefined ? undefined : schemaModel(`${valueName}${pascalCase(name)}`, `${typeName}${pascalCase(name)}`, schema, ctx);
    const start = part("start", stream.start)!;
    const progress = part("progress", stream.progress);
    const output = part("output", stream.output);
    const result = part("result", stream.result)!;
    const refs = new Map<string, SchemaModel>([...sharedByName, ["start", start], ["result", result]]);
    if (progress) refs.set("progress", progress);
    if (output) refs.set("output", output);
    return {
      kind: stream.kind,
      cancellation: stream.cancellation,
      onDetach: stream.onDetach,
      description: stream.description,
      typeName,
      valueName,
      start,
      progress,
      output,
      result,
      events: eventsOf(stream.events, ctx),
      refs,
    };
  });
  const triggers = (spec.triggers ?? []).map((trigger): TriggerModel => {
    const typeName = pascalCase(trigger.kind);
    const valueName = camelCase(trigger.kind);
    const ctx = context({ intent: trigger.intent, outcome: trigger.outcome, progress: trigger.progress });
    const intent = schemaModel(`${valueName}Intent`, `${typeName}Intent`, trigger.intent, ctx);
    const outcome = schemaModel(`${valueName}Outcome`, `${typeName}Outcome`, trigger.outcome, ctx);
    const progress =
      trigger.progress === undefined ? undefined : schemaModel(`${valueName}Progress`, `${typeName}Progress`, trigger.progress, ctx);
    const events = eventsOf(trigger.events, ctx);
    const refs = new Map<string, SchemaModel>([...sharedByName, ["intent", intent], ["outcome", outcome]]);
    if (progress) refs.set("progress", progress);
    const options = {
      ...(trigger.acquireDeadlineMs === undefined ? {} : { acquireDeadlineMs: trigger.acquireDeadlineMs }),
      ...(trigger.retry === undefined ? {} : { retry: trigger.retry as Record<string, number> }),
      ...(trigger.concurrency === undefined ? {} : { concurrency: trigger.concurrency }),
    };
    const { start, finish } = trigger.timeouts ?? {};
    const timeouts =
      trigger.timeouts === undefined
        ? undefined
        : {
            ...(start === undefined ? {} : { startMs: durationMs(start)! }),
            ...(finish === undefined ? {} : { finishMs: durationMs(finish)! }),
          };
    const schedules = (trigger.schedules ?? []).map(
      ({ key, cron, every, timezone, payload }): ScheduleModel => ({
        key,
        ...(cron !== undefined ? { cron, ...(timezone === undefined ? {} : { timezone }) } : { everyMs: durationMs(every!)! }),
        payload,
      }),
    );
    return {
      kind: trigger.kind,
      intentEventKind: trigger.intentEventKind,
      cancellation: trigger.cancellation,
      description: trigger.description,
      typeName,
      valueName,
      options,
      dropIntentsBefore: trigger.dropIntentsBefore,
      upgradeIntentsTo: trigger.upgradeIntentsTo,
      intent,
      outcome,
      progress,
      events,
      cancelOn: trigger.cancelOn ?? [],
      timeouts,
      schedules,
      refs,
    };
  });
  const sharedOnly = context({});
  const events = Object.entries(spec.events ?? {})
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([kind, event]): DeclaredEventModel => {
      const names = declaredEventNames(kind);
      const payload = {
        ...schemaModel(`${camelCase(kind)}Payload`, names.typeName, event.payload, sharedOnly),
        description: docText(event.payload),
      };
      return { kind, description: event.description, payload, names };
    });
  return {
    specFile: file,
    source,
    streams,
    moduleName: posix
      .basename(file)
      .replace(/\.ya?ml$/, "")
      .replace(/[^A-Za-z0-9._-]/g, "-"),
    schemas: shared,
    refs: sharedByName,
    triggers,
    events,
  };
}

/** Where handler files live, relative to the project root (posix). */
export interface HandlerDirs {
  readonly handlersDir: string;
  readonly streamHandlersDir: string;
}

/** A handler file a person owns: one per trigger and per stream, its path derived here and nowhere else. */
export interface HandlerFile {
  readonly role: "trigger" | "stream";
  readonly kind: string;
  /** The trigger's or stream's value name, which the registration imports its handlers under. */
  readonly valueName: string;
  /** The type the file's `handlers` has: `TutorialCancelableHandlers`. */
  readonly handlersType: string;
  readonly specFile: string;
  /** Its folder and path, relative to the project root (posix). */
  readonly dir: string;
  readonly path: string;
}

/** Every handler file the model declares: triggers first, then streams, module by module. */
export function handlerFiles(modules: readonly ModuleModel[], dirs: HandlerDirs): HandlerFile[] {
  const file = (role: HandlerFile["role"], dir: string, unit: TriggerModel | StreamModel, specFile: string): HandlerFile => ({
    role,
    kind: unit.kind,
    valueName: unit.valueName,
    handlersType: `${unit.typeName}Handlers`,
    specFile,
    dir,
    path: posix.join(dir, `${unit.kind}.ts`),
  });
  return modules.flatMap((module) => [
    ...module.triggers.map((t) => file("trigger", dirs.handlersDir, t, module.specFile)),
    ...module.streams.map((st) => file("stream", dirs.streamHandlersDir, st, module.specFile)),
  ]);
}

/** An import specifier from directory `from` to `to`, both relative to `root`. */
export function relative(root: string, from: string, to: string): string {
  const path = nodePath.relative(nodePath.resolve(root, from), nodePath.resolve(root, to)).split(nodePath.sep).join("/");
  return path.startsWith(".") ? path : `./${path}`;
}

/** How a generated file in `fromDir` imports a handler file (without its extension, as the runtime's bundlers resolve it). */
export const handlerImport = (root: string, fromDir: string, handler: HandlerFile) =>
  `${relative(root, fromDir, handler.dir)}/${handler.kind}`;
