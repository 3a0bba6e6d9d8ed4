import { ts } from "ts-morph";
import { z } from "zod";
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
}
type Link = { readonly method: string; readonly args: readonly Arg[] };
type Arg =
  | { readonly json: JsonValue }
  | { readonly ir: ZodIR }
  | { readonly irs: readonly ZodIR[] }
  | { readonly shape: Readonly<Record<string, ZodIR>> }
  | { readonly regex: string }
  /** A value zod exports, such as `z.regexes.guid`. */
  | { readonly member: readonly string[] };

const call = (path: string[], args: Arg[] = [], chain: Link[] = []): ZodIR => ({ head: { call: path, args }, chain });
const withLinks = (ir: ZodIR, ...links: Link[]): ZodIR => ({ ...ir, chain: [...ir.chain, ...links] });

/**
 * String formats as JSON Schema means them. `uuid` is RFC 4122's layout, 8-4-4-4-12 hex digits
 * whatever the version and variant bits (z.uuid() also insists on those), refused with z.uuid()'s
 * message; `date-time` is RFC 3339's, a time with seconds and Z or an offset.
 */
const FORMATS: Record<string, ZodIR> = {
  uuid: call(["z", "string"], [], [{ method: "regex", args: [{ member: ["z", "regexes", "guid"] }, { json: "Invalid UUID" }] }]),
  email: call(["z", "email"]),
  uri: call(["z", "url"]),
  "date-time": call(["z", "iso", "datetime"], [{ json: { offset: true } }]),
};

export function toIR(schema: SchemaOrRef): ZodIR {
  if (typeof schema === "string") return { head: { ref: schema }, chain: [] };
  const links: Link[] = [];
  if (schema.default !== undefined) links.push({ method: "default", args: [{ json: schema.default }] });
  if (schema.description !== undefined) links.push({ method: "describe", args: [{ json: schema.description }] });
  return withLinks(base(schema), ...links);
}

/** What a schema that says nothing of its type accepts: any JSON value, typed as the generated `JsonValue`. */
const JSON_IR = call(["z", "json"]);
export const JSON_TYPE = "JsonValue";

function base(s: PayloadSchema): ZodIR {
  if (s.const !== undefined) return exactly(s.const);
  if (s.enum !== undefined) {
    return s.enum.every((v) => typeof v === "string")
      ? call(["z", "enum"], [{ json: s.enum }])
      : s.enum.length === 1
        ? exactly(s.enum[0]!)
        : call(["z", "union"], [{ irs: s.enum.map(exactly) }]);
  }
  const types = s.type === undefined ? inferred(s) : Array.isArray(s.type) ? s.type : [s.type];
  if (types.length === 0) return JSON_IR;
  const nonNull = types.filter((t) => t !== "null");
  if (types.length > 1) {
    const single = nonNull.length === 1 ? ofType(nonNull[0]!, s) : call(["z", "union"], [{ irs: nonNull.map((t) => ofType(t, s)) }]);
    return types.includes("null") ? withLinks(single, { method: "nullable", args: [] }) : single;
  }
  return ofType(types[0]!, s);
}

function inferred(s: PayloadSchema): string[] {
  if (s.properties !== undefined || s.additionalProperties !== undefined || s.required !== undefined) return ["object"];
  if (s.items !== undefined) return ["array"];
  return [];
}

/**
 * Exactly one JSON value, deep: an object is a closed object of exact values (its keys in any
 * order, none missing, none extra), an array a tuple of them. Its type is the value's own shape.
 */
function exactly(value: JsonValue): ZodIR {
  if (value === null) return call(["z", "null"]);
  if (Array.isArray(value)) return call(["z", "tuple"], [{ irs: value.map(exactly) }]);
  if (typeof value === "object") return call(["z", "strictObject"], [{ shape: Object.fromEntries(Object.entries(value).map(([k, v]) => [k, exactly(v)])) }]);
  return call(["z", "literal"], [{ json: value }]);
}

/** Whether a schema accepts untyped JSON anywhere, so that its printed type names `JsonValue`. */
export function usesJson(ir: ZodIR): boolean {
  const argUses = (arg: Arg): boolean =>
    "ir" in arg ? usesJson(arg.ir) : "irs" in arg ? arg.irs.some(usesJson) : "shape" in arg ? Object.values(arg.shape).some(usesJson) : false;
  const { head } = ir;
  if ("call" in head && (isJson(head) || head.args.some(argUses))) return true;
  return ir.chain.some((link) => link.args.some(argUses));
}

const isJson = (head: ZodIR["head"]) => "call" in head && head.call.length === 2 && head.call[0] === "z" && head.call[1] === "json";

function bounds(min: number | undefined, max: number | undefined): Link[] {
  const links: Link[] = [];
  if (min !== undefined) links.push({ method: "min", args: [{ json: min }] });
  if (max !== undefined) links.push({ method: "max", args: [{ json: max }] });
  return links;
}

function ofType(type: string, s: PayloadSchema): ZodIR {
  switch (type) {
    case "string": {
      const links = bounds(s.minLength, s.maxLength);
      if (s.pattern !== undefined) links.push({ method: "regex", args: [{ regex: s.pattern }] });
      return withLinks(s.format === undefined ? call(["z", "string"]) : FORMATS[s.format]!, ...links);
    }
    case "integer":
      return call(["z", "int"], [], bounds(s.minimum, s.maximum));
    case "number":
      return call(["z", "number"], [], bounds(s.minimum, s.maximum));
    case "boolean":
      return call(["z", "boolean"]);
    case "null":
      return call(["z", "null"]);
    case "array":
      return call(["z", "array"], [{ ir: s.items === undefined ? JSON_IR : toIR(s.items) }], bounds(s.minItems, s.maxItems));
    default: {
      const required = new Set(s.required ?? []);
      const shape = Object.fromEntries(
        Object.entries(s.properties ?? {}).map(([name, property]) => {
          const ir = toIR(property);
          const hasDefault = typeof property === "object" && property.default !== undefined;
          return [name, required.has(name) || hasDefault ? ir : withLinks(ir, { method: "optional", args: [] })];
        }),
      );
      const extra = s.additionalProperties;
      if (extra === false) return call(["z", "strictObject"], [{ shape }]);
      // `true` is JSON Schema's `{}`: any key kept, its value any JSON.
      if (extra !== undefined) return call(["z", "object"], [{ shape }], [{ method: "catchall", args: [{ ir: extra === true ? JSON_IR : toIR(extra) }] }]);
      return call(["z", "object"], [{ shape }]);
    }
  }
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
    const callee = head.call.slice(1).reduce<ts.Expression>((e, p) => f.createPropertyAccessExpression(e, p), f.createIdentifier(head.call[0]!));
    expression = f.createCallExpression(callee, undefined, head.args.map((a) => argExpression(a, refs)));
  }
  for (const link of ir.chain) {
    expression = f.createCallExpression(f.createPropertyAccessExpression(expression, link.method), undefined, link.args.map((a) => argExpression(a, refs)));
  }
  return expression;
}

function argExpression(arg: Arg, refs: (name: string) => string): ts.Expression {
  if ("json" in arg) return jsonExpression(arg.json);
  if ("ir" in arg) return irToExpression(arg.ir, refs);
  if ("irs" in arg) return f.createArrayLiteralExpression(arg.irs.map((ir) => irToExpression(ir, refs)), false);
  if ("regex" in arg) return f.createNewExpression(f.createIdentifier("RegExp"), undefined, [f.createStringLiteral(arg.regex), f.createStringLiteral("u")]);
  if ("member" in arg) return arg.member.slice(1).reduce<ts.Expression>((e, p) => f.createPropertyAccessExpression(e, p), f.createIdentifier(arg.member[0]!));
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
    return value < 0 ? f.createPrefixUnaryExpression(ts.SyntaxKind.MinusToken, f.createNumericLiteral(-value)) : f.createNumericLiteral(value);
  }
  if (typeof value === "string") return f.createStringLiteral(value);
  if (Array.isArray(value)) return f.createArrayLiteralExpression(value.map((item) => jsonExpression(item, multiLine)), false);
  return f.createObjectLiteralExpression(
    Object.entries(value).map(([k, v]) => f.createPropertyAssignment(propertyName(k), jsonExpression(v, multiLine))),
    multiLine && Object.keys(value).length > 0,
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
 * an auxiliary type it never declares).
 */
export function irToZod(ir: ZodIR, refs: (name: string) => z.ZodType, json?: () => z.ZodType): z.ZodType {
  const { head } = ir;
  let schema: unknown;
  if ("ref" in head) {
    schema = refs(head.ref);
  } else if (json && isJson(head)) {
    schema = json();
  } else {
    let owner: unknown = undefined;
    let fn: unknown = { z };
    // A closed object is TypeScript's default already; zod-to-ts would add a `never` index signature.
    // Not so an empty one: `{}` is any value but null and undefined, so it keeps the signature.
    const empty = head.args.some((a) => "shape" in a && Object.keys(a.shape).length === 0);
    const path = head.call[1] === "strictObject" && !empty ? ["z", "object"] : head.call;
    for (const part of path) [owner, fn] = [fn, (fn as Record<string, unknown>)[part]];
    schema = (fn as (...a: unknown[]) => unknown).apply(owner, head.args.map((a) => argValue(a, refs, json)));
  }
  for (const link of ir.chain) {
    // Descriptions reach zod-to-ts, which copies them into JSDoc as they are: neutralize `*/` first.
    const args = link.method === "describe" ? [commentSafe(String((link.args[0] as { json: string }).json))] : link.args.map((a) => argValue(a, refs, json));
    schema = (schema as Record<string, (...a: unknown[]) => unknown>)[link.method]!(...args);
  }
  return schema as z.ZodType;
}

function argValue(arg: Arg, refs: (name: string) => z.ZodType, json: (() => z.ZodType) | undefined): unknown {
  if ("json" in arg) return arg.json;
  if ("ir" in arg) return irToZod(arg.ir, refs, json);
  if ("irs" in arg) return arg.irs.map((ir) => irToZod(ir, refs, json));
  if ("regex" in arg) return new RegExp(arg.regex, "u");
  if ("member" in arg) return arg.member.slice(1).reduce<unknown>((value, p) => (value as Record<string, unknown>)[p], z);
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
    .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/g, (c) => `\\u${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, "0")}`);
}
