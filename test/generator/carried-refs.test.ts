import { Ajv2019 } from "ajv/dist/2019.js";
import { describe, expect, it } from "vitest";
import { exportedJsonSchemaOf, jsonSchemaOf } from "../../generator/emit/schema";
import { liveSchema } from "../../generator/model";
import { compileJsonSchema } from "./real-world-oracle";
import { carried, schemasOf } from "./spec-schemas";

/**
 * Issue 21: a `$ref` the spec writes inside a keyword zod has no method for (if/then/else, not,
 * dependentSchemas, propertyNames, contains) resolves in both generated JSON Schemas as every other
 * reference does: the version record's inline form and the module's constant with `definitions`.
 * Copied as written, it named the spec's own schema (`#/schemas/tree`, `code`), which neither holds.
 */

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** The spec's intent as JSON Schema, by hand: what the generated forms must agree with. */
const definitions = {
  code: { type: "string", pattern: "^[a-z]+$" },
  tree: {
    type: "object",
    properties: { name: { type: "string" }, kids: { type: "array", items: { $ref: "#/definitions/tree" } } },
    required: ["name"],
  },
  box: {
    type: "object",
    properties: {
      limits: { type: "object", properties: { max: { type: "integer", maximum: 10 } }, required: ["max"] },
    },
  },
  chain: {
    type: "object",
    properties: { name: { type: "string" }, next: {} },
    if: { required: ["next"] },
    then: { properties: { next: { $ref: "#/definitions/chain" } } },
  },
};
const original = {
  definitions,
  type: "object",
  properties: {
    kind: { type: "string" },
    value: {},
    tags: { type: "array", items: { type: "string" }, contains: { $ref: "#/definitions/code" } },
    extra: {},
    link: {},
    box: { $ref: "#/definitions/box" },
  },
  if: { properties: { kind: { const: "code" } }, required: ["kind"] },
  then: { properties: { value: { $ref: "#/definitions/code" } } },
  else: { properties: { value: { $ref: "#/definitions/tree" } } },
  not: { properties: { extra: { $ref: "#/definitions/box/properties/limits" } }, required: ["extra"] },
  dependentSchemas: { link: { properties: { link: { anyOf: [{ $ref: "#/definitions/chain" }, { type: "null" }] } } } },
  propertyNames: { $ref: "#/definitions/code" },
};

const VALID: Json[] = [
  {},
  { kind: "code", value: "abc" },
  { kind: "other", value: { name: "a", kids: [{ name: "b", kids: [] }] } },
  { tags: ["X", "ok"] },
  { extra: { max: 50 } },
  { extra: "x" },
  { link: { name: "a", next: { name: "b", next: { name: "c" } } } },
  { link: null },
];
const INVALID: Json[] = [
  { kind: "code", value: "ABC" },
  { kind: "other", value: { kids: [] } },
  { kind: "other", value: { name: "a", kids: [{ kids: [] }] } },
  { tags: ["X", "Y"] },
  { extra: { max: 5 } },
  { Bad: 1 },
  { link: { name: "a", next: { next: 1 } } },
  { link: "x" },
];

/** Ajv for draft 2019-09 too: Ajv's default draft 7 ignores dependentSchemas, so a broken `$ref` under it would go unseen. */
const compile2019 = (schema: unknown) => new Ajv2019({ strict: false, allErrors: false, logger: false }).compile(schema as object);

/** Every `$ref` in a JSON Schema, each with what it leads to within the document (`undefined`: nothing). */
function refs(root: Json): { ref: string; target: Json | undefined }[] {
  const found: { ref: string; target: Json | undefined }[] = [];
  const visit = (node: Json) => {
    if (Array.isArray(node)) node.forEach(visit);
    else if (node !== null && typeof node === "object") {
      if (typeof node["$ref"] === "string") {
        const ref = node["$ref"];
        const target = ref.startsWith("#")
          ? ref
              .slice(1)
              .split("/")
              .filter(Boolean)
              .reduce<Json | undefined>(
                (at, key) => (at !== null && typeof at === "object" && !Array.isArray(at) ? at[key] : undefined),
                root,
              )
          : undefined;
        found.push({ ref, target });
      }
      for (const [key, value] of Object.entries(node)) if (!["const", "enum", "default", "examples"].includes(key)) visit(value);
    }
  };
  visit(root);
  return found;
}

describe("references inside carried keywords", () => {
  const schemas = schemasOf("carried.yaml", carried);
  const intent = schemas.find(({ schema }) => schema.typeName === "CarriedRunIntent")!;
  const forms = {
    inline: jsonSchemaOf(intent.schema, intent.resolve, "input") as Json,
    exported: exportedJsonSchemaOf(intent.schema, intent.resolve) as Json,
  };

  it.each(Object.keys(forms) as (keyof typeof forms)[])("the %s form: every $ref leads somewhere, and Ajv compiles it", (form) => {
    const json = forms[form];
    expect(refs(json).filter(({ target }) => target === undefined)).toEqual([]);
    expect(() => compileJsonSchema(json)).not.toThrow();
    expect(() => compile2019(json)).not.toThrow();
  });

  it.each(Object.keys(forms) as (keyof typeof forms)[])("the %s form accepts and refuses what the spec's own schema does", (form) => {
    const oracle = compile2019(original);
    const generated = compile2019(forms[form]);
    const parse = liveSchema(intent.schema, intent.resolve);
    for (const value of VALID) {
      expect(oracle(value), `oracle: ${JSON.stringify(value)}`).toBe(true);
      expect(parse.safeParse(value).success, `zod: ${JSON.stringify(value)}`).toBe(true);
      expect(generated(value), JSON.stringify(value)).toBe(true);
    }
    for (const value of INVALID) {
      expect(oracle(value), `oracle: ${JSON.stringify(value)}`).toBe(false);
      expect(parse.safeParse(value).success, `zod: ${JSON.stringify(value)}`).toBe(false);
      expect(generated(value), JSON.stringify(value)).toBe(false);
    }
  });

  it("inlines a shared schema in the inline form and points at the recursive ones' definitions; the exported form names each", () => {
    const inline = forms.inline as { [key: string]: Json };
    expect(inline["then"]).toEqual({ properties: { value: { type: "string", pattern: "^[a-z]+$" } } });
    expect(inline["propertyNames"]).toEqual({ type: "string", pattern: "^[a-z]+$" });
    // Annotated, the reference is zod's `allOf` of one `$ref` (draft 7 reads nothing beside a `$ref`).
    expect(inline["else"]).toEqual({ properties: { value: { description: "a tree", allOf: [{ $ref: "#/definitions/Tree" }] } } });
    /** The named schemas stated under definitions (zod names the rest, any JSON value's recursion, `__schema<n>`). */
    const named = (json: { [key: string]: Json }) => Object.keys(json["definitions"] as object).filter((name) => !name.startsWith("__"));
    expect(named(inline).sort()).toEqual(["Chain", "Tree"]);
    const exported = forms.exported as { [key: string]: Json };
    expect(exported["then"]).toEqual({ properties: { value: { $ref: "#/definitions/Code" } } });
    expect(exported["propertyNames"]).toEqual({ $ref: "#/definitions/Code" });
    expect(named(exported).sort()).toEqual(["Box", "Chain", "Code", "Tree"]);
  });

  it("states a schema recursive only through a carried keyword under definitions, in both forms", () => {
    const event = schemas.find(({ schema }) => schema.typeName === "CarriedChainedPayload")!;
    for (const json of [jsonSchemaOf(event.schema, event.resolve, "input"), exportedJsonSchemaOf(event.schema, event.resolve)] as Json[]) {
      expect(json).toMatchObject({
        $ref: "#/definitions/Chain",
        definitions: { Chain: { then: { properties: { next: { allOf: [{ $ref: "#/definitions/Chain" }] } } } } },
      });
      const validate = compile2019(json);
      expect(validate({ name: "a", next: { name: "b" } })).toBe(true);
      expect(validate({ name: "a", next: { next: 1 } })).toBe(false);
    }
  });
});
