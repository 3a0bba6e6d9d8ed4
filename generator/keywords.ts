import { z } from "zod";
import type { ComparedKeyword } from "./compat.ts";

/**
 * Every keyword a payload schema may hold, each declared once: its grammar (the zod schema of its
 * value in the spec format), the types of value it says something about, how zod-ir translates it,
 * and its compatibility rule. The spec format's `payloadKeywords`, zod-ir's and checks.ts's keyword
 * lists and COMPAT_RULES are all read from this table. It is keyed by `keyof PayloadSchema`, every
 * key required and none other allowed, and every field of an entry is required: a keyword added to
 * the format without a grammar, a translation or a compatibility rule does not compile.
 */

export const SCHEMA_TYPES = ["object", "array", "string", "number", "integer", "boolean", "null"] as const;
export type SchemaType = (typeof SCHEMA_TYPES)[number];

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };
export const jsonValue: z.ZodType<JsonValue> = z.lazy(() =>
  z.union([z.null(), z.boolean(), z.number(), z.string(), z.array(jsonValue), z.record(z.string(), jsonValue)]),
);

export const count = z.number().int().nonnegative();

/**
 * A payload schema: the documented subset of JSON Schema, or the name of a schema declared elsewhere.
 * Each keyword's grammar, translation and compatibility rule are in KEYWORDS below, which must name
 * every keyword here and no other (a recursive type cannot be inferred from the grammar, so it is
 * written out; the table's `satisfies` holds each grammar to its type here).
 */
export interface PayloadSchema {
  type?: (typeof SCHEMA_TYPES)[number] | (typeof SCHEMA_TYPES)[number][];
  /** OpenAPI 3.0's way to say `null` is accepted too. */
  nullable?: boolean;
  /** The name of a schema declared elsewhere, bare (`Address`) or as a pointer (`#/schemas/Address`). */
  $ref?: string;
  anyOf?: SchemaOrRef[];
  oneOf?: SchemaOrRef[];
  allOf?: SchemaOrRef[];
  /** OpenAPI's: which property tells the branches of a `oneOf` or `anyOf` apart. */
  discriminator?: { propertyName: string; mapping?: Record<string, string> };
  title?: string;
  description?: string;
  examples?: JsonValue[];
  example?: JsonValue;
  deprecated?: boolean;
  readOnly?: boolean;
  writeOnly?: boolean;
  $comment?: string;
  /** The dialect and identity a pasted document gives itself: read, and otherwise ignored. */
  $schema?: string;
  $id?: string;
  properties?: Record<string, SchemaOrRef>;
  required?: string[];
  additionalProperties?: boolean | SchemaOrRef;
  patternProperties?: Record<string, SchemaOrRef>;
  minProperties?: number;
  maxProperties?: number;
  /** A schema for every item, or (draft-07) a list of them: a tuple, `additionalItems` for the rest. */
  items?: boolean | SchemaOrRef | SchemaOrRef[];
  prefixItems?: SchemaOrRef[];
  additionalItems?: boolean | SchemaOrRef;
  uniqueItems?: boolean;
  enum?: JsonValue[];
  const?: JsonValue;
  default?: JsonValue;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  /** One of KNOWN_FORMATS is checked or described; any other is described, with a warning. */
  format?: string;
  /** An annotation, as JSON Schema has it: `format: byte` is the checked base64. */
  contentEncoding?: string;
  contentMediaType?: string;
  minimum?: number;
  maximum?: number;
  /** A number (draft 6 on), or OpenAPI 3.0's `true`, which makes `minimum` exclusive. */
  exclusiveMinimum?: number | boolean;
  exclusiveMaximum?: number | boolean;
  multipleOf?: number;
  minItems?: number;
  maxItems?: number;
  /** Conditionals and negation: checked by a refinement (README's format section). */
  if?: SchemaOrRef;
  then?: SchemaOrRef;
  else?: SchemaOrRef;
  not?: SchemaOrRef;
  /** An object holding the key must hold these too. */
  dependentRequired?: Record<string, string[]>;
  /** An object holding the key must satisfy this schema too. */
  dependentSchemas?: Record<string, SchemaOrRef>;
  /** Every key of an object satisfies this (string) schema. */
  propertyNames?: SchemaOrRef;
  /** At least `minContains` (1 unless said) and at most `maxContains` items satisfy `contains`. */
  contains?: SchemaOrRef;
  minContains?: number;
  maxContains?: number;
  /** `false`: a key no property, pattern or in-place part (allOf, a branch, then/else, a dependent schema) names is refused. */
  unevaluatedProperties?: boolean;
}
export type SchemaOrRef = PayloadSchema | string;

/**
 * How zod-ir (toIR, base, ofType) translates a keyword into the IR:
 * - `annotation`: says something of a schema without changing what it accepts; zod metadata at most
 *   (`.meta()`, `.describe()`), and it may sit beside a reference or a union;
 * - `modifier`: changes the built schema (`.nullable()`, `.default()`, which union) and, like an
 *   annotation, may sit beside a reference or a union, saying it for that;
 * - `structure`: read by base() and ofType() to choose what to build (`type`, `$ref`, a union, a
 *   value, a tuple's rest, a string's encoding, which is no check);
 * - `infers`: builds its type's structure and, without `type`, makes the schema that type;
 * - `constraint`: holds for values of its type, and without `type` lets any other value pass;
 * - `check`: a refinement checks.ts writes (`.superRefine`), since zod has no method for it.
 */
export type Translation = "annotation" | "modifier" | "structure" | "infers" | "constraint" | "check";

/**
 * A keyword's compatibility rule: what a change to it does to stored intents, and the JSON Schema
 * keywords it becomes, which the compatibility check (compat.ts) compares (`becomes` is typed by
 * COMPARED_KEYWORDS, so one whose output the check does not compare does not compile).
 */
export interface CompatRule {
  /** The JSON Schema keywords (as zod prints the generated schema) that carry it; empty for an annotation. */
  readonly becomes: readonly ComparedKeyword[];
  /** When a change to it is breaking, in words (README's table says the same). */
  readonly breaking: string;
}

export interface KeywordRule<Value> {
  /** Its value in the spec format; a function of a subschema's grammar (a name or a schema) when it holds schemas. */
  readonly grammar: z.ZodType<Value> | ((schema: z.ZodType<SchemaOrRef>) => z.ZodType<Value>);
  /** The types of value it says something about; empty: any value. */
  readonly applies: readonly SchemaType[];
  readonly translation: Translation;
  readonly compat: CompatRule;
}

/** A rule for each keyword of a schema type `S`, and for nothing else. */
export type KeywordTable<S> = { readonly [K in keyof S]-?: KeywordRule<Exclude<S[K], undefined>> };

const ANY: readonly SchemaType[] = [];
const OBJECT: readonly SchemaType[] = ["object"];
const ARRAY: readonly SchemaType[] = ["array"];
const STRING: readonly SchemaType[] = ["string"];
const NUMBER: readonly SchemaType[] = ["number", "integer"];

const annotationRule: CompatRule = { becomes: [], breaking: "never: it changes no value's fate" };
const lower = (keyword: ComparedKeyword): CompatRule => ({ becomes: [keyword], breaking: "raised (or added)" });
const upper = (keyword: ComparedKeyword): CompatRule => ({ becomes: [keyword], breaking: "lowered (or added)" });
/** A keyword that describes and never constrains. */
const annotation = <Value>(grammar: z.ZodType<Value>): KeywordRule<Value> => ({
  grammar,
  applies: ANY,
  translation: "annotation",
  compat: annotationRule,
});
/** A bound on values of some types, lower or upper. */
const bound = (grammar: z.ZodType<number>, applies: readonly SchemaType[], compat: CompatRule): KeywordRule<number> => ({
  grammar,
  applies,
  translation: "constraint",
  compat,
});
const list = (schema: z.ZodType<SchemaOrRef>) => z.array(schema).min(1);
const byName = (schema: z.ZodType<SchemaOrRef>) => z.record(z.string(), schema);
const schemaOrBoolean = (schema: z.ZodType<SchemaOrRef>) => z.union([z.boolean(), schema]);
// Refinements (checks.ts): their schemas cannot be compared in general, so any change that may refuse more is reported.
const conditional = (
  keyword: "if" | "then" | "else",
): KeywordRule<SchemaOrRef> & { grammar: (schema: z.ZodType<SchemaOrRef>) => z.ZodType<SchemaOrRef> } => ({
  grammar: (schema) => schema,
  applies: ANY,
  translation: "check",
  compat: { becomes: [keyword], breaking: "added or changed (a conditional cannot be compared)" },
});

const types = z.enum(SCHEMA_TYPES);

// In the order the format's JSON Schema (trigger-spec.schema.json) lists them.
export const KEYWORDS = {
  type: {
    grammar: z.union([types, z.array(types).min(1)]),
    applies: ANY,
    translation: "structure",
    compat: { becomes: ["type"], breaking: "a type removed (integer from number counts)" },
  },
  nullable: {
    grammar: z.boolean(),
    applies: ANY,
    translation: "modifier",
    compat: { becomes: ["type", "anyOf"], breaking: "removed: null no longer accepted" },
  },
  $ref: {
    grammar: z.string().min(1),
    applies: ANY,
    translation: "structure",
    compat: { becomes: ["$ref"], breaking: "as the schema it names, compared where it leads" },
  },
  anyOf: {
    grammar: list,
    applies: ANY,
    translation: "structure",
    compat: { becomes: ["anyOf"], breaking: "a stored branch no new branch accepts" },
  },
  oneOf: {
    grammar: list,
    applies: ANY,
    translation: "structure",
    compat: { becomes: ["oneOf", "anyOf"], breaking: "a stored branch no new branch accepts" },
  },
  allOf: {
    grammar: list,
    applies: ANY,
    translation: "structure",
    compat: { becomes: ["allOf", "properties", "required", "additionalProperties"], breaking: "any part refusing a stored value" },
  },
  discriminator: {
    grammar: z.strictObject({ propertyName: z.string().min(1), mapping: z.record(z.string(), z.string().min(1)).optional() }),
    applies: ANY,
    translation: "modifier",
    compat: { becomes: ["oneOf", "anyOf"], breaking: "as the union's branches" },
  },
  title: annotation(z.string()),
  description: annotation(z.string()),
  examples: annotation(z.array(jsonValue)),
  example: annotation(jsonValue),
  deprecated: annotation(z.boolean()),
  readOnly: annotation(z.boolean()),
  writeOnly: annotation(z.boolean()),
  $comment: annotation(z.string()),
  $schema: annotation(z.string()),
  $id: annotation(z.string()),
  properties: {
    grammar: byName,
    applies: OBJECT,
    translation: "infers",
    compat: { becomes: ["properties"], breaking: "a property's schema tightened" },
  },
  required: {
    grammar: z.array(z.string()),
    applies: OBJECT,
    translation: "infers",
    compat: { becomes: ["required"], breaking: "a name added" },
  },
  additionalProperties: {
    grammar: schemaOrBoolean,
    applies: OBJECT,
    translation: "infers",
    compat: { becomes: ["additionalProperties"], breaking: "false where stored values kept extra keys, or its schema tightened" },
  },
  patternProperties: {
    grammar: byName,
    applies: OBJECT,
    translation: "infers",
    compat: {
      becomes: ["propertyNames", "additionalProperties"],
      breaking: "the pattern added or changed (two patterns cannot be compared), or its schema tightened",
    },
  },
  minProperties: { grammar: count, applies: OBJECT, translation: "infers", compat: lower("minProperties") },
  maxProperties: { grammar: count, applies: OBJECT, translation: "infers", compat: upper("maxProperties") },
  items: {
    grammar: (schema) => z.union([z.boolean(), schema, z.array(schema)]),
    applies: ARRAY,
    translation: "infers",
    compat: { becomes: ["items", "additionalItems"], breaking: "the items' schema tightened (a tuple: item by item)" },
  },
  prefixItems: {
    grammar: (schema) => z.array(schema),
    applies: ARRAY,
    translation: "infers",
    compat: { becomes: ["items", "additionalItems"], breaking: "an item's schema tightened" },
  },
  additionalItems: {
    grammar: schemaOrBoolean,
    applies: ARRAY,
    translation: "structure",
    compat: { becomes: ["additionalItems"], breaking: "false, or its schema tightened" },
  },
  uniqueItems: { grammar: z.boolean(), applies: ARRAY, translation: "constraint", compat: { becomes: ["uniqueItems"], breaking: "added" } },
  enum: {
    grammar: z.array(jsonValue).min(1),
    applies: ANY,
    translation: "structure",
    compat: { becomes: ["enum"], breaking: "a value removed" },
  },
  const: { grammar: jsonValue, applies: ANY, translation: "structure", compat: { becomes: ["const"], breaking: "added or changed" } },
  default: {
    grammar: jsonValue,
    applies: ANY,
    translation: "modifier",
    compat: { becomes: ["default", "required"], breaking: "removed from a field stored values may lack" },
  },
  minLength: bound(count, STRING, lower("minLength")),
  maxLength: bound(count, STRING, upper("maxLength")),
  pattern: {
    grammar: z.string(),
    applies: STRING,
    translation: "constraint",
    compat: { becomes: ["pattern"], breaking: "added or changed (two patterns cannot be compared)" },
  },
  format: {
    grammar: z.string(),
    applies: STRING,
    translation: "constraint",
    compat: { becomes: ["format"], breaking: "a checked format added or changed" },
  },
  // An annotation, as JSON Schema has it (`format: byte` is the checked base64); ofType reads past it.
  contentEncoding: { grammar: z.string(), applies: STRING, translation: "structure", compat: annotationRule },
  contentMediaType: annotation(z.string()),
  minimum: bound(z.number(), NUMBER, lower("minimum")),
  maximum: bound(z.number(), NUMBER, upper("maximum")),
  exclusiveMinimum: {
    grammar: z.union([z.number(), z.boolean()]),
    applies: NUMBER,
    translation: "constraint",
    compat: lower("exclusiveMinimum"),
  },
  exclusiveMaximum: {
    grammar: z.union([z.number(), z.boolean()]),
    applies: NUMBER,
    translation: "constraint",
    compat: upper("exclusiveMaximum"),
  },
  multipleOf: {
    grammar: z.number().positive(),
    applies: NUMBER,
    translation: "constraint",
    compat: { becomes: ["multipleOf"], breaking: "added, or changed to one the old does not divide" },
  },
  minItems: bound(count, ARRAY, lower("minItems")),
  maxItems: bound(count, ARRAY, upper("maxItems")),
  if: conditional("if"),
  then: conditional("then"),
  else: conditional("else"),
  not: {
    grammar: (schema) => schema,
    applies: ANY,
    translation: "check",
    compat: { becomes: ["not"], breaking: "added or changed (a negation cannot be compared)" },
  },
  dependentRequired: {
    grammar: z.record(z.string(), z.array(z.string())),
    applies: OBJECT,
    translation: "check",
    compat: { becomes: ["dependentRequired"], breaking: "a name added to a key's list, or a key added" },
  },
  dependentSchemas: {
    grammar: byName,
    applies: OBJECT,
    translation: "check",
    compat: { becomes: ["dependentSchemas"], breaking: "a key's schema added or changed" },
  },
  propertyNames: {
    grammar: (schema) => schema,
    applies: OBJECT,
    translation: "check",
    compat: { becomes: ["propertyNames"], breaking: "added or changed" },
  },
  contains: {
    grammar: (schema) => schema,
    applies: ARRAY,
    translation: "check",
    compat: { becomes: ["contains"], breaking: "added or changed" },
  },
  minContains: { grammar: count, applies: ARRAY, translation: "check", compat: lower("minContains") },
  maxContains: { grammar: count, applies: ARRAY, translation: "check", compat: upper("maxContains") },
  unevaluatedProperties: {
    grammar: z.boolean({ error: "unevaluatedProperties is supported as false (or true); expected a boolean" }),
    applies: OBJECT,
    translation: "check",
    compat: { becomes: ["unevaluatedProperties"], breaking: "false added" },
  },
} satisfies KeywordTable<PayloadSchema>;

export type Keyword = keyof typeof KEYWORDS;

/**
 * JSON Schema keywords the generator does not handle (yet): a schema holding one is refused at it,
 * since ignoring it would accept what the schema refuses. Any other key the format does not know is
 * not a keyword at all (octokit's `tsAdditionalProperties`): JSON Schema ignores it, and so does the
 * generator, with a warning at it. None is a keyword of the table (a test holds them apart): one the
 * generator learns leaves this list.
 */
export const UNSUPPORTED_KEYWORDS = [
  "dependencies",
  "unevaluatedItems",
  "$defs",
  "definitions",
  "$anchor",
  "$dynamicRef",
  "$dynamicAnchor",
  "$recursiveRef",
  "$recursiveAnchor",
  "$vocabulary",
] as const;
export type UnsupportedKeyword = (typeof UNSUPPORTED_KEYWORDS)[number];

/** The keywords whose value holds schemas (one, a list, or some by name): those whose grammar reads a subschema's. */
export type SchemaHolder = { [K in Keyword]: (typeof KEYWORDS)[K]["grammar"] extends (schema: never) => unknown ? K : never }[Keyword];

const entries = Object.entries(KEYWORDS) as [Keyword, KeywordRule<unknown>][];

/** The keywords a translation kind covers (of the given types, if any), in the table's order. */
export const keywordsWhere = (translation: Translation, applies?: SchemaType): readonly Keyword[] =>
  entries
    .filter(([, rule]) => rule.translation === translation && (applies === undefined || rule.applies.includes(applies)))
    .map(([keyword]) => keyword);

/** Each keyword's compatibility rule (README's table says the same, in words). */
export const COMPAT_RULES = Object.fromEntries(entries.map(([keyword, rule]) => [keyword, rule.compat])) as {
  readonly [K in Keyword]: CompatRule;
};

/** The object schema of a payload schema's keywords, each optional; `schema` is a subschema's grammar, read only when needed (it recurs). */
export function keywordShape(schema: () => z.ZodType<SchemaOrRef>): {
  -readonly [K in Keyword]: z.ZodOptional<z.ZodType<Exclude<PayloadSchema[K], undefined>>>;
} {
  const shape: Record<string, z.ZodType> = {};
  for (const [keyword, { grammar }] of entries) {
    if (typeof grammar === "function")
      Object.defineProperty(shape, keyword, { get: () => grammar(schema()).optional(), enumerable: true, configurable: true });
    else shape[keyword] = grammar.optional();
  }
  return shape as ReturnType<typeof keywordShape>;
}
