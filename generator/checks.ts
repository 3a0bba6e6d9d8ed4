import type { z } from "zod";
import { keywordsWhere } from "./keywords.ts";
import { isSchema, SCHEMA_HOLDERS, type JsonValue, type PayloadSchema, type SchemaOrRef } from "./spec-format.ts";

/**
 * Keywords zod has no method for, checked by a refinement the generator writes: `if`/`then`/`else`,
 * `not`, `dependentRequired`, `dependentSchemas`, `propertyNames`, `contains` (with `minContains`,
 * `maxContains`) and `unevaluatedProperties: false`. Each is one `.superRefine` (or `.refine`) whose
 * source is printed around the schemas it runs (printed from the IR, so every string in them is a
 * literal) and whose live twin runs the same logic for the generator. An issue a refinement adds
 * names the bad field's path (a missing dependent key, a bad key, the field `then` refuses), so a
 * refusal says where, as zod's own do. zod's toJSONSchema drops refinements: each check carries
 * its keyword as the spec wrote it (`jsonSchema`), put into the generated JSON Schema as metadata,
 * but for the references in it (`Carried`).
 */
export const CHECK_KEYWORDS = keywordsWhere("check");

/**
 * A reference the spec wrote inside a carried keyword (`then: { properties: { x: { $ref: money } } }`),
 * as the IR of that reference. Copied as written, it would name the spec's own schema, which the
 * generated JSON Schema does not hold under that name (or at all): emit/schema.ts writes it as zod
 * writes every other reference, the named schema inline or `$ref: "#/definitions/<TypeName>"`.
 * A pointer into a named schema or another file is no reference by now (pointers.ts inlined it).
 */
export class CarriedRef<IR> {
  constructor(readonly ir: IR) {}
}

/** A carried keyword's value: the spec's JSON, each reference in it a `CarriedRef`. */
export type Carried<IR> = JsonValue | CarriedRef<IR> | readonly Carried<IR>[] | { readonly [key: string]: Carried<IR> };

/** A subschema as the spec wrote it, each reference in it (at any depth) the IR `build` gives that reference. */
function carried<IR>(schema: SchemaOrRef, build: (schema: SchemaOrRef) => IR): Carried<IR> {
  if (typeof schema === "string" || schema.$ref !== undefined) return new CarriedRef(build(schema));
  const one = (inner: unknown) => (isSchema(inner) ? carried(inner, build) : (inner as JsonValue));
  const copy: Record<string, Carried<IR>> = { ...(schema as Record<string, JsonValue>) };
  for (const [keyword, holds] of Object.entries(SCHEMA_HOLDERS)) {
    const value = (schema as Record<string, unknown>)[keyword];
    if (value === undefined) continue;
    copy[keyword] =
      holds === "byName"
        ? Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([key, inner]) => [key, one(inner)]))
        : Array.isArray(value)
          ? value.map(one)
          : one(value);
  }
  return copy;
}

/** `IR` is zod-ir's IR (generic here so this module does not import it back). */
export type Check<IR = unknown> =
  | {
      readonly kind: "if";
      readonly irs: Readonly<{ if: IR; then?: IR; else?: IR }>;
      readonly jsonSchema: Readonly<Record<string, Carried<IR>>>;
    }
  | { readonly kind: "not"; readonly irs: Readonly<{ not: IR }>; readonly jsonSchema: Readonly<Record<string, Carried<IR>>> }
  | {
      readonly kind: "dependentRequired";
      readonly key: string;
      readonly names: readonly string[];
      readonly irs: Readonly<Record<string, never>>;
      readonly jsonSchema: Readonly<Record<string, Carried<IR>>>;
    }
  | {
      readonly kind: "dependentSchema";
      readonly key: string;
      readonly irs: Readonly<{ dependentSchema: IR }>;
      readonly jsonSchema: Readonly<Record<string, Carried<IR>>>;
    }
  | {
      readonly kind: "propertyNames";
      readonly irs: Readonly<{ propertyNames: IR }>;
      readonly jsonSchema: Readonly<Record<string, Carried<IR>>>;
    }
  | {
      readonly kind: "contains";
      readonly min: number;
      readonly max?: number;
      readonly irs: Readonly<{ contains: IR }>;
      readonly jsonSchema: Readonly<Record<string, Carried<IR>>>;
    }
  /** Also a closed object inside an intersection, whose other side zod lets keep its keys: no JSON Schema of its own then. */
  | {
      readonly kind: "unevaluated";
      readonly known: readonly string[];
      readonly irs: Readonly<Record<string, never>>;
      readonly jsonSchema?: Readonly<Record<string, Carried<IR>>>;
    };

/** A link of zod-ir's chain: `.superRefine(<check>)`. */
export type CheckLink<IR> = { readonly method: "superRefine"; readonly args: readonly [{ readonly check: Check<IR> }] };
const link = <IR>(check: Check<IR>): CheckLink<IR> => ({ method: "superRefine", args: [{ check }] });

/** The refinements a schema's check keywords make, in a fixed order; `build` turns a subschema into IR. */
export function checkLinks<IR>(
  s: PayloadSchema,
  build: (schema: SchemaOrRef) => IR,
  evaluated: (s: PayloadSchema) => readonly string[] | undefined,
): CheckLink<IR>[] {
  const links: CheckLink<IR>[] = [];
  const json = (value: SchemaOrRef) => carried(value, build);
  // `then`/`else` without `if` are ignored, as JSON Schema ignores them.
  if (s.if !== undefined && (s.then !== undefined || s.else !== undefined)) {
    const irs = {
      if: build(s.if),
      ...(s.then === undefined ? {} : { then: build(s.then) }),
      ...(s.else === undefined ? {} : { else: build(s.else) }),
    };
    links.push(
      link({
        kind: "if",
        irs,
        jsonSchema: {
          if: json(s.if),
          ...(s.then === undefined ? {} : { then: json(s.then) }),
          ...(s.else === undefined ? {} : { else: json(s.else) }),
        },
      }),
    );
  }
  if (s.not !== undefined) links.push(link({ kind: "not", irs: { not: build(s.not) }, jsonSchema: { not: json(s.not) } }));
  for (const [key, names] of Object.entries(s.dependentRequired ?? {})) {
    if (names.length > 0)
      links.push(link({ kind: "dependentRequired", key, names, irs: {}, jsonSchema: { dependentRequired: { [key]: names } } }));
  }
  for (const [key, schema] of Object.entries(s.dependentSchemas ?? {})) {
    links.push(
      link({
        kind: "dependentSchema",
        key,
        irs: { dependentSchema: build(schema) },
        jsonSchema: { dependentSchemas: { [key]: json(schema) } },
      }),
    );
  }
  if (s.propertyNames !== undefined)
    links.push(
      link({ kind: "propertyNames", irs: { propertyNames: build(s.propertyNames) }, jsonSchema: { propertyNames: json(s.propertyNames) } }),
    );
  // minContains and maxContains without contains are ignored, as JSON Schema ignores them.
  if (s.contains !== undefined) {
    const min = s.minContains ?? 1;
    const bounds = {
      ...(s.minContains === undefined ? {} : { minContains: s.minContains }),
      ...(s.maxContains === undefined ? {} : { maxContains: s.maxContains }),
    };
    links.push(
      link({
        kind: "contains",
        min,
        ...(s.maxContains === undefined ? {} : { max: s.maxContains }),
        irs: { contains: build(s.contains) },
        jsonSchema: { contains: json(s.contains), ...bounds },
      }),
    );
  }
  // Over the keys the schema evaluates (its properties, its parts' and branches'); none to check when any key may be.
  const known = s.unevaluatedProperties === false ? evaluated(s) : undefined;
  if (known !== undefined)
    links.push(link({ kind: "unevaluated", known: [...new Set(known)].sort(), irs: {}, jsonSchema: { unevaluatedProperties: false } }));
  return links;
}

/**
 * A closed part of an intersection (`allOf` of a closed object and a union): zod's intersection
 * reports a key only one side does not know as no problem, so the closed part's refusal is checked
 * here, as JSON Schema's additionalProperties sees it (the part's own properties only).
 */
export function closedLink<IR>(known: readonly string[]): CheckLink<IR> {
  return link<IR>({ kind: "unevaluated", known: [...new Set(known)].sort(), irs: {} });
}

/** A JSON string literal with everything outside printable ASCII escaped, as TypeScript's printer has it. */
const lit = (value: JsonValue) =>
  JSON.stringify(value).replace(/[\u007F-\uFFFF]/g, (c) => `\\u${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, "0")}`);

const OBJECT = `typeof value === "object" && value !== null && !Array.isArray(value)`;
/** Copies a subschema's issues onto the value, their paths relative to it. */
const FORWARD = (result: string) =>
  `for (const issue of ${result}?.error?.issues ?? []) ctx.addIssue({ code: "custom", message: issue.message, path: issue.path });`;

/**
 * The helper parse.ts declares when a module needs it: a refinement that runs other schemas gets
 * them from it, built on the refinement's first run and then kept. Built inside the callback, they
 * were built again on every parse (building a zod schema costs far more than running it). Built as
 * the module loads, every start of a Worker would pay for all of them, and they could only name
 * schemas declared above (a recursion's names, further down or the schema itself, are z.lazy today).
 */
export const REFINE_WITH = "refineWith";

/** Whether a check runs schemas of its own, and so is printed through `refineWith`. */
export const runsSchemas = (check: Check<unknown>): boolean => Object.keys(check.irs).length > 0;

/** `refineWith(() => ({ <keyword>: <schema>, … }), (value, ctx, schemas) => { <body> })`: `body` reads each schema under its keyword, `schemas.not`. */
function refineWith<IR>(irs: Readonly<Record<string, IR>>, print: (ir: IR) => string, body: string): string {
  const schemas = Object.entries(irs).map(([name, ir]) => `  ${name}: ${print(ir)}`);
  return `${REFINE_WITH}(() => ({\n${schemas.join(",\n")}\n}), (value, ctx, schemas) => {\n${body}\n})`;
}

/** The refinement's source, around the schemas `print` gives. Only the generator's text and literals. */
export function checkSource<IR>(check: Check<IR>, print: (ir: IR) => string): string {
  switch (check.kind) {
    case "if": {
      const { then, else: otherwise } = check.irs;
      return refineWith(
        check.irs,
        print,
        `  const result = schemas.if.safeParse(value).success ? ${then ? "schemas.then.safeParse(value)" : "undefined"} : ${otherwise ? "schemas.else.safeParse(value)" : "undefined"};
  ${FORWARD("result")}`,
      );
    }
    case "not":
      return refineWith(
        check.irs,
        print,
        `  if (schemas.not.safeParse(value).success) ctx.addIssue({ code: "custom", message: "Invalid input: matches the schema under not" });`,
      );
    case "dependentRequired":
      return `(value, ctx) => {
  if (!(${OBJECT}) || !(${lit(check.key)} in value)) return;
  for (const name of ${lit([...check.names])}) if (!(name in value)) ctx.addIssue({ code: "custom", message: ${lit(`Required when "${check.key}" is present`)}, path: [name] });
}`;
    case "dependentSchema":
      return refineWith(
        check.irs,
        print,
        `  if (!(${OBJECT}) || !(${lit(check.key)} in value)) return;
  ${FORWARD("schemas.dependentSchema.safeParse(value)")}`,
      );
    case "propertyNames":
      return refineWith(
        check.irs,
        print,
        `  if (!(${OBJECT})) return;
  for (const key of Object.keys(value)) {
    for (const issue of schemas.propertyNames.safeParse(key).error?.issues ?? []) ctx.addIssue({ code: "custom", message: \`Invalid key \${JSON.stringify(key)}: \${issue.message}\`, path: [key] });
  }`,
      );
    case "contains": {
      const max =
        check.max === undefined
          ? ""
          : `\n  if (count > ${check.max}) ctx.addIssue({ code: "custom", message: ${lit(`Too many items match the schema under contains: expected at most ${check.max}`)} });`;
      return refineWith(
        check.irs,
        print,
        `  if (!Array.isArray(value)) return;
  const count = value.filter((item) => schemas.contains.safeParse(item).success).length;
  if (count < ${check.min}) ctx.addIssue({ code: "custom", message: ${lit(`Too few items match the schema under contains: expected at least ${check.min}`)} });${max}`,
      );
    }
    case "unevaluated":
      return `(value, ctx) => {
  if (!(${OBJECT})) return;
  const known = new Set<string>(${lit([...check.known])});
  for (const key of Object.keys(value)) if (!known.has(key)) ctx.addIssue({ code: "custom", message: \`Unrecognized key: \${JSON.stringify(key)}\`, path: [key] });
}`;
  }
}

type Ctx = { addIssue(issue: { code: "custom"; message: string; path?: PropertyKey[] }): void };
const isObject = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);
const forward = (ctx: Ctx, result: { error?: { issues: readonly { message: string; path: PropertyKey[] }[] } } | undefined) => {
  for (const issue of result?.error?.issues ?? []) ctx.addIssue({ code: "custom", message: issue.message, path: issue.path });
};

/** The same refinement, live, over the schemas `live` gives: what the generator runs (zod-to-ts, JSON Schema, checks). */
export function checkValue<IR>(check: Check<IR>, live: (ir: IR) => z.ZodType): (value: unknown, ctx: Ctx) => void {
  switch (check.kind) {
    case "if": {
      const [condition, then, otherwise] = [
        live(check.irs.if),
        check.irs.then && live(check.irs.then),
        check.irs.else && live(check.irs.else),
      ];
      return (value, ctx) => forward(ctx, condition.safeParse(value).success ? then?.safeParse(value) : otherwise?.safeParse(value));
    }
    case "not": {
      const not = live(check.irs.not);
      return (value, ctx) => {
        if (not.safeParse(value).success) ctx.addIssue({ code: "custom", message: "Invalid input: matches the schema under not" });
      };
    }
    case "dependentRequired":
      return (value, ctx) => {
        if (!isObject(value) || !(check.key in value)) return;
        for (const name of check.names)
          if (!(name in value)) ctx.addIssue({ code: "custom", message: `Required when "${check.key}" is present`, path: [name] });
      };
    case "dependentSchema": {
      const schema = live(check.irs.dependentSchema);
      return (value, ctx) => {
        if (isObject(value) && check.key in value) forward(ctx, schema.safeParse(value));
      };
    }
    case "propertyNames": {
      const names = live(check.irs.propertyNames);
      return (value, ctx) => {
        if (!isObject(value)) return;
        for (const key of Object.keys(value)) {
          for (const issue of names.safeParse(key).error?.issues ?? [])
            ctx.addIssue({ code: "custom", message: `Invalid key ${JSON.stringify(key)}: ${issue.message}`, path: [key] });
        }
      };
    }
    case "contains": {
      const item = live(check.irs.contains);
      return (value, ctx) => {
        if (!Array.isArray(value)) return;
        const count = value.filter((v) => item.safeParse(v).success).length;
        if (count < check.min)
          ctx.addIssue({ code: "custom", message: `Too few items match the schema under contains: expected at least ${check.min}` });
        if (check.max !== undefined && count > check.max)
          ctx.addIssue({ code: "custom", message: `Too many items match the schema under contains: expected at most ${check.max}` });
      };
    }
    case "unevaluated": {
      const known = new Set(check.known);
      return (value, ctx) => {
        if (!isObject(value)) return;
        for (const key of Object.keys(value))
          if (!known.has(key)) ctx.addIssue({ code: "custom", message: `Unrecognized key: ${JSON.stringify(key)}`, path: [key] });
      };
    }
  }
}
