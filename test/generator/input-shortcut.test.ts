import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { expect, it } from "vitest";
import { checkSpecs } from "../../generator/check";
import { jsonSchemaOf, zodJsonSchema } from "../../generator/emit/schema";
import { buildModel, type SchemaModel } from "../../generator/model";
import { readSpec } from "../../generator/read";

/**
 * Issue 21 (speed): zod's input pass is quadratic (it asks at every schema whether anything below it
 * transforms), so where input and output differ only in open objects' `additionalProperties: false`
 * the generator takes zod's output pass without it. The accepted JSON Schema is what the version
 * record hashes: the shortcut must give zod's input pass byte for byte, on every spec at hand.
 */
const FIXTURES = join(import.meta.dirname, "fixtures");
const files = [
  "constructs.yaml",
  "shop.yaml",
  ...["real", "real-world"].flatMap((dir) =>
    readdirSync(join(FIXTURES, dir))
      .filter((f) => f.endsWith(".yaml"))
      .map((f) => `${dir}/${f}`),
  ),
];

/** Open and closed objects, optional keys, nullables, unions, intersections, tuples, records, recursion, refinements. */
const mixed = `
schemas:
  node:
    type: object
    properties:
      name: { type: string }
      children: { type: array, items: { $ref: node } }
    required: [name]
  closed:
    type: object
    properties: { a: { type: integer, minimum: 1 } }
    additionalProperties: false
triggers:
  - kind: mixed.run
    intentEventKind: mixed.run.requested
    cancellation: ignored
    intent:
      type: object
      properties:
        tree: { $ref: node }
        closed: { $ref: closed }
        open: { type: object, properties: { b: { type: [string, "null"] } } }
        extra: { type: object, additionalProperties: { type: number } }
        pair: { type: array, prefixItems: [{ type: string }, { type: number }], items: false, minItems: 1 }
        both: { allOf: [{ type: object, properties: { x: { type: string } } }, { type: object, properties: { y: { type: string } } }] }
        either: { anyOf: [{ type: object, properties: { k: { const: a } }, required: [k] }, { type: string, format: email }] }
      required: [tree]
    outcome: { type: object }
    events: {}
`;

function schemasOf(file: string, text: string): { schema: SchemaModel; resolve: (ref: string) => SchemaModel }[] {
  const read = readSpec(file, text);
  if (!read.ok) throw new Error(read.errors.map((e) => e.message).join("\n"));
  const checked = checkSpecs([read.spec]);
  if (checked.errors.length > 0) throw new Error(checked.errors.map((e) => e.message).join("\n"));
  return buildModel(checked.specs).flatMap((module) => {
    const inModule = (refs: ReadonlyMap<string, SchemaModel>) => (ref: string) => refs.get(ref)!;
    return [
      ...module.schemas.map((schema) => ({ schema, resolve: inModule(module.refs) })),
      ...[...module.triggers, ...module.streams].flatMap((owner) => {
        const resolve = inModule(owner.refs);
        const roles =
          "intent" in owner
            ? [owner.intent, owner.outcome]
            : [owner.start, owner.result, owner.progress, owner.output].filter((s) => s !== undefined);
        return [...roles, ...owner.events].map((schema) => ({ schema, resolve }));
      }),
      ...module.events.map((event) => ({ schema: event.payload, resolve: inModule(module.refs) })),
    ];
  });
}

it.each([...files.map((f) => [f, readFileSync(join(FIXTURES, f), "utf8")]), ["mixed.yaml", mixed]])(
  "%s: every schema's accepted JSON Schema is zod's input pass, byte for byte",
  (file, text) => {
    const schemas = schemasOf(file, text);
    expect(schemas.length).toBeGreaterThan(0);
    for (const { schema, resolve } of schemas) {
      expect(JSON.stringify(jsonSchemaOf(schema, resolve, "input")), `${file}: ${schema.typeName}`).toBe(
        JSON.stringify(zodJsonSchema(schema, resolve, "input", { shortcut: false })),
      );
    }
  },
);
