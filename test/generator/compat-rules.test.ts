import { expect, expectTypeOf, it } from "vitest";
import type { z } from "zod";
import { COMPAT_RULES, type CompatRule } from "../../generator/compat-rules.ts";
import { COMPARED_KEYWORDS } from "../../generator/compat.ts";
import { payloadKeywords, type PayloadSchema } from "../../generator/spec-format.ts";

/**
 * Issue 21 item 10: every keyword the format accepts has a compatibility rule. The record is keyed
 * by `keyof PayloadSchema` with every key required, so the lines below are checked by `npm run
 * typecheck` (this file is in tsconfig.node.json): a keyword added without a rule does not compile.
 */
type WithNewKeyword = PayloadSchema & { newKeyword?: number };
// @ts-expect-error a keyword the format gains without a rule here does not compile
export const missingRule: { readonly [K in keyof WithNewKeyword]-?: CompatRule } = COMPAT_RULES;

it("has a rule for exactly the keywords the format accepts, by type and at run time", () => {
  expectTypeOf<keyof typeof COMPAT_RULES>().toEqualTypeOf<keyof PayloadSchema>();
  // The format's zod schema and its TypeScript interface name the same keywords.
  expectTypeOf<keyof z.infer<typeof payloadKeywords>>().toEqualTypeOf<keyof PayloadSchema>();
  expect(Object.keys(COMPAT_RULES).sort()).toEqual(Object.keys(payloadKeywords.shape).sort());
});

it("maps every keyword onto JSON Schema keywords the compatibility check compares", () => {
  for (const [keyword, rule] of Object.entries(COMPAT_RULES)) {
    for (const output of rule.becomes) expect(COMPARED_KEYWORDS, `${keyword} becomes ${output}`).toContain(output);
  }
});
