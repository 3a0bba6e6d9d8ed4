import { Ajv, type ValidateFunction } from "ajv";
import addFormatsModule from "ajv-formats";
import type { CorpusCase } from "./real-world-convert";

// ajv-formats is CommonJS: its default export comes wrapped under `default` in ESM.
const addFormats = ((addFormatsModule as unknown as { default?: typeof addFormatsModule }).default ?? addFormatsModule) as unknown as (
  ajv: Ajv,
) => Ajv;

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** OpenAPI 3.0's `nullable: true` read as JSON Schema: the schema, or null. */
function nullableAsJsonSchema(value: Json): Json {
  if (Array.isArray(value)) return value.map(nullableAsJsonSchema);
  if (value === null || typeof value !== "object") return value;
  const { nullable, ...rest } = value;
  const inner = Object.fromEntries(
    Object.entries(rest).map(([key, item]) => [
      key,
      key === "enum" || key === "const" || key === "example" || key === "examples" || key === "default" ? item : nullableAsJsonSchema(item),
    ]),
  );
  return nullable === true ? { anyOf: [inner, { type: "null" }] } : inner;
}

/**
 * The oracle, in tests only: Ajv 8 with ajv-formats, as the publishers validate their own examples
 * (octokit's setup for GitHub; OpenAPI's `nullable` read as JSON Schema for Stripe).
 */
export function oracle(c: CorpusCase): ValidateFunction {
  const ajv = new Ajv({ strict: false, allErrors: false, validateFormats: true });
  addFormats(ajv);
  for (const [id, schema] of Object.entries(c.original.others)) ajv.addSchema(schema, id);
  return ajv.compile(c.name.startsWith("stripe.") ? (nullableAsJsonSchema(c.original.root) as object) : c.original.root);
}

/** Ajv 8 with ajv-formats, as the oracle, for a JSON Schema the generator wrote (draft 7, its `$schema` left out). */
export function compileJsonSchema(schema: unknown): ValidateFunction {
  const ajv = new Ajv({ strict: false, allErrors: false, validateFormats: true, logger: false });
  addFormats(ajv);
  return ajv.compile(schema as object);
}

/** Ajv's judges of a payload's JSON Schema in two forms: inline, as the version record keeps it, and as the module exports it. Both must compile. */
export function judgesOf(inline: unknown, exported: unknown): [ValidateFunction, ValidateFunction] {
  return [compileJsonSchema(inline), compileJsonSchema(exported)];
}
