import { ts } from "ts-morph";
import { z } from "zod";
import { checkLinks, checkSource, closedLink, checkValue, CHECK_KEYWORDS, runsSchemas, type Check } from "./checks.ts";
import { keywordsWhere, type Keyword } from "./keywords.ts";
import type { JsonValue, PayloadSchema, SchemaOrRef } from "./spec-format.ts";

/**
 * A payload schema as a chain of zod calls, built once and read two ways:
 * printed as zod source through the TypeScript AST (so every string from a
 * spec is a printed literal, never spliced text), and evaluated into a live
 * zod schema that zod-to-ts prints the TypeScript type from.
 */
export interface ZodIR {
  readonly head: { readonly ref: string } | { readonly call: readonly string[]; readonly args: readonly Arg[] };
  readonly chain: readonly Link[];
  /** A `const`'s object (`exactly`): closed in the JSON Schema too, as its parser is (see `irToZod`). */
  readonly exact?: true;
}
export type Link = { readonly method: string; readonly args: readonly Arg[] };
type Arg =
  | { readonly json: JsonValue }
  | { readonly ir: ZodIR }
  | { readonly irs: readonly ZodIR[] }
  | { readonly shape: Readonly<Record<string, ZodIR>> }
  | { readonly regex: string }
  /** A value zod exports, such as `z.regexes.guid`. */
  | { readonly member: readonly string[] }
  /** `() => <ir>`, for `z.lazy`. */
  | { readonly thunk: ZodIR }
  /**
   * A function the generator writes: its source, printed as it is, and the same function to run;
   * `jsonSchema` says what it checks in JSON Schema's words, which zod cannot see in a function.
   */
  | { readonly code: string; readonly value: unknown; readonly jsonSchema?: Readonly<Record<string, JsonValue>> }
  /** A refinement that runs other schemas (`if`, `not`, `contains`, …): see checks.ts. */
  | { readonly check: Check<ZodIR> };

const call = (path: string[], args: Arg[] = [], chain: Link[] = []): ZodIR => ({ head: { call: path, args }, chain });
const withLinks = (ir: ZodIR, ...links: Link[]): ZodIR => ({ ...ir, chain: [...ir.chain, ...links] });
const NULLABLE: Link = { method: "nullable", args: [] };

/** RFC 3339's full-time, as JSON Schema's `time` means it: seconds, and `Z` or an offset. */
const TIME = "^(?:[01]\\d|2[0-3]):[0-5]\\d:(?:[0-5]\\d|60)(?:\\.\\d+)?(?:[Zz]|[+-](?:[01]\\d|2[0-3]):[0-5]\\d)$";

/**
 * String formats as JSON Schema means them. `uuid` is RFC 4122's layout, 8-4-4-4-12 hex digits
 * whatever the version and variant bits (z.uuid() also insists on those), refused with z.uuid()'s
 * message; `date-time` is RFC 3339's, a time with seconds and Z or an offset, and so is `time`.
 */
const FORMATS: Record<string, ZodIR> = {
  uuid: call(["z", "string"], [], [{ method: "regex", args: [{ member: ["z", "regexes", "guid"] }, { json: "Invalid UUID" }] }]),
  email: call(["z", "email"]),
  uri: call(["z", "url"]),
  "date-time": call(["z", "iso", "datetime"], [{ json: { offset: true } }]),
  date: call(["z", "iso", "date"]),
  duration: call(["z", "iso", "duration"]),
  time: call(["z", "string"], [], [{ method: "regex", args: [{ regex: TIME }, { json: "Invalid time" }] }]),
  ipv4: call(["z", "ipv4"]),
  ipv6: call(["z", "ipv6"]),
  hostname: call(["z", "hostname"]),
  byte: call(["z", "base64"]),
};

/** What building a schema needs to know of the others: what a name stands for, and how to name it. */
export interface IRContext {
  /** The schema a name stands for, to see through a reference (a discriminated union's branches, `allOf`). */
  resolve(name: string): SchemaOrRef | undefined;
  /** Whether a reference must wait until the module has loaded (`z.lazy`): recursion, through named schemas. */
  deferred(name: string): boolean;
  /** Whether the named schema's constant is typed only as `z.ZodType` (a recursive one), so zod cannot see its shape. */
  opaque(name: string): boolean;
}

const NO_CONTEXT: IRContext = { resolve: () => undefined, deferred: () => false, opaque: () => false };

/**
 * Pointers to a named schema: this file's `#/schemas/`, and where a pasted OpenAPI or JSON Schema
 * document keeps them (its schemas go under `schemas` with their names unchanged).
 */
export const REF_PREFIXES = ["#/schemas/", "#/components/schemas/", "#/$defs/", "#/definitions/"] as const;

/** The name a reference gives: a bare `Address`, or a pointer such as `#/schemas/Address`. */
export function refName(ref: string): string {
  const prefix = REF_PREFIXES.find((p) => ref.startsWith(p));
  return prefix === undefined ? ref : ref.slice(prefix.length);
}

/** The name a schema stands for, if it is a reference (a string, or `{ $ref }` with annotations at most). */
export function referenceOf(schema: SchemaOrRef): string | undefined {
  if (typeof schema === "string") return refName(schema);
  return schema.$ref === undefined ? undefined : refName(schema.$ref);
}

/** Keywords that say something about a schema without changing what it accepts, or (`nullable`, `default`, `discriminator`) say it for a reference or union too. */
export const ANNOTATIONS: readonly Keyword[] = [...keywordsWhere("annotation"), ...keywordsWhere("modifier")];

export function toIR(schema: SchemaOrRef, ctx: IRContext = NO_CONTEXT): ZodIR {
  if (typeof schema === "string") return refIR(refName(schema), ctx);
  const links: Link[] = [];
  const ir = withLinks(
    base(withoutChecks(schema), ctx),
    ...checkLinks(
      schema,
      (inner) => toIR(inner, ctx),
      (inner) => evaluatedKeys(inner, ctx),
    ),
  );
  const admitsNull = ir.chain.some((link) => link.method === "nullable") || schema.const === null || schema.enum?.includes(null);
  if (schema.nullable === true && !admitsNull) links.push(NULLABLE);
  if (schema.default !== undefined) links.push({ method: "default", args: [{ json: schema.default }] });
  const meta = metaOf(schema);
  if (meta) links.push({ method: "meta", args: [{ json: meta }] });
  else if (schema.description !== undefined) links.push({ method: "describe", args: [{ json: schema.description }] });
  return withLinks(ir, ...links);
}

function refIR(name: string, ctx: IRContext): ZodIR {
  return ctx.deferred(name) ? call(["z", "lazy"], [{ thunk: { head: { ref: name }, chain: [] } }]) : { head: { ref: name }, chain: [] };
}

/** Annotations zod keeps as metadata (`.meta()`), which its JSON Schema carries; `undefined` when a description is all there is. */
function metaOf(s: PayloadSchema): Record<string, JsonValue> | undefined {
  const examples = s.examples ?? (s.example === undefined ? undefined : [s.example]);
  if (s.title === undefined && examples === undefined && s.deprecated !== true) return undefined;
  return {
    ...(s.title === undefined ? {} : { title: s.title }),
    ...(s.description === undefined || s.description === "" ? {} : { description: s.description }),
    ...(s.deprecated === true ? { deprecated: true } : {}),
    ...(examples === undefined ? {} : { examples }),
  };
}

/** A schema's annotations as one line of JSDoc: its title and description, an example, `@deprecated`. */
export function docText(s: SchemaOrRef | undefined, given = typeof s === "object" ? s.description : undefined): string | undefined {
  const description = given === "" ? undefined : given;
  const schema = typeof s === "object" ? s : {};
  const examples = schema.examples ?? (schema.example === undefined ? undefined : [schema.example]);
  const parts = [
    ...(schema.title === undefined ? [] : [/[.!?]$/.test(schema.title) || description === undefined ? schema.title : `${schema.title}.`]),
    ...(description === undefined ? [] : [description]),
    ...(examples === undefined || examples.length === 0 ? [] : [`@example ${JSON.stringify(examples[0])}`]),
    ...(schema.deprecated === true ? ["@deprecated"] : []),
  ];
  return parts.length === 0 ? undefined : parts.join(" ");
}

/** What a schema that says nothing of its type accepts: any JSON value, typed as the generated `JsonValue`. */
const JSON_IR = call(["z", "json"]);
export const JSON_TYPE = "JsonValue";

/** Whether a schema is `{ type: "null" }` (or an equivalent const or enum): in a union, it makes the rest nullable. */
export const isNull = (s: SchemaOrRef) =>
  typeof s === "object" &&
  s.$ref === undefined &&
  (s.type === "null" ||
    (Array.isArray(s.type) && s.type.length === 1 && s.type[0] === "null") ||
    s.const === null ||
    (s.enum?.length === 1 && s.enum[0] === null));

function base(s: PayloadSchema, ctx: IRContext): ZodIR {
  if (s.$ref !== undefined) return refIR(refName(s.$ref), ctx);
  if (s.allOf !== undefined) return allOf(s, ctx);
  const branches = s.anyOf ?? s.oneOf;
  const beside = branches === undefined ? [] : besideUnion(s, ctx);
  if (beside.length > 0) {
    // Keywords beside a union hold as well as it (JSON Schema applies every keyword of a schema):
    // the union and the rest are two parts of an allOf.
    const { anyOf: _a, oneOf: _o, discriminator: _d, ...rest } = s;
    const union: PayloadSchema = {
      ...(s.anyOf ? { anyOf: s.anyOf } : { oneOf: s.oneOf! }),
      ...(s.discriminator ? { discriminator: s.discriminator } : {}),
    };
    const own = Object.fromEntries(
      Object.entries(rest).filter(([key]) => !(ANNOTATIONS as readonly string[]).includes(key)),
    ) as PayloadSchema;
    return allOf({ allOf: [own, union] }, ctx);
  }
  if (branches !== undefined) {
    const rest = branches.filter((b) => !isNull(b));
    // `type: [object, "null"]` beside the union (check lets only that through) admits null too.
    const nullable = rest.length < branches.length || (Array.isArray(s.type) && s.type.includes("null"));
    let ir: ZodIR;
    if (rest.length === 0) ir = call(["z", "null"]);
    else if (rest.length === 1) ir = toIR(rest[0]!, ctx);
    else {
      const tag = s.discriminator?.propertyName ?? discriminatorOf(rest, ctx);
      const irs = rest.map((b) => toIR(b, ctx));
      ir =
        tag !== undefined && discriminates(rest, tag, ctx) === undefined
          ? call(["z", "discriminatedUnion"], [{ json: tag }, { irs }])
          : call(["z", s.oneOf !== undefined ? "xor" : "union"], [{ irs }]);
    }
    return nullable && rest.length > 0 ? withLinks(ir, NULLABLE) : ir;
  }
  if (s.const !== undefined) return exactly(s.const);
  if (s.enum !== undefined) {
    // OpenAPI's nullable enum lists null among strings: the strings, nullable.
    const strings = s.enum.filter((v) => v !== null);
    if (strings.length > 0 && strings.length < s.enum.length && strings.every((v) => typeof v === "string")) {
      return withLinks(call(["z", "enum"], [{ json: strings }]), NULLABLE);
    }
    return s.enum.every((v) => typeof v === "string")
      ? call(["z", "enum"], [{ json: s.enum }])
      : s.enum.length === 1
        ? exactly(s.enum[0]!)
        : call(["z", "union"], [{ irs: s.enum.map(exactly) }]);
  }
  const types = s.type === undefined ? inferred(s) : Array.isArray(s.type) ? s.type : [s.type];
  // No type, and a keyword that constrains some (`{ minLength: 1 }`): it holds for values of its
  // type, and any other value passes, as JSON Schema has it.
  if (types.length === 0 && CONSTRAINTS.some((keyword) => s[keyword] !== undefined)) {
    return call(["z", "union"], [{ irs: ["string", "number", "boolean", "null", "array", "object"].map((t) => ofType(t, s, ctx)) }]);
  }
  if (types.length === 0) return JSON_IR;
  const nonNull = types.filter((t) => t !== "null");
  if (types.length > 1) {
    const single =
      nonNull.length === 1 ? ofType(nonNull[0]!, s, ctx) : call(["z", "union"], [{ irs: nonNull.map((t) => ofType(t, s, ctx)) }]);
    return types.includes("null") ? withLinks(single, NULLABLE) : single;
  }
  return ofType(types[0]!, s, ctx);
}

/**
 * The keywords beside a union that say something of their own: all but annotations, and but a
 * `type` that says only what the branches say already (OpenAPI's `type: object` beside a union of
 * objects, with "null" or not), which the union reads itself.
 */
export function besideUnion(s: PayloadSchema, ctx: Pick<IRContext, "resolve" | "opaque">): string[] {
  const keys = Object.keys(s).filter((key) => key !== "anyOf" && key !== "oneOf" && !(ANNOTATIONS as readonly string[]).includes(key));
  const types = s.type === undefined ? [] : Array.isArray(s.type) ? s.type : [s.type];
  const objects = (s.anyOf ?? s.oneOf ?? []).filter((branch) => !isNull(branch)).every((branch) => objectView(branch, ctx) !== undefined);
  const redundantType = types.length > 0 && types.every((t) => t === "object" || t === "null") && objects;
  return keys.filter((key) => !(key === "type" && redundantType));
}

/** Keywords that constrain values of one type (strings, numbers or arrays) and let the others pass. */
const CONSTRAINTS = keywordsWhere("constraint");

/** Keywords that build an object's or an array's structure, and make a schema without `type` one. */
const INFERS = { object: keywordsWhere("infers", "object"), array: keywordsWhere("infers", "array") };

function inferred(s: PayloadSchema): string[] {
  if (INFERS.object.some((keyword) => s[keyword] !== undefined)) return ["object"];
  if (INFERS.array.some((keyword) => s[keyword] !== undefined)) return ["array"];
  return [];
}

// ---- seeing through references: discriminated unions and allOf ----------------------------------

/** The schema behind a reference (and behind that one's, if it is one too); `undefined` when it names nothing known. */
export function resolved(schema: SchemaOrRef, ctx: Pick<IRContext, "resolve">): PayloadSchema | undefined {
  let current: SchemaOrRef | undefined = schema;
  for (let hops = 0; hops < 32 && current !== undefined; hops++) {
    const name = referenceOf(current);
    if (name === undefined) return current as PayloadSchema;
    current = ctx.resolve(name);
  }
  return undefined;
}

const isObjectSchema = (s: PayloadSchema) =>
  (s.type === "object" || (s.type === undefined && inferred(s)[0] === "object")) &&
  s.nullable !== true &&
  s.anyOf === undefined &&
  s.oneOf === undefined &&
  s.allOf === undefined &&
  s.$ref === undefined &&
  s.patternProperties === undefined &&
  s.minProperties === undefined &&
  s.maxProperties === undefined;

/**
 * A schema as one object, if it is one: an object schema, a reference to one, or an allOf of such
 * (merged, as allOf builds it), seen through references; `undefined` otherwise.
 */
export function objectView(schema: SchemaOrRef, ctx: Pick<IRContext, "resolve" | "opaque">, depth = 0): PayloadSchema | undefined {
  const name = referenceOf(schema);
  if (name !== undefined && ctx.opaque(name)) return undefined;
  const s = resolved(schema, ctx);
  if (s === undefined || depth > 16) return undefined;
  if (s.allOf === undefined) return isObjectSchema(s) ? s : undefined;
  if (s.nullable === true) return undefined;
  const { allOf: parts, ...rest } = s;
  const own = Object.fromEntries(
    Object.entries(rest).filter(([key]) => !(ANNOTATIONS as readonly string[]).includes(key)),
  ) as PayloadSchema;
  const views = [...parts, ...(Object.keys(own).length > 0 ? [own] : [])].map((part) => objectView(part, ctx, depth + 1));
  return views.every((view) => view !== undefined) ? mergeObjects(views as PayloadSchema[]) : undefined;
}

/** The values a branch's `tag` property may hold, if it is an object that requires it as a const or an enum of plain values. */
export function tagValues(branch: SchemaOrRef, tag: string, ctx: Pick<IRContext, "resolve" | "opaque">): JsonValue[] | undefined {
  if (typeof branch === "object" && branch.$ref !== undefined && branch.nullable === true) return undefined;
  const s = objectView(branch, ctx);
  if (s === undefined || !(s.required ?? []).includes(tag)) return undefined;
  const property = s.properties?.[tag];
  const p = property === undefined ? undefined : resolved(property, ctx);
  if (p === undefined || p.nullable === true) return undefined;
  const values = p.const !== undefined ? [p.const] : p.enum;
  return values?.every((v) => v === null || typeof v !== "object") ? values : undefined;
}

/**
 * Why `tag` does not tell these branches apart, or `undefined` when it does: every branch is an
 * object (or names one) that requires `tag` as a const or enum, and no value belongs to two.
 */
export function discriminates(
  branches: readonly SchemaOrRef[],
  tag: string,
  ctx: Pick<IRContext, "resolve" | "opaque">,
): { index: number; problem: string } | undefined {
  const seen = new Map<string, number>();
  for (const [index, branch] of branches.entries()) {
    const values = tagValues(branch, tag, ctx);
    if (values === undefined) {
      return { index, problem: `expected an object schema (or the name of one) that requires "${tag}" as a const or an enum` };
    }
    for (const value of values) {
      const key = JSON.stringify(value);
      const first = seen.get(key);
      if (first !== undefined) return { index, problem: `"${tag}" ${key} already picks branch ${first}` };
      seen.set(key, index);
    }
  }
  return undefined;
}

/** A property every branch requires as a const or enum, with values no two branches share: a discriminator without `discriminator`. */
function discriminatorOf(branches: readonly SchemaOrRef[], ctx: IRContext): string | undefined {
  const first = objectView(branches[0]!, ctx);
  if (first === undefined) return undefined;
  return (first.required ?? []).find((tag) => discriminates(branches, tag, ctx) === undefined);
}

/**
 * `allOf`: objects (inline, or named) merge into one object, their properties and `required`
 * together, closed if one is; anything else is an intersection, every part checked. Keywords
 * beside `allOf` are one more part.
 */
function allOf(s: PayloadSchema, ctx: IRContext): ZodIR {
  const { allOf: parts = [], ...rest } = s;
  const own = Object.fromEntries(
    Object.entries(rest).filter(([key]) => !(ANNOTATIONS as readonly string[]).includes(key)),
  ) as PayloadSchema;
  const given = Object.keys(own).length > 0 ? [...parts, own] : parts;
  // A part that only checks (an `if`/`then`, a `not`) checks the value the other parts build, so
  // that objects still merge into one (dependabot's allOf of conditionals beside its properties).
  const all = given.filter((part) => !onlyChecks(part));
  const checks = given.filter(onlyChecks).flatMap((part) =>
    checkLinks(
      part as PayloadSchema,
      (inner) => toIR(inner, ctx),
      (inner) => evaluatedKeys(inner, ctx),
    ),
  );
  if (checks.length > 0) return withLinks(all.length === 0 ? JSON_IR : allOf({ allOf: all }, ctx), ...checks);
  // OpenAPI 3.0's way to annotate a reference (`allOf: [$ref]` with `nullable` or a description): the reference itself.
  if (all.length === 1) return toIR(all[0]!, ctx);
  const objects = all.map((part) => objectView(part, ctx));
  if (objects.every((view) => view !== undefined)) return ofType("object", mergeObjects(objects as PayloadSchema[]), ctx);
  const [head, ...tail] = all.map((part) => toIR(part, ctx));
  const closed = objects
    .filter((view) => view?.additionalProperties === false)
    .map((view) => closedLink<ZodIR>(Object.keys(view!.properties ?? {})));
  return withLinks(head!, ...tail.map((ir): Link => ({ method: "and", args: [{ ir }] })), ...closed);
}

/**
 * The keys `unevaluatedProperties` counts as evaluated: the schema's properties and those of every
 * in-place part (allOf, each anyOf/oneOf branch, if/then/else, a dependent schema), through
 * references; `undefined` when any key may be (patternProperties, additionalProperties). A branch's
 * keys count whether or not it matched: zod cannot see which did, so this refuses less than Ajv.
 */
function evaluatedKeys(schema: SchemaOrRef, ctx: IRContext, depth = 0): string[] | undefined {
  const s = resolved(schema, ctx);
  if (s === undefined || depth > 16) return undefined;
  if (s.patternProperties !== undefined || (s.additionalProperties !== undefined && s.additionalProperties !== false)) return undefined;
  const parts = [
    ...(s.allOf ?? []),
    ...(s.anyOf ?? []),
    ...(s.oneOf ?? []),
    ...[s.if, s.then, s.else].filter((p) => p !== undefined),
    ...Object.values(s.dependentSchemas ?? {}),
  ];
  const keys = [Object.keys(s.properties ?? {}), ...parts.map((part) => evaluatedKeys(part, ctx, depth + 1))];
  return keys.every((k) => k !== undefined) ? keys.flat() : undefined;
}

/** A schema without the keywords refinements check (checks.ts): what the rest builds. */
function withoutChecks(s: PayloadSchema): PayloadSchema {
  if (!CHECK_KEYWORDS.some((keyword) => s[keyword] !== undefined)) return s;
  return Object.fromEntries(Object.entries(s).filter(([key]) => !(CHECK_KEYWORDS as readonly string[]).includes(key))) as PayloadSchema;
}

/** Whether an inline schema says nothing but what refinements check (and annotations). */
function onlyChecks(part: SchemaOrRef): boolean {
  if (typeof part === "string" || part.$ref !== undefined) return false;
  const keys = Object.keys(part).filter((key) => !(ANNOTATIONS as readonly string[]).includes(key));
  return keys.length > 0 && keys.every((key) => (CHECK_KEYWORDS as readonly string[]).includes(key));
}

/** Object schemas as one: a property two declare must satisfy both. */
export function mergeObjects(parts: readonly PayloadSchema[]): PayloadSchema {
  const properties: Record<string, SchemaOrRef> = {};
  for (const part of parts) {
    for (const [name, property] of Object.entries(part.properties ?? {})) {
      const before = properties[name];
      properties[name] =
        before === undefined ? property : (narrower(before, property) ?? narrower(property, before) ?? { allOf: [before, property] });
    }
  }
  const required = [...new Set(parts.flatMap((part) => part.required ?? []))];
  const extra = parts.some((part) => part.additionalProperties === false)
    ? false
    : parts.find((part) => part.additionalProperties !== undefined)?.additionalProperties;
  // A closed part sees only its own properties (JSON Schema's additionalProperties does not look into
  // the other parts): a key it does not name is refused, whichever part names it.
  for (const closed of parts.filter((part) => part.additionalProperties === false)) {
    for (const name of Object.keys(properties)) if (!(name in (closed.properties ?? {}))) delete properties[name];
  }
  return {
    type: "object",
    properties,
    ...(required.length > 0 ? { required } : {}),
    ...(extra === undefined ? {} : { additionalProperties: extra }),
  };
}

/**
 * `b` when it says all `a` says and more: a const or enum whose values are all of `a`'s type, where
 * `a` says nothing but its type (a base schema's `kind: { type: string }`, a branch's `kind: { const: cat }`).
 */
function narrower(a: SchemaOrRef, b: SchemaOrRef): SchemaOrRef | undefined {
  if (typeof a !== "object" || typeof b !== "object" || (b.const === undefined && b.enum === undefined)) return undefined;
  const keywords = Object.keys(a).filter((key) => !(ANNOTATIONS as readonly string[]).includes(key));
  if (keywords.length !== 1 || keywords[0] !== "type") return undefined;
  const types = Array.isArray(a.type) ? a.type : [a.type];
  const typeOf = (v: JsonValue) =>
    v === null
      ? "null"
      : Array.isArray(v)
        ? "array"
        : typeof v === "number"
          ? Number.isInteger(v)
            ? ["integer", "number"]
            : "number"
          : typeof v;
  const fits = (v: JsonValue) => [typeOf(v)].flat().some((t) => types.includes(t as (typeof types)[number]));
  return (b.enum ?? [b.const!]).every(fits) ? b : undefined;
}

/**
 * Exactly one JSON value, deep: an object is a closed object of exact values (its keys in any
 * order, none missing, none extra), an array a tuple of them. Its type is the value's own shape.
 */
function exactly(value: JsonValue): ZodIR {
  if (value === null) return call(["z", "null"]);
  if (Array.isArray(value)) return call(["z", "tuple"], [{ irs: value.map(exactly) }]);
  if (typeof value === "object")
    return {
      ...call(["z", "strictObject"], [{ shape: Object.fromEntries(Object.entries(value).map(([k, v]) => [k, exactly(v)])) }]),
      exact: true,
    };
  return call(["z", "literal"], [{ json: value }]);
}

/** Whether a schema accepts untyped JSON anywhere, so that its printed type names `JsonValue`. */
export const usesJson = (ir: ZodIR): boolean => someIR(ir, (inner) => isJson(inner.head));

/** Whether a schema holds a refinement that runs schemas of its own, printed through parse.ts's `refineWith`. */
export const usesRefineWith = (ir: ZodIR): boolean =>
  someIR(ir, (inner) => inner.chain.some((link) => link.args.some((arg) => "check" in arg && runsSchemas(arg.check))));

/**
 * Whether the printed expression holds code of the generator's over several lines (a check's
 * function), which TypeScript's printer copies as it is rather than indenting: only the formatter
 * lays such an expression out.
 */
export const printsRawLines = (ir: ZodIR): boolean =>
  someIR(ir, ({ head, chain }) => ("call" in head && head.args.some(isRawLines)) || chain.some((link) => link.args.some(isRawLines)));
const isRawLines = (arg: Arg) => "check" in arg || ("code" in arg && arg.code.includes("\n"));

/** Whether `test` holds of the schema or of one inside it (not inside a refinement: what it runs is no part of the type). */
function someIR(ir: ZodIR, test: (ir: ZodIR) => boolean): boolean {
  const inArg = (arg: Arg): boolean =>
    "ir" in arg
      ? someIR(arg.ir, test)
      : "irs" in arg
        ? arg.irs.some((inner) => someIR(inner, test))
        : "shape" in arg
          ? Object.values(arg.shape).some((inner) => someIR(inner, test))
          : "thunk" in arg
            ? someIR(arg.thunk, test)
            : false;
  if (test(ir)) return true;
  return ("call" in ir.head && ir.head.args.some(inArg)) || ir.chain.some((link) => link.args.some(inArg));
}

const isJson = (head: ZodIR["head"]) => "call" in head && head.call.length === 2 && head.call[0] === "z" && head.call[1] === "json";

function bounds(min: number | undefined, max: number | undefined): Link[] {
  const links: Link[] = [];
  if (min !== undefined) links.push({ method: "min", args: [{ json: min }] });
  if (max !== undefined) links.push({ method: "max", args: [{ json: max }] });
  return links;
}

/** `minimum`/`maximum`, exclusive as a number (draft 6 on) or as OpenAPI 3.0's `true`; `multipleOf`. */
function numberBounds(schema: PayloadSchema): Link[] {
  const links: Link[] = [];
  // OpenAPI's int32 is a 32-bit signed integer, unless the schema bounds it itself.
  const s = schema.format === "int32" ? { minimum: -2147483648, maximum: 2147483647, ...schema } : schema;
  const lower =
    typeof s.exclusiveMinimum === "number"
      ? { method: "gt", n: s.exclusiveMinimum }
      : s.minimum === undefined
        ? undefined
        : { method: s.exclusiveMinimum === true ? "gt" : "min", n: s.minimum };
  const upper =
    typeof s.exclusiveMaximum === "number"
      ? { method: "lt", n: s.exclusiveMaximum }
      : s.maximum === undefined
        ? undefined
        : { method: s.exclusiveMaximum === true ? "lt" : "max", n: s.maximum };
  // Both an inclusive and an exclusive number given: the exclusive one is the one that bites only when it is the tighter.
  if (typeof s.exclusiveMinimum === "number" && s.minimum !== undefined && s.minimum > s.exclusiveMinimum)
    links.push({ method: "min", args: [{ json: s.minimum }] });
  else if (lower) links.push({ method: lower.method, args: [{ json: lower.n }] });
  if (typeof s.exclusiveMaximum === "number" && s.maximum !== undefined && s.maximum < s.exclusiveMaximum)
    links.push({ method: "max", args: [{ json: s.maximum }] });
  else if (upper) links.push({ method: upper.method, args: [{ json: upper.n }] });
  if (s.multipleOf !== undefined) links.push({ method: "multipleOf", args: [{ json: s.multipleOf }] });
  return links;
}

/** A refinement whose code the generator writes (never text from a spec), printed as it is and run as `value`. */
function refine(source: string, value: (input: never) => boolean, message: string, jsonSchema: Record<string, JsonValue>): Link {
  return { method: "refine", args: [{ code: source, value, jsonSchema }, { json: message }] };
}

const UNIQUE = refine(
  "(items) => new Set(items.map((item) => JSON.stringify(item))).size === items.length",
  (items: unknown[]) => new Set(items.map((item) => JSON.stringify(item))).size === items.length,
  "Items must be unique",
  { uniqueItems: true },
);
const UNIQUE_SCALARS = refine(
  "(items) => new Set(items).size === items.length",
  (items: unknown[]) => new Set(items).size === items.length,
  "Items must be unique",
  { uniqueItems: true },
);

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

function propertyCount(min: number | undefined, max: number | undefined): Link[] {
  const links: Link[] = [];
  // Integers the spec format checked, so printing them into code is safe.
  if (min !== undefined) {
    links.push(
      refine(
        `(value) => Object.keys(value).length >= ${min}`,
        (value: object) => Object.keys(value).length >= min,
        `Too small: expected at least ${plural(min, "property", "properties")}`,
        { minProperties: min },
      ),
    );
  }
  if (max !== undefined) {
    links.push(
      refine(
        `(value) => Object.keys(value).length <= ${max}`,
        (value: object) => Object.keys(value).length <= max,
        `Too big: expected at most ${plural(max, "property", "properties")}`,
        { maxProperties: max },
      ),
    );
  }
  return links;
}

const isScalar = (schema: SchemaOrRef | undefined, ctx: IRContext) => {
  const s = schema === undefined ? undefined : resolved(schema, ctx);
  if (s === undefined) return false;
  if (s.const !== undefined || s.enum !== undefined) return [...(s.enum ?? [s.const])].every((v) => v === null || typeof v !== "object");
  const types = s.type === undefined ? [] : Array.isArray(s.type) ? s.type : [s.type];
  return (
    types.length > 0 &&
    types.every((t) => t !== "object" && t !== "array") &&
    s.anyOf === undefined &&
    s.oneOf === undefined &&
    s.allOf === undefined
  );
};

function ofType(type: string, s: PayloadSchema, ctx: IRContext): ZodIR {
  switch (type) {
    case "string": {
      const links = bounds(s.minLength, s.maxLength);
      if (s.pattern !== undefined) links.push({ method: "regex", args: [{ regex: s.pattern }] });
      // A format that only describes (`password`, `decimal`, …) checks nothing; nor does contentEncoding,
      // which JSON Schema makes an annotation (draft-07 on): `format: byte` is the checked base64.
      const format = FORMATS[s.format ?? ""];
      return withLinks(format ?? call(["z", "string"]), ...links);
    }
    case "integer":
      return call(["z", "int"], [], numberBounds(s));
    case "number":
      return call(["z", "number"], [], numberBounds(s));
    case "boolean":
      return call(["z", "boolean"]);
    case "null":
      return call(["z", "null"]);
    case "array":
      return array(s, ctx);
    default: {
      const required = new Set(s.required ?? []);
      // A required name no property declares (`not: { required: [a, b] }`) must be there, whatever its value.
      const undeclared = [...required]
        .filter((name) => !Object.hasOwn(s.properties ?? {}, name))
        .map((name): [string, SchemaOrRef] => [name, {}]);
      const shape = Object.fromEntries(
        [...Object.entries(s.properties ?? {}), ...undeclared].map(([name, property]) => {
          const ir = toIR(property, ctx);
          // A required field must be there, default or not (JSON Schema's default only annotates):
          // zod's .default() would let it be missing, so a required field goes without it.
          if (required.has(name)) return [name, { ...ir, chain: ir.chain.filter((link) => link.method !== "default") }];
          const hasDefault = typeof property === "object" && property.default !== undefined;
          return [name, hasDefault ? ir : withLinks(ir, { method: "optional", args: [] })];
        }),
      );
      const counts = propertyCount(s.minProperties, s.maxProperties);
      const patterns = Object.entries(s.patternProperties ?? {});
      if (patterns.length > 0) {
        // Keys of one pattern (check refuses anything else beside it): each key checked by it, each value by its schema.
        const [pattern, value] = patterns[0]!;
        return call(
          ["z", "record"],
          [{ ir: call(["z", "string"], [], [{ method: "regex", args: [{ regex: pattern }] }]) }, { ir: toIR(value, ctx) }],
          counts,
        );
      }
      const extra = s.additionalProperties;
      if (extra === false) return call(["z", "strictObject"], [{ shape }], counts);
      // `true` is JSON Schema's `{}`: any key kept, its value any JSON.
      if (extra !== undefined)
        return call(
          ["z", "object"],
          [{ shape }],
          [{ method: "catchall", args: [{ ir: extra === true ? JSON_IR : toIR(extra, ctx) }] }, ...counts],
        );
      // Open, as JSON Schema's object is without additionalProperties: keys it does not name are kept
      // as they came (z.object would strip them, and a parsed payload would lose fields).
      return call(["z", "looseObject"], [{ shape }], counts);
    }
  }
}

/** An array, or a tuple: `prefixItems` (2020-12) or a list under `items` (draft-07), the items past the first `minItems` optional. */
function array(s: PayloadSchema, ctx: IRContext): ZodIR {
  const prefix = s.prefixItems ?? (Array.isArray(s.items) ? s.items : undefined);
  if (prefix === undefined) {
    const items = s.items as boolean | SchemaOrRef | undefined;
    const element = items === undefined || items === true ? JSON_IR : items === false ? call(["z", "never"]) : toIR(items, ctx);
    const links = bounds(s.minItems, s.maxItems);
    if (s.uniqueItems === true)
      links.push(isScalar(items === undefined || typeof items === "boolean" ? undefined : items, ctx) ? UNIQUE_SCALARS : UNIQUE);
    return call(["z", "array"], [{ ir: element }], links);
  }
  const rest = s.prefixItems !== undefined ? (s.items as boolean | SchemaOrRef | undefined) : s.additionalItems;
  const min = s.minItems ?? 0;
  const items = prefix.map((item, index) => (index < min ? toIR(item, ctx) : withLinks(toIR(item, ctx), { method: "optional", args: [] })));
  const args: Arg[] = [{ irs: items }];
  if (rest !== false) args.push({ ir: rest === undefined || rest === true ? JSON_IR : toIR(rest, ctx) });
  const links: Link[] = [];
  // A tuple's length is its items' unless there is a rest; bounds past that are checked as a length.
  if (rest !== false && s.minItems !== undefined && s.minItems > prefix.length)
    links.push(
      refine(
        `(items) => items.length >= ${s.minItems}`,
        (a: unknown[]) => a.length >= s.minItems!,
        `Too small: expected at least ${plural(s.minItems, "item", "items")}`,
        { minItems: s.minItems },
      ),
    );
  if (s.maxItems !== undefined && (rest !== false || s.maxItems < prefix.length))
    links.push(
      refine(
        `(items) => items.length <= ${s.maxItems}`,
        (a: unknown[]) => a.length <= s.maxItems!,
        `Too big: expected at most ${plural(s.maxItems, "item", "items")}`,
        { maxItems: s.maxItems },
      ),
    );
  if (s.uniqueItems === true) links.push(UNIQUE);
  return call(["z", "tuple"], args, links);
}

// ---- printing: IR → TypeScript expression ----------------------------------------------

const f = ts.factory;

/** `ref` names resolve to identifiers of schema constants. */
export function irToExpression(ir: ZodIR, refs: (name: string) => string): ts.Expression {
  const { head } = ir;
  let expression: ts.Expression;
  if ("ref" in head) {
    expression = f.createIdentifier(refs(head.ref));
  } else {
    const callee = head.call
      .slice(1)
      .reduce<ts.Expression>((e, p) => f.createPropertyAccessExpression(e, p), f.createIdentifier(head.call[0]!));
    expression = f.createCallExpression(
      callee,
      undefined,
      head.args.map((a) => argExpression(a, refs)),
    );
  }
  for (const link of ir.chain) {
    expression = f.createCallExpression(
      f.createPropertyAccessExpression(expression, link.method),
      undefined,
      link.args.map((a) => argExpression(a, refs)),
    );
  }
  return expression;
}

function argExpression(arg: Arg, refs: (name: string) => string): ts.Expression {
  if ("json" in arg) return jsonExpression(arg.json);
  if ("ir" in arg) return irToExpression(arg.ir, refs);
  if ("irs" in arg)
    return f.createArrayLiteralExpression(
      arg.irs.map((ir) => irToExpression(ir, refs)),
      false,
    );
  if ("regex" in arg)
    return f.createNewExpression(f.createIdentifier("RegExp"), undefined, [f.createStringLiteral(arg.regex), f.createStringLiteral("u")]);
  if ("member" in arg)
    return arg.member.slice(1).reduce<ts.Expression>((e, p) => f.createPropertyAccessExpression(e, p), f.createIdentifier(arg.member[0]!));
  if ("thunk" in arg)
    return f.createArrowFunction(
      undefined,
      undefined,
      [],
      undefined,
      f.createToken(ts.SyntaxKind.EqualsGreaterThanToken),
      irToExpression(arg.thunk, refs),
    );
  // The generator's own code, never a spec's text: printed as it is.
  if ("code" in arg) return f.createIdentifier(arg.code);
  // The same, around schemas printed from the IR (each a printed expression, its strings literals).
  if ("check" in arg) return f.createIdentifier(checkSource(arg.check, (ir) => printExpression(irToExpression(ir, refs))));
  return f.createObjectLiteralExpression(
    Object.entries(arg.shape).map(([name, ir]) => f.createPropertyAssignment(propertyName(name), irToExpression(ir, refs))),
    true,
  );
}

/** A JSON value as a literal; `multiLine` prints each object property on its own line. */
export function jsonExpression(value: JsonValue, multiLine = false): ts.Expression {
  if (value === null) return f.createNull();
  if (typeof value === "boolean") return value ? f.createTrue() : f.createFalse();
  if (typeof value === "number") {
    return value < 0
      ? f.createPrefixUnaryExpression(ts.SyntaxKind.MinusToken, f.createNumericLiteral(-value))
      : f.createNumericLiteral(value);
  }
  if (typeof value === "string") return f.createStringLiteral(value);
  // Laid out over lines (`multiLine`): a list or object spreads only when it holds another, so flat ones stay on one line.
  const nested = (items: readonly JsonValue[]) =>
    multiLine && items.some((item) => item !== null && typeof item === "object" && Object.keys(item).length > 0);
  if (Array.isArray(value))
    return f.createArrayLiteralExpression(
      value.map((item) => jsonExpression(item, multiLine)),
      nested(value),
    );
  return f.createObjectLiteralExpression(
    Object.entries(value).map(([k, v]) => f.createPropertyAssignment(propertyName(k), jsonExpression(v, multiLine))),
    nested(Object.values(value)),
  );
}

function propertyName(name: string): ts.PropertyName {
  return /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(name) && name !== "__proto__" ? f.createIdentifier(name) : f.createStringLiteral(name);
}

const printer = ts.createPrinter({ newLine: ts.NewLineKind.LineFeed });
const scratch = ts.createSourceFile("scratch.ts", "", ts.ScriptTarget.ES2022, false, ts.ScriptKind.TS);
export const printExpression = (node: ts.Node) => literalSafe(printer.printNode(ts.EmitHint.Unspecified, node, scratch));

/**
 * Printed code whose string literals escape DEL as well: TypeScript's printer escapes every other
 * control character and everything outside ASCII, but leaves DEL as it is. Outside a literal, printed
 * code holds none (an identifier cannot, and comments go through commentSafe).
 */
export const literalSafe = (printed: string) => printed.replace(/\u007F/g, "\\u007F");

// ---- evaluating: IR → live zod schema (for zod-to-ts) ------------------------------------

/**
 * `refs` turns a reference into the schema standing for it (a placeholder zod-to-ts overrides);
 * `json`, where given, stands for untyped JSON the same way (zod-to-ts would print `z.json()` as
 * an auxiliary type it never declares), and means the schema is built for its type: annotations
 * then become one description, the JSDoc zod-to-ts prints.
 */
export function irToZod(ir: ZodIR, refs: (name: string) => z.ZodType, json?: () => z.ZodType): z.ZodType {
  const { head } = ir;
  let schema: unknown;
  if ("ref" in head) {
    schema = refs(head.ref);
  } else if (json && isJson(head)) {
    schema = json();
  } else {
    let owner: unknown;
    let fn: unknown = { z };
    // A closed object is TypeScript's default already; zod-to-ts would add a `never` index signature.
    // Not so an empty one: `{}` is any value but null and undefined, so it keeps the signature. An
    // open one is typed by the keys it names: a TypeScript object type admits more keys already, and
    // an `unknown` index signature would only hide a misspelt field.
    // Built for a JSON Schema, a const's object stays closed: zod's input JSON Schema of z.object is
    // open, and would admit a key the parser refuses.
    const empty = head.args.some((a) => "shape" in a && Object.keys(a.shape).length === 0);
    const asObject = head.call[1] === "strictObject" && !empty && (json !== undefined || ir.exact !== true);
    const path = asObject || (json && head.call[1] === "looseObject") ? ["z", "object"] : head.call;
    for (const part of path) [owner, fn] = [fn, (fn as Record<string, unknown>)[part]];
    schema = (fn as (...a: unknown[]) => unknown).apply(
      owner,
      head.args.map((a) => argValue(a, refs, json)),
    );
  }
  for (const link of ir.chain) {
    // Descriptions reach zod-to-ts, which copies them into JSDoc as they are: neutralize `*/` first.
    const first = (link.args[0] as { json: JsonValue } | undefined)?.json;
    if (json && link.method === "meta") {
      schema = (schema as z.ZodType).describe(commentSafe(docText(first as PayloadSchema) ?? ""));
      continue;
    }
    const args = link.method === "describe" ? [commentSafe(String(first))] : link.args.map((a) => argValue(a, refs, json));
    schema = (schema as Record<string, (...a: unknown[]) => unknown>)[link.method]!(...args);
    // For a JSON Schema, what a refinement checks is said in JSON Schema's words.
    const hint = link.args
      .map((a) => ("code" in a ? a.jsonSchema : "check" in a ? a.check.jsonSchema : undefined))
      .find((h) => h !== undefined);
    if (!json && hint) schema = (schema as z.ZodType).meta(withCarried(z.globalRegistry.get(schema as z.ZodType), hint));
  }
  return schema as z.ZodType;
}

/**
 * Keywords checks.ts checks one key at a time, a refinement per key: each carries its own key only,
 * so each must add to the keys carried before it, or the JSON Schema kept the last key alone. Every
 * other carried keyword comes whole from one refinement.
 */
const CARRIED_BY_KEY = ["dependentRequired", "dependentSchemas"] as const;

/** A schema's metadata with a refinement's carried keywords added: a keyword by key gets all keys, in the spec's order. */
function withCarried(meta: Record<string, unknown> | undefined, hint: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const merged = { ...meta, ...hint };
  for (const keyword of CARRIED_BY_KEY)
    if (keyword in hint && meta?.[keyword] !== undefined)
      merged[keyword] = { ...(meta[keyword] as Record<string, unknown>), ...(hint[keyword] as Record<string, unknown>) };
  return merged;
}

function argValue(arg: Arg, refs: (name: string) => z.ZodType, json: (() => z.ZodType) | undefined): unknown {
  if ("json" in arg) return arg.json;
  if ("ir" in arg) return irToZod(arg.ir, refs, json);
  if ("irs" in arg) return arg.irs.map((ir) => irToZod(ir, refs, json));
  if ("regex" in arg) return new RegExp(arg.regex, "u");
  if ("member" in arg) return arg.member.slice(1).reduce<unknown>((value, p) => (value as Record<string, unknown>)[p], z);
  if ("thunk" in arg) return () => irToZod(arg.thunk, refs, json);
  if ("code" in arg) return arg.value;
  if ("check" in arg) return checkValue(arg.check, (ir) => irToZod(ir, refs, json));
  return Object.fromEntries(Object.entries(arg.shape).map(([k, ir]) => [k, irToZod(ir, refs, json)]));
}

/**
 * Text that can sit inside a block comment: it can never close it or end its line, and a character
 * that makes code read otherwise than it compiles (a bidi override or isolate, Trojan Source) or
 * that a terminal acts on (a control character) shows as its escape, `\u202E`, instead.
 */
export function commentSafe(text: string): string {
  return text
    .replace(/\*\//g, "*\\/")
    .replace(/\r\n?|[\n\u2028\u2029]/g, " ")
    .replace(
      /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/g,
      (c) => `\\u${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, "0")}`,
    );
}
