import { expect, expectTypeOf, it } from "vitest";
import { z } from "zod";
import { CHECK_KEYWORDS } from "../../generator/checks.ts";
import { COMPARED_KEYWORDS } from "../../generator/compat.ts";
import {
  COMPAT_RULES,
  KEYWORDS,
  keywordsWhere,
  type CompatRule,
  type Keyword,
  type KeywordRule,
  type KeywordTable,
  type SchemaHolder,
  type UnsupportedKeyword,
} from "../../generator/keywords.ts";
import { payloadKeywords, SCHEMA_HOLDERS, subschemas, type PayloadSchema } from "../../generator/spec-format.ts";
import { ANNOTATIONS } from "../../generator/zod-ir.ts";

/**
 * Issue 21, "one owner per keyword" (and item 10): each keyword's grammar, translation and
 * compatibility rule sit in one entry of KEYWORDS, keyed by every keyword of PayloadSchema. The lines
 * below are checked by `npm run typecheck` (this file is in tsconfig.node.json): each
 * `@ts-expect-error` fails the type check if the line under it ever compiles.
 */
type WithNewKeyword = PayloadSchema & { newKeyword?: number };

// A keyword the format gains and the table lacks does not compile.
// @ts-expect-error Property 'newKeyword' is missing
export const missingEntry: KeywordTable<WithNewKeyword> = KEYWORDS;

// Nor does an entry without a translation, or without a compatibility rule.
export const withoutTranslation: KeywordTable<WithNewKeyword> = {
  ...KEYWORDS,
  // @ts-expect-error Property 'translation' is missing
  newKeyword: { grammar: z.number(), applies: ["number"], compat: { becomes: ["minimum"], breaking: "raised" } },
};
export const withoutCompatRule: KeywordTable<WithNewKeyword> = {
  ...KEYWORDS,
  // @ts-expect-error Property 'compat' is missing
  newKeyword: { grammar: z.number(), applies: ["number"], translation: "constraint" },
};

// Nor one whose grammar reads another type than the format's, or whose output the compatibility check does not compare.
export const wrongGrammar: KeywordRule<number> = {
  // @ts-expect-error a string grammar for a number keyword
  grammar: z.string(),
  applies: [],
  translation: "constraint",
  compat: { becomes: [], breaking: "" },
};
// @ts-expect-error "unevaluatedItems" is not a keyword compat.ts compares
export const uncompared: CompatRule = { becomes: ["unevaluatedItems"], breaking: "added" };

// A keyword whose grammar holds schemas is walked for the references inside it, or does not compile.
// @ts-expect-error Property 'newKeyword' is missing
export const unwalked: { readonly [K in SchemaHolder | "newKeyword"]: "schema" | "byName" } = SCHEMA_HOLDERS;

// Whereas an entry with all of them does.
export const complete: KeywordTable<WithNewKeyword> = {
  ...KEYWORDS,
  newKeyword: { grammar: z.number(), applies: ["number"], translation: "constraint", compat: { becomes: ["minimum"], breaking: "raised" } },
};

it("has an entry for exactly the keywords the format accepts, by type and at run time", () => {
  expectTypeOf<Keyword>().toEqualTypeOf<keyof PayloadSchema>();
  expectTypeOf<keyof typeof COMPAT_RULES>().toEqualTypeOf<keyof PayloadSchema>();
  // The format's zod schema, built from the table, and its TypeScript interface name the same keywords.
  expectTypeOf<keyof z.infer<typeof payloadKeywords>>().toEqualTypeOf<keyof PayloadSchema>();
  expect(Object.keys(payloadKeywords.shape)).toEqual(Object.keys(KEYWORDS));
  expect(Object.keys(COMPAT_RULES)).toEqual(Object.keys(KEYWORDS));
  // A keyword is read or refused, never both.
  expectTypeOf<Extract<UnsupportedKeyword, Keyword>>().toBeNever();
});

it("reads each keyword with its own grammar", () => {
  expect(
    payloadKeywords.safeParse({
      minLength: 2,
      anyOf: [{ type: "string" }, "Address"],
      items: [{ const: 1 }, "Address"],
      additionalItems: false,
    }).success,
  ).toBe(true);
  expect(payloadKeywords.safeParse({ minLength: -1 }).success).toBe(false);
  expect(payloadKeywords.safeParse({ anyOf: [] }).success).toBe(false);
  expect(payloadKeywords.safeParse({ unevaluatedProperties: {} }).error?.issues[0]?.message).toBe(
    "unevaluatedProperties is supported as false (or true); expected a boolean",
  );
});

it("gives zod-ir and checks.ts their keyword lists", () => {
  expect(CHECK_KEYWORDS).toEqual([
    "if",
    "then",
    "else",
    "not",
    "dependentRequired",
    "dependentSchemas",
    "propertyNames",
    "contains",
    "minContains",
    "maxContains",
    "unevaluatedProperties",
  ]);
  expect(ANNOTATIONS).toEqual([
    "title",
    "description",
    "examples",
    "example",
    "deprecated",
    "readOnly",
    "writeOnly",
    "$comment",
    "$schema",
    "$id",
    "contentMediaType",
    "nullable",
    "discriminator",
    "default",
  ]);
  expect(keywordsWhere("constraint")).toEqual([
    "uniqueItems",
    "minLength",
    "maxLength",
    "pattern",
    "format",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "multipleOf",
    "minItems",
    "maxItems",
  ]);
  expect(keywordsWhere("infers", "object")).toEqual([
    "properties",
    "required",
    "additionalProperties",
    "patternProperties",
    "minProperties",
    "maxProperties",
  ]);
  expect(keywordsWhere("infers", "array")).toEqual(["items", "prefixItems"]);
  // A keyword that constrains or builds one type's values says which.
  for (const [keyword, rule] of Object.entries(KEYWORDS)) {
    if (rule.translation === "constraint" || rule.translation === "infers") expect(rule.applies.length, keyword).toBeGreaterThan(0);
  }
});

it("maps every keyword onto JSON Schema keywords the compatibility check compares", () => {
  for (const [keyword, rule] of Object.entries(COMPAT_RULES)) {
    for (const output of rule.becomes) expect(COMPARED_KEYWORDS, `${keyword} becomes ${output}`).toContain(output);
    // An annotation becomes nothing the check compares, and nothing else does.
    expect(rule.becomes.length === 0, keyword).toBe(
      KEYWORDS[keyword as Keyword].translation === "annotation" || keyword === "contentEncoding",
    );
  }
});

it("walks every keyword that holds schemas, and only those", () => {
  const holders = Object.entries(KEYWORDS)
    .filter(([, rule]) => typeof rule.grammar === "function")
    .map(([keyword]) => keyword);
  expect(Object.keys(SCHEMA_HOLDERS).sort()).toEqual(holders.sort());
  // Each holder, filled with a reference named after it, leads subschemas() to that reference.
  const schema = Object.fromEntries(
    Object.entries(SCHEMA_HOLDERS).map(([keyword, holds]) => [
      keyword,
      holds === "byName" ? { key: keyword } : keyword === "anyOf" || keyword === "oneOf" || keyword === "allOf" ? [keyword] : keyword,
    ]),
  ) as PayloadSchema;
  expect(subschemas(schema).map(([path, inner]) => [path.join("/"), inner])).toEqual(
    Object.entries(SCHEMA_HOLDERS).map(([keyword, holds]) => [
      holds === "byName" ? `${keyword}/key` : keyword === "anyOf" || keyword === "oneOf" || keyword === "allOf" ? `${keyword}/0` : keyword,
      keyword,
    ]),
  );
});
