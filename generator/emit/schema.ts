import { StructureKind, ts, VariableDeclarationKind } from "ts-morph";
import { z } from "zod";
import { randomUUID } from "node:crypto";
import { createRequire, Module } from "node:module";
import type { OptionalTypeOverrideFunction } from "zod-to-ts";
import { CarriedRef } from "../checks.ts";
import type { SchemaModel } from "../model.ts";
import type { JsonValue } from "../spec-format.ts";
import { commentSafe, irToExpression, irToZod, JSON_TYPE, literalSafe, printExpression, printsRawLines, type ZodIR } from "../zod-ir.ts";
import { LaidOut, twoSpaced } from "./laid-out.ts";
import { docs, type Statements } from "./print.ts";

// zod-to-ts through its CommonJS build: imported as ES modules, it imports TypeScript (9 MB) as one, and Node
// then compiles TypeScript once more to detect its format and lexes it for its exports, about 0.45 s of
// CPU on every run. Required, TypeScript loads as CommonJS does. zod-to-ts reads zod's metadata from
// the registry zod keeps on globalThis, so its CommonJS build sees what ours wrote.
const { createAuxiliaryTypeStore, printNode, zodToTs } = withTypeScriptOfTsMorph(
  () => createRequire(import.meta.url)("zod-to-ts") as typeof import("zod-to-ts"),
);

/**
 * Runs `load` with `require("typescript")` answered by the TypeScript ts-morph bundles (which the
 * generator loads anyway): compiling the project's own copy too, 9 MB, is about a quarter of a small
 * project's run. Only for that load: whatever requires TypeScript later gets the project's.
 */
function withTypeScriptOfTsMorph<T>(load: () => T): T {
  const require = createRequire(import.meta.url);
  const path = createRequire(require.resolve("zod-to-ts")).resolve("typescript");
  if (require.cache[path] !== undefined) return load();
  const module = new Module(path);
  module.exports = ts;
  module.loaded = true;
  require.cache[path] = module;
  try {
    return load();
  } finally {
    delete require.cache[path];
  }
}

/** How a trigger's, a stream's or a module's schemas name each other. */
export type Resolve = (ref: string) => SchemaModel;

/** A zod constant and its type alias; references print as the referenced constant and type. */
export function schemaStatements(schema: SchemaModel, resolve: Resolve): Statements {
  const expression = printExpression(irToExpression(schema.ir, (ref) => resolve(ref).constName));
  // A recursion through named schemas: TypeScript cannot infer the constant's type, so it is given.
  const annotation = schema.recursive ? `z.ZodType<${schema.typeName}>` : undefined;
  const type = printedType(schema, resolve);
  if (!printsRawLines(schema.ir)) {
    const doc = schema.description === undefined ? undefined : commentSafe(schema.description);
    return [LaidOut.constant(schema.constName, twoSpaced(expression), { doc, type: annotation }).then(LaidOut.type(schema.typeName, type))];
  }
  return [
    {
      kind: StructureKind.VariableStatement,
      isExported: true,
      declarationKind: VariableDeclarationKind.Const,
      docs: docs(schema.description),
      declarations: [{ name: schema.constName, ...(annotation ? { type: annotation } : {}), initializer: expression }],
    },
    { kind: StructureKind.TypeAlias, isExported: true, name: schema.typeName, type },
  ];
}

/** A type node as zod-to-ts builds it, with its own copy of TypeScript. */
type TypeNode = ReturnType<typeof zodToTs>["node"];

/**
 * The TypeScript type of a schema, as zod-to-ts prints it; a reference prints as the referenced
 * type's name, untyped JSON as `JsonValue` (which parse.ts declares), a tuple on one line.
 */
export function printedType(schema: SchemaModel, resolve: (ref: string) => SchemaModel, io: "input" | "output" = "output"): string {
  return computedOnce(printedTypes, schema.ir, io, () => printType(schema, resolve, io));
}

/**
 * What a schema's IR yields, per `io`, kept while the IR lives. An IR is resolved through one map
 * only (a shared schema's through the module's shared schemas, a trigger's or stream's through its
 * own roles and those), so the IR alone is key enough; the model is memoized by spec text, so
 * `--watch` keeps an unchanged spec's results too. A module prints an intent's type three times
 * and its JSON Schema is asked for by the version record and the module: each is computed once.
 */
function computedOnce<T>(
  cache: WeakMap<ZodIR, Partial<Record<"input" | "output", T>>>,
  ir: ZodIR,
  io: "input" | "output",
  make: () => T,
): T {
  let entry = cache.get(ir);
  if (entry === undefined) cache.set(ir, (entry = {}));
  return (entry[io] ??= make());
}
const printedTypes = new WeakMap<ZodIR, Partial<Record<"input" | "output", string>>>();
const jsonSchemas = new WeakMap<ZodIR, Partial<Record<"input" | "output", JsonValue>>>();

function printType(schema: SchemaModel, resolve: (ref: string) => SchemaModel, io: "input" | "output"): string {
  const overrides = new Map<z.ZodType, (t: typeof ts) => ts.TypeNode>();
  const placeholders = new Map<string, z.ZodType>();
  const json = z.unknown();
  const live = irToZod(
    schema.ir,
    (ref) => {
      let placeholder = placeholders.get(ref);
      if (!placeholder) {
        placeholder = z.unknown();
        placeholders.set(ref, placeholder);
        const target = resolve(ref);
        // A reference's input type is what zod says its constant accepts; a recursive one's
        // constant is typed by its output alone, so it stays its type.
        const byInput = io === "input" && !target.recursive;
        overrides.set(placeholder, (t) =>
          byInput
            ? t.factory.createTypeReferenceNode(t.factory.createQualifiedName(t.factory.createIdentifier("z"), "input"), [
                t.factory.createTypeQueryNode(t.factory.createIdentifier(target.constName)),
              ])
            : t.factory.createTypeReferenceNode(target.typeName),
        );
      }
      return placeholder;
    },
    () => json,
  );
  const overrideFunction: OptionalTypeOverrideFunction = (s, t, options) => {
    const def = s._zod.def;
    // `.describe()` copies the placeholder, definition and all.
    if (def === json._zod.def) return t.factory.createTypeReferenceNode(JSON_TYPE);
    // So does `.meta()`: a reference with a title beside it is still its type.
    for (const [placeholder, make] of overrides) if (def === placeholder._zod.def && s !== placeholder) return make(t as never) as never;
    // Properties and a type for the other keys: TypeScript wants each property to fit the index signature too.
    const catchall = def.type === "object" ? (def as z.core.$ZodObjectDef).catchall : undefined;
    const shape = (def as z.core.$ZodObjectDef).shape;
    if (catchall && catchall._zod.def.type !== "never" && Object.keys(shape).length > 0) {
      const named = zodToTs(z.object(shape), options).node;
      const types = new Map<string, TypeNode>();
      const add = (node: TypeNode) => {
        for (const member of t.isUnionTypeNode(node) ? node.types : [node]) types.set(printNode(member), member);
      };
      add(zodToTs(catchall, options).node);
      for (const property of Object.values(shape)) {
        // Any JSON value is all a property can be, but for its absence.
        const optional = property._zod.optout === "optional";
        if (catchall._zod.def !== json._zod.def) add(zodToTs(property, options).node);
        else if (optional) add(t.factory.createKeywordTypeNode(t.SyntaxKind.UndefinedKeyword));
      }
      const key = t.factory.createParameterDeclaration(
        undefined,
        undefined,
        "x",
        undefined,
        t.factory.createKeywordTypeNode(t.SyntaxKind.StringKeyword),
      );
      const index = t.factory.createIndexSignature(
        undefined,
        [key],
        types.size === 1 ? [...types.values()][0]! : t.factory.createUnionTypeNode([...types.values()]),
      );
      return t.factory.createTypeLiteralNode([...(t.isTypeLiteralNode(named) ? named.members : []), index]);
    }
    if (def.type === "tuple") {
      // zod-to-ts leaves out optional items' `?` and the rest; a tuple prints on one line.
      const { items, rest } = def as z.core.$ZodTupleDef;
      const members = items.map((item) => {
        const node = zodToTs(item, options).node;
        return item._zod.optout === "optional" ? t.factory.createOptionalTypeNode(t.factory.createParenthesizedType(node)) : node;
      });
      if (rest) members.push(t.factory.createRestTypeNode(t.factory.createArrayTypeNode(zodToTs(rest, options).node)));
      return t.setEmitFlags(t.factory.createTupleTypeNode(members), t.EmitFlags.SingleLine);
    }
    return undefined;
  };
  const { node } = zodToTs(live, { auxiliaryTypeStore: createAuxiliaryTypeStore(), overrides: overrides as never, overrideFunction, io });
  return literalSafe(printNode(node));
}

/**
 * The JSON Schema of a schema's input, for tools that build forms or check
 * payloads (the operator console): what zod itself says the schema accepts.
 */
export function jsonSchemaOf(schema: SchemaModel, resolve: (ref: string) => SchemaModel, io: "input" | "output" = "input"): JsonValue {
  // A bare reference (an outcome that is `$ref: invoice`) is built as the very schema it names, so it has that one's JSON Schema.
  while ("ref" in schema.ir.head && schema.ir.chain.length === 0) schema = resolve(schema.ir.head.ref);
  let entry = jsonSchemas.get(schema.ir);
  if (entry === undefined) jsonSchemas.set(schema.ir, (entry = {}));
  // Where the shortcut holds, one output pass gives both, so the record's two cost one.
  if (entry[io] === undefined) Object.assign(entry, zodJsonSchemas(schema, resolve, io));
  return entry[io]!;
}

/**
 * The JSON Schema a module exports for a payload (`<kind>IntentJsonSchema`, `<name>StartJsonSchema`,
 * `<name>PayloadJsonSchema`): its input, as `jsonSchemaOf` says, but with each named schema it reaches
 * (a spec's shared `schemas:`, a role named by `$ref`) stated once, under `definitions` by its type's
 * name, and `$ref: "#/definitions/<TypeName>"` at each use. zod inlines a named schema wherever it
 * occurs: a Stripe intent that reaches 500 of them repeats them into megabytes, all of it shipped in
 * the Worker. Each constant carries the definitions it reaches (self-contained, as Ajv takes it). The
 * payload itself stays at the root, as the console reads it, even when it is a named schema (a bare
 * reference); only a recursive one is a `$ref` at the root, as in `jsonSchemaOf`.
 *
 * Not what the version record hashes: that stays `jsonSchemaOf`'s inline form, so that records
 * already written read the same.
 */
export function exportedJsonSchemaOf(schema: SchemaModel, resolve: (ref: string) => SchemaModel): JsonValue {
  while ("ref" in schema.ir.head && schema.ir.chain.length === 0) schema = resolve(schema.ir.head.ref);
  return computedOnce(exportedJsonSchemas, schema.ir, "input", () => zodJsonSchema(schema, resolve, "input", { definitions: true }));
}
const exportedJsonSchemas = new WeakMap<ZodIR, Partial<Record<"input" | "output", JsonValue>>>();

/**
 * Each schema model's live zod schema, built once while the model lives, so that a recursion (through
 * z.lazy) meets the same schema again (zod then declares it once under `definitions`, by its type's
 * name, `ids`), and so that a module's JSON Schemas (input and output, intent and the schemas it names)
 * share one graph rather than each building it anew. A model resolves through one map only (as
 * `computedOnce` says), and zod keeps nothing of a conversion on the schemas.
 */
const built = new WeakMap<SchemaModel, z.ZodType>();
const ids = new WeakMap<z.ZodType, string>();
/** A live schema's type name, by which it is declared under `definitions` when asked (`exportedJsonSchemaOf`). */
const names = new WeakMap<z.ZodType, string>();

/** How `zodJsonSchema` runs: `shortcut: false` always runs zod's own input pass (tests compare the two); `definitions` is `exportedJsonSchemaOf`'s form. */
export interface ZodJsonSchemaOptions {
  readonly shortcut?: boolean;
  readonly definitions?: boolean;
}

/** zod's JSON Schema of a schema, uncached. */
export function zodJsonSchema(
  schema: SchemaModel,
  resolve: (ref: string) => SchemaModel,
  io: "input" | "output",
  options: ZodJsonSchemaOptions = {},
): JsonValue {
  return zodJsonSchemas(schema, resolve, io, options)[io]!;
}

/** `zodJsonSchema`, and the other `io` too where the same output pass gives it (the input shortcut), for free. */
function zodJsonSchemas(
  schema: SchemaModel,
  resolve: (ref: string) => SchemaModel,
  io: "input" | "output",
  { shortcut = true, definitions = false }: ZodJsonSchemaOptions = {},
): Partial<Record<"input" | "output", JsonValue>> {
  const live = (s: SchemaModel): z.ZodType => {
    let schema = built.get(s);
    if (!schema) {
      schema = irToZod(s.ir, (ref) => live(resolve(ref)));
      built.set(s, schema);
      names.set(schema, s.typeName);
      if (s.recursive) ids.set(schema, s.typeName);
    }
    return schema;
  };
  const root = live(schema);
  // Only the root and what a reference names are built by `live`: every schema with a name but the root is a named one.
  const idOf = definitions ? (s: z.ZodType) => ids.get(s) ?? (s === root ? undefined : names.get(s)) : (s: z.ZodType) => ids.get(s);
  // The references the spec wrote in carried keywords (checks.ts), in the order zod meets them: each
  // is converted beside the root, in the same pass, so that zod writes it as every other reference
  // (inline, or `$ref` to a definition it states). Those met in a pass are converted in the next;
  // most schemas have none and take one pass, as before.
  const carried: CarriedRef<ZodIR>[] = [];
  for (;;) {
    const known = carried.length;
    const json = convert(
      root,
      carried.map((ref) => carriedLive(ref, (name) => live(resolve(name)))),
      carried,
      idOf,
      io,
      shortcut,
    );
    if (carried.length === known) return json;
  }
}

/** A carried reference's live schema, built once (an IR is resolved through one map only, as `computedOnce` says). */
function carriedLive(ref: CarriedRef<ZodIR>, refs: (name: string) => z.ZodType): z.ZodType {
  let schema = carriedLives.get(ref);
  if (!schema) carriedLives.set(ref, (schema = irToZod(ref.ir, refs)));
  return schema;
}
const carriedLives = new WeakMap<CarriedRef<ZodIR>, z.ZodType>();

/** The keywords checks.ts carries whose value holds schemas, and so may hold a `CarriedRef`. */
const CARRYING = ["if", "then", "else", "not", "dependentSchemas", "propertyNames", "contains"];

/** A carried value with each `CarriedRef` in it what `mark` gives; the value itself when it holds none. */
function markCarried(value: unknown, mark: (ref: CarriedRef<ZodIR>) => object): unknown {
  if (value instanceof CarriedRef) return mark(value as CarriedRef<ZodIR>);
  if (value === null || typeof value !== "object") return value;
  const entries = Object.entries(value).map(([key, item]) => [key, markCarried(item, mark)] as const);
  if (entries.every(([key, item]) => item === (value as Record<string, unknown>)[key])) return value;
  return Array.isArray(value) ? entries.map(([, item]) => item) : Object.fromEntries(entries);
}

/**
 * One zod conversion of `root`, with `beside` (the live schemas of `carried`, in its order) converted
 * in the same pass. A carried reference stands in the metadata as a marker whose JSON is what zod
 * wrote for its schema beside the root: inline, or the `$ref` to the definition zod states (a named
 * schema in the exported form, a recursive one in both). A reference not in `carried` yet is added
 * to it; the caller then converts again.
 */
function convert(
  root: z.ZodType,
  beside: readonly z.ZodType[],
  carried: CarriedRef<ZodIR>[],
  idOf: (s: z.ZodType) => string | undefined,
  io: "input" | "output",
  shortcut: boolean,
): Partial<Record<"input" | "output", JsonValue>> {
  const whole = beside.length === 0 ? root : z.object({ root, ...Object.fromEntries(beside.map((s, i) => [`carried${i}`, s])) });
  /** What zod wrote for `whole`'s properties, known once zod has run its overrides (before it writes JSON text). */
  let written: Record<string, unknown> | undefined;
  const markers = new Map<CarriedRef<ZodIR>, object>();
  const mark = (ref: CarriedRef<ZodIR>) => {
    let marker = markers.get(ref);
    if (marker === undefined) {
      if (!carried.includes(ref)) carried.push(ref);
      const key = `carried${carried.indexOf(ref)}`;
      // Until zod has written it, the marker reads as its key, so that zod's comparisons of JSON tell two apart.
      marker = { toJSON: () => written?.[key] ?? key };
      markers.set(ref, marker);
    }
    return marker;
  };
  const metas = new Map<z.ZodType, Record<string, unknown> | undefined>();
  const get = (s: z.ZodType) => {
    if (metas.has(s)) return metas.get(s);
    let meta = z.globalRegistry.get(s) as Record<string, unknown> | undefined;
    if (meta !== undefined && CARRYING.some((keyword) => keyword in meta!)) meta = markCarried(meta, mark) as Record<string, unknown>;
    const id = idOf(s);
    const result = id === undefined ? meta : { ...meta, id };
    metas.set(s, result);
    return result;
  };
  const metadata = { get } as unknown as typeof z.globalRegistry;
  // zod's input pass asks, at every schema it visits, whether anything below it transforms, each time
  // walking the whole graph anew: quadratic, seconds for a Stripe-size closure. Where the input and the
  // output differ only in what an open object says of unknown keys, the output pass (linear) with that
  // keyword taken off is the same JSON Schema, byte for byte (tests compare it with zod's input pass).
  const asOutput = shortcut && inputIsOutput(whole, get);
  const override = (context: { zodSchema: z.core.$ZodType; jsonSchema: Record<string, unknown> }) => {
    evaluatedByProperties(context.jsonSchema);
    if (asOutput) markOpenObjects(context);
    if (context.zodSchema === whole && whole !== root) written = context.jsonSchema["properties"] as Record<string, unknown>;
  };
  // Where the shortcut holds, one output pass gives both forms; otherwise zod's own pass for `io`.
  const pass = asOutput ? "output" : io;
  const json = z.toJSONSchema(whole, { target: "draft-7", io: pass, unrepresentable: "any", metadata, override }) as Record<
    string,
    JsonValue
  >;
  const { $schema: _, ...converted } = json;
  const own = whole === root ? converted : besideRemoved(converted);
  return asOutput ? unmarked(own) : { [pass]: own };
}

/**
 * An open object (zod's looseObject: `additionalProperties: {}`) that carries `unevaluatedProperties:
 * false` (checks.ts) loses the `{}`: it admits every key and so evaluates every key, which leaves
 * `unevaluatedProperties` (2019-09) nothing to refuse, where the parser refuses a key no part names.
 * Without it the object is as open as JSON Schema's default, and `unevaluatedProperties` refuses
 * what the parser does. (A draft-7 validator ignores `unevaluatedProperties`, as every carried
 * keyword of 2019-09: it accepts more than the parser, never less.)
 */
function evaluatedByProperties(json: Record<string, unknown>): void {
  const extra = json["additionalProperties"];
  if (json["unevaluatedProperties"] !== false || typeof extra !== "object" || extra === null || Object.keys(extra).length > 0) return;
  delete json["additionalProperties"];
}

/** The root's JSON Schema out of `whole`'s (the root and the carried references side by side), with the definitions zod stated. */
function besideRemoved(json: Record<string, JsonValue>): JsonValue {
  const { definitions, properties } = json as { definitions?: JsonValue; properties: Record<string, JsonValue> };
  return { ...(properties["root"] as Record<string, JsonValue>), ...(definitions === undefined ? {} : { definitions }) };
}

/**
 * Marks what an open object's output states: a key no schema can hold (its value is this process's
 * own), so that the output and the input (the same, less those `additionalProperties: false`, as
 * `inputIsOutput` says) come from one pass. zod's output is a copy through JSON, so a mark must be
 * JSON to survive it.
 */
const OPEN = "\u0000open";
const OPEN_MARK = randomUUID();
const markOpenObjects = ({ zodSchema, jsonSchema }: { zodSchema: z.core.$ZodType; jsonSchema: Record<string, unknown> }) => {
  if (jsonSchema.additionalProperties === false && isOpenObject(underlying(zodSchema))) jsonSchema[OPEN] = OPEN_MARK;
};

/** A marked output pass → the output and the input, each without the marks. */
function unmarked(json: JsonValue): { output: JsonValue; input: JsonValue } {
  if (json === null || typeof json !== "object") return { output: json, input: json };
  if (Array.isArray(json)) {
    const both = json.map(unmarked);
    return { output: both.map((b) => b.output), input: both.map((b) => b.input) };
  }
  const open = json[OPEN] === OPEN_MARK;
  const output: [string, JsonValue][] = [];
  const input: [string, JsonValue][] = [];
  for (const [key, value] of Object.entries(json)) {
    if (open && key === OPEN) continue;
    const both = unmarked(value);
    output.push([key, both.output]);
    if (!(open && key === "additionalProperties")) input.push([key, both.input]);
  }
  // fromEntries defines each key, so that a property named `__proto__` stays a key.
  return { output: Object.fromEntries(output), input: Object.fromEntries(input) };
}

/** The schema zod states in a wrapper's place (it takes the inner schema's JSON Schema as its own). */
function underlying(schema: z.core.$ZodType): z.core.$ZodType {
  for (const seen = new Set<z.core.$ZodType>(); !seen.has(schema); ) {
    seen.add(schema);
    const def = schema._zod.def as z.core.$ZodTypeDef & { innerType?: z.core.$ZodType; getter?: () => z.core.$ZodType };
    if (def.type === "lazy") schema = def.getter!();
    else if (def.type === "optional" || def.type === "nonoptional" || def.type === "readonly") schema = def.innerType!;
    else break;
  }
  return schema;
}

/** An object that names no type for other keys: zod's output pass closes it (`additionalProperties: false`), its input pass does not. */
const isOpenObject = (schema: z.core.$ZodType) =>
  schema._zod.def.type === "object" && (schema._zod.def as z.core.$ZodObjectDef).catchall === undefined;

/**
 * Whether zod's input and output passes over `root` differ in nothing but open objects'
 * `additionalProperties: false`. They differ elsewhere only through what zod's JSON Schema code
 * reads `io` for: a transform, pipe or codec (either side, examples and defaults dropped), a
 * prefault, default or catch, anything optional on one side only (object keys, tuple items, a
 * record's values), so none of those may occur; nor may metadata state `additionalProperties`
 * itself (the override could not tell it from zod's).
 */
function inputIsOutput(root: z.core.$ZodType, meta: (s: z.ZodType) => Record<string, unknown> | undefined): boolean {
  const seen = new Set<z.core.$ZodType>();
  const stack = [root];
  while (stack.length > 0) {
    const schema = stack.pop()!;
    if (seen.has(schema)) continue;
    seen.add(schema);
    const { def, optin, optout } = schema._zod;
    if (optin !== optout) return false;
    if (meta(schema as z.ZodType)?.additionalProperties !== undefined) return false;
    const inner = def as unknown as Record<string, unknown>;
    switch (def.type) {
      case "transform":
      case "pipe":
      case "prefault":
      case "default":
      case "catch":
      case "promise":
      case "custom":
        return false;
      case "record":
      case "map":
        if ((inner.valueType as z.core.$ZodType)._zod.optin !== undefined) return false;
    }
    if (schema._zod.parent) stack.push(schema._zod.parent);
    for (const value of Object.values(inner)) {
      if (isZod(value)) stack.push(value);
      else if (Array.isArray(value)) stack.push(...value.filter(isZod));
    }
    if (def.type === "object") stack.push(...Object.values((def as z.core.$ZodObjectDef).shape));
    if (def.type === "lazy") stack.push((def as z.core.$ZodLazyDef).getter());
  }
  return true;
}

const isZod = (value: unknown): value is z.core.$ZodType => typeof value === "object" && value !== null && "_zod" in value;
