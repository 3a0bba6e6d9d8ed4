import { expect, it } from "vitest";
import { jsonSchemaOf, zodJsonSchema } from "../../generator/emit/schema";
import { schemasOf, SPECS } from "./spec-schemas";

/**
 * Issue 21 (speed): zod's input pass is quadratic (it asks at every schema whether anything below it
 * transforms), so where input and output differ only in open objects' `additionalProperties: false`
 * the generator takes zod's output pass without it. The accepted JSON Schema is what the version
 * record hashes: the shortcut must give zod's input pass byte for byte, on every spec at hand; so
 * must it for the module's constants, which state each shared schema once under `definitions`. Both
 * the record's schemas come from one output pass, open objects marked: the output must be zod's too.
 */
it.each(SPECS)("%s: every schema's accepted JSON Schema is zod's input pass, byte for byte", (file, text) => {
  const schemas = schemasOf(file, text);
  expect(schemas.length).toBeGreaterThan(0);
  for (const { schema, resolve } of schemas) {
    expect(JSON.stringify(jsonSchemaOf(schema, resolve, "input")), `${file}: ${schema.typeName}`).toBe(
      JSON.stringify(zodJsonSchema(schema, resolve, "input", { shortcut: false })),
    );
    // The output from the same pass (one marked output pass gives both): zod's output pass, byte for byte.
    expect(JSON.stringify(jsonSchemaOf(schema, resolve, "output")), `${file}: ${schema.typeName}`).toBe(
      JSON.stringify(zodJsonSchema(schema, resolve, "output", { shortcut: false })),
    );
    // The module's form too, shared schemas under `definitions` (exportedJsonSchemaOf).
    expect(JSON.stringify(zodJsonSchema(schema, resolve, "input", { definitions: true })), `${file}: ${schema.typeName}`).toBe(
      JSON.stringify(zodJsonSchema(schema, resolve, "input", { shortcut: false, definitions: true })),
    );
  }
});
