import type { ComparedKeyword } from "./compat.ts";
import type { PayloadSchema } from "./spec-format.ts";

/**
 * One compatibility rule per keyword the spec format accepts: what a change to it does to stored
 * intents, and the JSON Schema keywords it becomes, which the compatibility check (compat.ts)
 * compares. Keyed by `keyof PayloadSchema`, every key required: a keyword added to the format
 * without a rule here does not compile, and one whose output the check does not compare does not
 * either (`becomes` is typed by COMPARED_KEYWORDS). A test holds the keys to the format's own list.
 */
export interface CompatRule {
  /** The JSON Schema keywords (as zod prints the generated schema) that carry it; empty for an annotation. */
  readonly becomes: readonly ComparedKeyword[];
  /** When a change to it is breaking, in words (README's table says the same). */
  readonly breaking: string;
}

type Keyword = keyof PayloadSchema;

const annotation: CompatRule = { becomes: [], breaking: "never: it changes no value's fate" };
const lower = (keyword: ComparedKeyword): CompatRule => ({ becomes: [keyword], breaking: "raised (or added)" });
const upper = (keyword: ComparedKeyword): CompatRule => ({ becomes: [keyword], breaking: "lowered (or added)" });

export const COMPAT_RULES: { readonly [K in Keyword]-?: CompatRule } = {
  type: { becomes: ["type"], breaking: "a type removed (integer from number counts)" },
  nullable: { becomes: ["type", "anyOf"], breaking: "removed: null no longer accepted" },
  $ref: { becomes: ["$ref"], breaking: "as the schema it names, compared where it leads" },
  anyOf: { becomes: ["anyOf"], breaking: "a stored branch no new branch accepts" },
  oneOf: { becomes: ["oneOf", "anyOf"], breaking: "a stored branch no new branch accepts" },
  allOf: { becomes: ["allOf", "properties", "required", "additionalProperties"], breaking: "any part refusing a stored value" },
  discriminator: { becomes: ["oneOf", "anyOf"], breaking: "as the union's branches" },
  title: annotation,
  description: annotation,
  examples: annotation,
  example: annotation,
  deprecated: annotation,
  readOnly: annotation,
  writeOnly: annotation,
  $comment: annotation,
  $schema: annotation,
  $id: annotation,
  contentMediaType: annotation,
  default: { becomes: ["default", "required"], breaking: "removed from a field stored values may lack" },
  properties: { becomes: ["properties"], breaking: "a property's schema tightened" },
  required: { becomes: ["required"], breaking: "a name added" },
  additionalProperties: { becomes: ["additionalProperties"], breaking: "false where stored values kept extra keys, or its schema tightened" },
  patternProperties: { becomes: ["propertyNames", "additionalProperties"], breaking: "the pattern added or changed (two patterns cannot be compared), or its schema tightened" },
  minProperties: lower("minProperties"),
  maxProperties: upper("maxProperties"),
  items: { becomes: ["items", "additionalItems"], breaking: "the items' schema tightened (a tuple: item by item)" },
  prefixItems: { becomes: ["items", "additionalItems"], breaking: "an item's schema tightened" },
  additionalItems: { becomes: ["additionalItems"], breaking: "false, or its schema tightened" },
  uniqueItems: { becomes: ["uniqueItems"], breaking: "added" },
  enum: { becomes: ["enum"], breaking: "a value removed" },
  const: { becomes: ["const"], breaking: "added or changed" },
  minLength: lower("minLength"),
  maxLength: upper("maxLength"),
  pattern: { becomes: ["pattern"], breaking: "added or changed (two patterns cannot be compared)" },
  format: { becomes: ["format"], breaking: "a checked format added or changed" },
  contentEncoding: annotation,
  minimum: lower("minimum"),
  maximum: upper("maximum"),
  exclusiveMinimum: lower("exclusiveMinimum"),
  exclusiveMaximum: upper("exclusiveMaximum"),
  multipleOf: { becomes: ["multipleOf"], breaking: "added, or changed to one the old does not divide" },
  minItems: lower("minItems"),
  maxItems: upper("maxItems"),
};
