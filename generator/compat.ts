/**
 * Whether intents stored under one version of a schema still parse under the
 * next. Both sides are JSON Schema as zod prints it: the old schema's *output*
 * (what `parseIntent` stored: defaults filled in, unknown keys stripped) and
 * the new schema's *input* (what `parseIntent` will accept). The change is
 * compatible when every value the old output can hold is accepted by the new
 * input; each way it is not is one `Break`, with a stored value that shows it.
 *
 * The check is sound for what it reports and conservative where it cannot
 * decide (a changed `pattern` is reported, since two regular expressions
 * cannot be compared in general).
 */

import { canonicalJson } from "../runtime/contract/canonical-json.ts";

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };
export type JsonSchema = boolean | { readonly [keyword: string]: unknown };

export interface Break {
  /** Where in the payload: `$`, `items[*].quantity`. */
  readonly path: string;
  /** The same, as property names and `*` for an array's items. */
  readonly segments: readonly (string | number)[];
  /** The schema keyword the new version tightened, as it reads in a spec. */
  readonly keyword: string;
  /** What became stricter, in words. */
  readonly rule: string;
  /** A value the old version stored that the new one refuses. */
  readonly example: JsonValue;
}

/**
 * The JSON Schema keywords this check compares (as zod prints a generated schema), each with a
 * rule: a spec keyword's compatibility rule (COMPAT_RULES) names the ones it becomes, so a keyword
 * that became one not listed here would not compile. Annotations are not listed: they never break.
 */
export const COMPARED_KEYWORDS = [
  "type",
  "$ref",
  "anyOf",
  "oneOf",
  "allOf",
  "const",
  "enum",
  "default",
  "properties",
  "required",
  "additionalProperties",
  "propertyNames",
  "minProperties",
  "maxProperties",
  "items",
  "additionalItems",
  "minItems",
  "maxItems",
  "uniqueItems",
  "minLength",
  "maxLength",
  "pattern",
  "format",
  "contentEncoding",
  "minimum",
  "maximum",
  "exclusiveMinimum",
  "exclusiveMaximum",
  "multipleOf",
  "if",
  "then",
  "else",
  "not",
  "dependentRequired",
  "dependentSchemas",
  "contains",
  "minContains",
  "maxContains",
  "unevaluatedProperties",
] as const;
export type ComparedKeyword = (typeof COMPARED_KEYWORDS)[number];

type Schema = Readonly<Record<string, unknown>>;
type Segment = string | number;

const TYPES = ["null", "boolean", "object", "array", "number", "integer", "string"] as const;

/** Every way `next` (input) refuses values `stored` (output) may hold; empty when the change is compatible. */
export function breakingChanges(stored: JsonSchema, next: JsonSchema): Break[] {
  const breaks: { at: Segment[]; keyword: string; rule: string; value: JsonValue }[] = [];
  const roots = { stored: asSchema(stored), next: asSchema(next) };
  const comparing = new Set<string>();
  compare(roots.stored, roots.next, []);
  const base = sample(roots.stored, roots.stored);
  return breaks.map(({ at, keyword, rule, value }) => ({
    path: pathText(at),
    segments: at,
    keyword,
    rule,
    example: place(base, at, value),
  }));

  /**
   * A recursive schema (untyped JSON, a tree) comes back to a pair it is already comparing through a
   * `$ref`: that pair counts as compatible (the coinductive rule), since the comparison further up
   * explores it whole and reports any break it holds there. A cycle resolves a `$ref` at every turn,
   * here or in an `allOf` part, so only those pairs are keyed.
   */
  function compare(old: Schema, neu: Schema, at: Segment[]): void {
    const key = [old, neu].some((s) => "$ref" in s || "allOf" in s) ? canonicalJson([old, neu]) : undefined;
    if (key === undefined) return compareOnce(old, neu, at);
    if (comparing.has(key)) return;
    comparing.add(key);
    try {
      compareOnce(old, neu, at);
    } finally {
      comparing.delete(key);
    }
  }

  function compareOnce(old: Schema, neu: Schema, at: Segment[]): void {
    old = resolve(old, roots.stored);
    neu = resolve(neu, roots.next);
    const tighten = (keyword: string, rule: string, value: JsonValue) => void breaks.push({ at, keyword, rule, value });
    if (old === NEVER) return; // nothing was stored here
    if (neu === NEVER) return tighten("type", "accepts nothing any more", sample(old, roots.stored));
    refinements(old, neu, tighten, roots.stored);

    // An intersection: every part must accept what was stored.
    if (Array.isArray(neu["allOf"])) {
      const { allOf: parts, ...own } = neu;
      for (const part of [...(parts as unknown[]), ...(Object.keys(own).length > 0 ? [own] : [])]) compare(old, asSchema(part), at);
      return;
    }
    if (Array.isArray(old["allOf"])) {
      // What was stored satisfied every part: the parts' keywords together stand for it (a later part's
      // keyword over an earlier one's, so it may report a break the earlier one rules out: conservative).
      const { allOf: parts, ...own } = old;
      return compare(
        Object.assign({}, ...(parts as unknown[]).map((part) => resolve(asSchema(part), roots.stored)), own) as Schema,
        neu,
        at,
      );
    }

    // Unions: every old branch must fit some new branch.
    const oldBranches = branches(old);
    const newBranches = branches(neu);
    if (oldBranches.length > 1 || newBranches.length > 1) {
      for (const branch of oldBranches) {
        const fits = newBranches.some((candidate) => quietlyCompatible(branch, candidate, at));
        if (!fits)
          tighten(newBranches.length > 1 ? "anyOf" : "type", "no longer accepts a branch it accepted", sample(branch, roots.stored));
      }
      return;
    }

    const oldTypes = typesOf(old);
    const newTypes = typesOf(neu);
    for (const type of oldTypes) {
      if (accepts(newTypes, type)) continue;
      // A number the new version refuses when it still takes integers: one with a fraction.
      const low = lowest(old).value;
      const value =
        type === "number" && newTypes.has("integer")
          ? Number.isFinite(low)
            ? Math.floor(low) + 0.5
            : 0.5
          : sample({ ...old, type }, roots.stored);
      tighten("type", `no longer accepts ${type === "number" && newTypes.has("integer") ? "fractions" : type}`, value);
    }
    if ("const" in neu && !("const" in old && same(old["const"], neu["const"]))) {
      tighten("const", `accepts only ${JSON.stringify(neu["const"])}`, sample(old, roots.stored));
    }
    if (Array.isArray(neu["enum"])) {
      const allowed = neu["enum"] as JsonValue[];
      const before = Array.isArray(old["enum"]) ? (old["enum"] as JsonValue[]) : "const" in old ? [old["const"] as JsonValue] : null;
      const removed = before ? before.filter((value) => !allowed.some((v) => same(v, value))) : [sample(old, roots.stored)];
      for (const value of removed) tighten("enum", `no longer accepts ${JSON.stringify(value)}`, value);
    }
    if (oldTypes.has("string") || oldTypes.size === 0) strings(old, neu, tighten);
    if (oldTypes.has("number") || oldTypes.has("integer")) numbers(old, neu, tighten);
    if (oldTypes.has("array")) arrays(old, neu, at, tighten);
    if (oldTypes.has("object")) objects(old, neu, at, tighten);
  }

  function quietlyCompatible(old: Schema, neu: Schema, at: Segment[]): boolean {
    const before = breaks.length;
    compare(old, neu, at);
    const fits = breaks.length === before;
    breaks.length = before;
    return fits;
  }

  function arrays(old: Schema, neu: Schema, at: Segment[], tighten: Tighten): void {
    bound(old, neu, "minItems", "raised", tighten, (n) => Array.from({ length: n }, () => sample(asSchema(old["items"]), roots.stored)));
    bound(old, neu, "maxItems", "lowered", tighten, (n) => Array.from({ length: n }, () => sample(asSchema(old["items"]), roots.stored)));
    if (neu["uniqueItems"] === true && old["uniqueItems"] !== true) {
      const item = sample(asSchema(old["items"]), roots.stored);
      tighten("uniqueItems", "refuses repeated items", [item, item]);
    }
    if (!Array.isArray(old["items"]) && !Array.isArray(neu["items"]))
      return compare(asSchema(old["items"]), asSchema(neu["items"]), [...at, "*"]);
    // A tuple (draft-07's list under items, the rest under additionalItems): item by item, then the rest.
    const itemAt = (s: Schema, i: number) =>
      Array.isArray(s["items"]) ? (i < s["items"].length ? s["items"][i] : s["additionalItems"]) : s["items"];
    const length = (s: Schema) => (Array.isArray(s["items"]) ? s["items"].length : 0);
    const stored = Math.max(length(old), length(neu));
    for (let i = 0; i < stored; i++) compare(asSchema(itemAt(old, i)), asSchema(itemAt(neu, i)), [...at, i]);
    compare(asSchema(itemAt(old, stored)), asSchema(itemAt(neu, stored)), [...at, stored]);
  }

  function objects(old: Schema, neu: Schema, at: Segment[], tighten: Tighten): void {
    const oldProps = (old["properties"] ?? {}) as Record<string, JsonSchema>;
    const newProps = (neu["properties"] ?? {}) as Record<string, JsonSchema>;
    const oldRequired = new Set((old["required"] ?? []) as string[]);
    const newRequired = new Set((neu["required"] ?? []) as string[]);
    for (const name of newRequired) {
      if (!oldRequired.has(name)) {
        const parent = sample(old, roots.stored) as Record<string, JsonValue>;
        const { [name]: _, ...without } = parent;
        breaks.push({ at, keyword: "required", rule: `requires "${name}", which stored values may lack`, value: without });
      }
    }
    const closed = neu["additionalProperties"] === false;
    for (const [name, schema] of Object.entries(oldProps)) {
      const into = [...at, name];
      if (name in newProps) compare(asSchema(schema), asSchema(newProps[name]), into);
      else if (closed)
        breaks.push({
          at: into,
          keyword: "additionalProperties",
          rule: `refuses "${name}", which stored values may hold`,
          value: sample(asSchema(schema), roots.stored),
        });
      else if (isSchema(neu["additionalProperties"])) compare(asSchema(schema), asSchema(neu["additionalProperties"]), into);
    }
    // Keys stored beyond the named ones: only where the old output kept them.
    if (old["additionalProperties"] !== false && old["additionalProperties"] !== undefined && closed) {
      const extra = {
        ...(sample(old, roots.stored) as Record<string, JsonValue>),
        extra: sample(asSchema(old["additionalProperties"]), roots.stored),
      };
      breaks.push({
        at,
        keyword: "additionalProperties",
        rule: "refuses keys it does not name, which stored values may hold",
        value: extra,
      });
    }
    // Keys beyond the named ones, where a key pattern (patternProperties) or a schema (a record) rules them.
    const oldKeys = asSchema(old["propertyNames"]);
    const newKeys = asSchema(neu["propertyNames"]);
    const key = keyFor(oldKeys, newKeys);
    if (typeof newKeys["pattern"] === "string" && newKeys["pattern"] !== oldKeys["pattern"]) {
      const value = {
        ...(sample(old, roots.stored) as Record<string, JsonValue>),
        [key]: sample(asSchema(old["additionalProperties"]), roots.stored),
      };
      breaks.push({
        at,
        keyword: "patternProperties",
        rule: `${oldKeys["pattern"] === undefined ? "adds" : "changes"} the pattern every key must match to /${newKeys["pattern"]}/`,
        value,
      });
    }
    if (isSchema(old["additionalProperties"]) && isSchema(neu["additionalProperties"])) {
      compare(asSchema(old["additionalProperties"]), asSchema(neu["additionalProperties"]), [...at, keyFor(oldKeys, {})]);
    }
    bound(old, neu, "minProperties", "raised", tighten, () => sample(old, roots.stored));
    bound(old, neu, "maxProperties", "lowered", tighten, () => sample(old, roots.stored));
  }
}

type Tighten = (keyword: string, rule: string, value: JsonValue) => void;

/**
 * Keywords the generator checks by a refinement (checks.ts), carried into the JSON Schema as the
 * spec wrote them. Their schemas cannot be compared in general: one the new version adds or changes
 * is reported (conservative), one it keeps as it was is not; `propertyNames` is compared as a
 * schema where patternProperties made it (below), so only when the old had none.
 */
function refinements(old: Schema, neu: Schema, tighten: Tighten, root: Schema): void {
  const stored = () => sample(old, root);
  for (const keyword of ["if", "then", "else", "not", "contains", "unevaluatedProperties"] as const) {
    if (neu[keyword] !== undefined && !same(old[keyword], neu[keyword]))
      tighten(keyword, `${keyword} ${old[keyword] === undefined ? "added" : "changed"}: values stored before may not pass it`, stored());
  }
  const oldNames = (old["dependentRequired"] ?? {}) as Record<string, string[]>;
  for (const [key, names] of Object.entries((neu["dependentRequired"] ?? {}) as Record<string, string[]>)) {
    const added = names.filter((name) => !(oldNames[key] ?? []).includes(name));
    if (added.length > 0)
      tighten(
        "dependentRequired",
        `requires ${added.map((n) => `"${n}"`).join(", ")} beside "${key}", which stored values may lack`,
        stored(),
      );
  }
  const names = asSchema(neu["propertyNames"]);
  if (neu["propertyNames"] !== undefined && typeof names["pattern"] !== "string" && !same(old["propertyNames"], neu["propertyNames"]))
    tighten("propertyNames", "propertyNames added or changed: keys stored before may not pass it", stored());
  const oldSchemas = (old["dependentSchemas"] ?? {}) as Record<string, unknown>;
  for (const [key, schema] of Object.entries((neu["dependentSchemas"] ?? {}) as Record<string, unknown>)) {
    if (!same(oldSchemas[key], schema))
      tighten("dependentSchemas", `the schema beside "${key}" ${oldSchemas[key] === undefined ? "added" : "changed"}`, stored());
  }
  if (neu["contains"] !== undefined && same(old["contains"], neu["contains"])) {
    const [oldMin, newMin] = [Number(old["minContains"] ?? 1), Number(neu["minContains"] ?? 1)];
    if (newMin > oldMin) tighten("minContains", `raised to ${newMin}`, stored());
    const [oldMax, newMax] = [Number(old["maxContains"] ?? Infinity), Number(neu["maxContains"] ?? Infinity)];
    if (newMax < oldMax) tighten("maxContains", `lowered to ${newMax}`, stored());
  }
}

function strings(old: Schema, neu: Schema, tighten: Tighten): void {
  bound(old, neu, "minLength", "raised", tighten, (n) => "x".repeat(n));
  bound(old, neu, "maxLength", "lowered", tighten, (n) => "x".repeat(n));
  if (typeof neu["pattern"] === "string" && neu["pattern"] !== old["pattern"]) {
    const pattern = new RegExp(neu["pattern"], "u");
    const candidate = ["", "x", "X", "0", " ", "x".repeat(Number(old["minLength"] ?? 0) + 1)].find((s) => !pattern.test(s)) ?? "";
    tighten("pattern", `${old["pattern"] === undefined ? "adds" : "changes"} pattern /${neu["pattern"]}/`, candidate);
  }
  if (typeof neu["format"] === "string" && neu["format"] !== old["format"]) tighten("format", `requires format ${neu["format"]}`, "x");
  if (typeof neu["contentEncoding"] === "string" && neu["contentEncoding"] !== old["contentEncoding"]) {
    tighten("contentEncoding", `requires ${neu["contentEncoding"]} content`, "%");
  }
}

function numbers(old: Schema, neu: Schema, tighten: Tighten): void {
  const low = (s: Schema) => lowest(s);
  const high = (s: Schema) => highest(s);
  const [oldLow, newLow] = [low(old), low(neu)];
  if (newLow.value > oldLow.value || (newLow.value === oldLow.value && newLow.exclusive && !oldLow.exclusive)) {
    tighten(
      newLow.exclusive ? "exclusiveMinimum" : "minimum",
      `raised its lower bound to ${newLow.value}`,
      Number.isFinite(oldLow.value) ? oldLow.value + (oldLow.exclusive ? 1 : 0) : newLow.value - 1,
    );
  }
  const [oldHigh, newHigh] = [high(old), high(neu)];
  if (newHigh.value < oldHigh.value || (newHigh.value === oldHigh.value && newHigh.exclusive && !oldHigh.exclusive)) {
    tighten(
      newHigh.exclusive ? "exclusiveMaximum" : "maximum",
      `lowered its upper bound to ${newHigh.value}`,
      Number.isFinite(oldHigh.value) ? oldHigh.value - (oldHigh.exclusive ? 1 : 0) : newHigh.value + 1,
    );
  }
  const step = neu["multipleOf"];
  if (typeof step === "number" && !(typeof old["multipleOf"] === "number" && Number.isInteger(old["multipleOf"] / step))) {
    tighten("multipleOf", `requires multiples of ${step}`, typeof old["multipleOf"] === "number" ? old["multipleOf"] : step / 2);
  }
}

const CANDIDATES = [
  "key",
  "",
  "x",
  "X",
  "0",
  " ",
  ..."abcdefghijklmnopqrstuvwyz",
  ..."ABCDEFGHIJKLMNOPQRSTUVWXYZ",
  ..."123456789",
  "_",
  "-",
];

/** A key the old key schema accepts and, where one is found, the new one refuses: the key a break is shown on. */
function keyFor(old: Schema, neu: Schema): string {
  const fits = (schema: Schema, key: string) => typeof schema["pattern"] !== "string" || new RegExp(schema["pattern"], "u").test(key);
  const stored = CANDIDATES.filter((key) => fits(old, key));
  return stored.find((key) => !fits(neu, key)) ?? stored[0] ?? "key";
}

/** A lower (`raised`) or upper (`lowered`) count bound; `example(n)` makes a value of size n. */
function bound(
  old: Schema,
  neu: Schema,
  keyword: string,
  way: "raised" | "lowered",
  tighten: Tighten,
  example: (n: number) => JsonValue,
): void {
  const next = neu[keyword];
  if (typeof next !== "number") return;
  const before = old[keyword];
  const tighter = way === "raised" ? typeof before !== "number" || next > before : typeof before !== "number" || next < before;
  if (!tighter) return;
  const witness = way === "raised" ? (typeof before === "number" ? before : 0) : typeof before === "number" ? before : next + 1;
  tighten(keyword, `${way} ${keyword} to ${next}`, example(witness));
}

const NEVER: Schema = { not: {} };

function asSchema(schema: unknown): Schema {
  if (schema === true || schema === undefined) return {};
  if (schema === false) return NEVER;
  return schema as Schema;
}

const isSchema = (value: unknown): value is Schema => typeof value === "object" && value !== null;

/** Follows a local `$ref` (`#/definitions/x`, `#/$defs/x`, `#` for the root) within its own document. */
function resolve(schema: Schema, root: Schema): Schema {
  let current = schema;
  for (let hops = 0; typeof current["$ref"] === "string" && hops < 32; hops++) {
    const target = (current["$ref"] as string)
      .replace(/^#\/?/, "")
      .split("/")
      .filter(Boolean)
      .reduce<unknown>(
        (node, key) => (isSchema(node) ? (node as Record<string, unknown>)[key.replace(/~1/g, "/").replace(/~0/g, "~")] : undefined),
        root,
      );
    const { $ref: _, ...rest } = current;
    current = { ...asSchema(target), ...rest };
  }
  return current;
}

function branches(schema: Schema): Schema[] {
  const union = (schema["anyOf"] ?? schema["oneOf"]) as unknown[] | undefined;
  if (!Array.isArray(union)) return [schema];
  const { anyOf: _a, oneOf: _o, ...shared } = schema;
  return union.map((branch) => ({ ...shared, ...asSchema(branch) }));
}

function typesOf(schema: Schema): Set<string> {
  const type = schema["type"];
  if (typeof type === "string") return new Set([type]);
  if (Array.isArray(type)) return new Set(type as string[]);
  if ("const" in schema) return new Set([jsonType(schema["const"] as JsonValue)]);
  if (Array.isArray(schema["enum"])) return new Set((schema["enum"] as JsonValue[]).map(jsonType));
  return new Set();
}

/** An empty set of types accepts every type; `number` accepts integers. */
function accepts(types: ReadonlySet<string>, type: string): boolean {
  return types.size === 0 || types.has(type) || (type === "integer" && types.has("number"));
}

function jsonType(value: JsonValue): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  if (typeof value === "number") return Number.isInteger(value) ? "integer" : "number";
  return typeof value;
}

function lowest(schema: Schema): { value: number; exclusive: boolean } {
  const inclusive = typeof schema["minimum"] === "number" ? (schema["minimum"] as number) : -Infinity;
  const exclusive = typeof schema["exclusiveMinimum"] === "number" ? (schema["exclusiveMinimum"] as number) : -Infinity;
  return exclusive >= inclusive && Number.isFinite(exclusive)
    ? { value: exclusive, exclusive: true }
    : { value: inclusive, exclusive: false };
}

function highest(schema: Schema): { value: number; exclusive: boolean } {
  const inclusive = typeof schema["maximum"] === "number" ? (schema["maximum"] as number) : Infinity;
  const exclusive = typeof schema["exclusiveMaximum"] === "number" ? (schema["exclusiveMaximum"] as number) : Infinity;
  return exclusive <= inclusive && Number.isFinite(exclusive)
    ? { value: exclusive, exclusive: true }
    : { value: inclusive, exclusive: false };
}

const FORMAT_SAMPLES: Record<string, string> = {
  uuid: "00000000-0000-4000-8000-000000000000",
  email: "someone@example.com",
  uri: "https://example.com/",
  "date-time": "2024-01-01T00:00:00Z",
  date: "2024-01-01",
  time: "00:00:00Z",
  ipv4: "192.0.2.1",
  ipv6: "2001:db8::1",
};

/** A small value the schema accepts (best effort for patterns): the stored value a break is shown on. */
export function sample(schema: Schema, root: Schema, depth = 0): JsonValue {
  schema = resolve(schema, root);
  if ("const" in schema) return schema["const"] as JsonValue;
  if (Array.isArray(schema["enum"])) return (schema["enum"] as JsonValue[])[0] ?? null;
  if ("default" in schema) return schema["default"] as JsonValue;
  const union = branches(schema);
  if (union.length > 1) return sample(union[0]!, root, depth);
  const types = typesOf(schema);
  const type = TYPES.find((t) => types.has(t)) ?? (types.size === 0 ? "object" : "null");
  if (depth > 16) return null;
  switch (type) {
    case "null":
      return null;
    case "boolean":
      return false;
    case "integer":
    case "number": {
      const low = lowest(schema);
      return Number.isFinite(low.value) ? low.value + (low.exclusive ? 1 : 0) : Math.min(0, highest(schema).value - 1);
    }
    case "string": {
      const format = FORMAT_SAMPLES[String(schema["format"])];
      return format ?? "x".repeat(Number(schema["minLength"] ?? 0));
    }
    case "array": {
      const items = schema["items"];
      // A tuple: each of its items (the rest up to minItems), so that a break shown at any of them holds.
      if (Array.isArray(items)) return items.map((item) => sample(asSchema(item), root, depth + 1));
      return Array.from({ length: Number(schema["minItems"] ?? 0) }, () => sample(asSchema(items), root, depth + 1));
    }
    default: {
      const properties = (schema["properties"] ?? {}) as Record<string, JsonSchema>;
      const required = (schema["required"] ?? []) as string[];
      return Object.fromEntries(required.map((name) => [name, sample(asSchema(properties[name]), root, depth + 1)]));
    }
  }
}

/** `base` with `value` put at `at` (`*` is an array's first item), building what is missing. */
function place(base: JsonValue, at: readonly Segment[], value: JsonValue): JsonValue {
  if (at.length === 0) return value;
  const [head, ...rest] = at;
  if (head === "*" || typeof head === "number") {
    const index = head === "*" ? 0 : head;
    const items = Array.isArray(base) ? [...base] : [];
    for (let i = items.length; i < index; i++) items.push(null);
    items[index] = place(items[index] ?? null, rest, value);
    return items;
  }
  const object = typeof base === "object" && base !== null && !Array.isArray(base) ? { ...base } : {};
  object[head as string] = place(object[head as string] ?? null, rest, value);
  return object;
}

function pathText(at: readonly Segment[]): string {
  if (at.length === 0) return "$";
  return at
    .map((segment, i) =>
      segment === "*"
        ? "[*]"
        : /^[A-Za-z_$][\w$]*$/.test(String(segment))
          ? `${i === 0 ? "" : "."}${segment}`
          : `[${JSON.stringify(segment)}]`,
    )
    .join("");
}

function same(a: unknown, b: unknown): boolean {
  return canonicalJson(a) === canonicalJson(b);
}
