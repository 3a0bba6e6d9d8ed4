import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { checkSpecs } from "../../generator/check";
import { buildModel, type SchemaModel } from "../../generator/model";
import { readSpec } from "../../generator/read";

/**
 * The specs the JSON Schema tests run over (input-shortcut.test.ts, exported-json-schema.test.ts):
 * the fixtures, the real-world corpus's kept conversions, and `mixed`, which has what they lack.
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

/**
 * Open and closed objects, optional keys, nullables, unions, intersections, tuples, records, recursion, refinements;
 * intents that are a shared schema (a bare reference), a recursive one too.
 */
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
  - kind: mixed.closed
    intentEventKind: mixed.closed.requested
    cancellation: ignored
    intent: closed
    outcome: { type: object }
    events: {}
  - kind: mixed.tree
    intentEventKind: mixed.tree.requested
    cancellation: ignored
    intent: node
    outcome: { type: object }
    events: {}
`;

/**
 * References inside the keywords zod has no method for (checks.ts carries them into the JSON Schema):
 * to a shared schema, to a recursive one, to one recursive only through such a keyword (`chain`), a
 * JSON pointer into a named schema, a bare name, annotations and `nullable` beside a `$ref`.
 */
export const carried = `
schemas:
  code: { type: string, pattern: "^[a-z]+$" }
  tree:
    type: object
    properties:
      name: { type: string }
      kids: { type: array, items: { $ref: tree } }
    required: [name]
  box:
    type: object
    properties:
      limits: { type: object, properties: { max: { type: integer, maximum: 10 } }, required: [max] }
  chain:
    type: object
    properties: { name: { type: string }, next: {} }
    if: { required: [next] }
    then: { properties: { next: { $ref: chain } } }
triggers:
  - kind: carried.run
    intentEventKind: carried.run.requested
    cancellation: ignored
    intent:
      type: object
      properties:
        kind: { type: string }
        value: {}
        tags: { type: array, items: { type: string }, contains: { $ref: code } }
        extra: {}
        link: {}
        box: { $ref: box }
      if: { properties: { kind: { const: code } }, required: [kind] }
      then: { properties: { value: { $ref: code } } }
      else: { properties: { value: { $ref: "#/schemas/tree", description: a tree } } }
      not: { properties: { extra: { $ref: "#/schemas/box/properties/limits" } }, required: [extra] }
      dependentSchemas:
        link: { properties: { link: { $ref: chain, nullable: true } } }
      propertyNames: code
    outcome: { type: object }
    events: {}
events:
  carried.chained:
    payload: chain
`;

/**
 * Every schema a spec's module declares, each with how it resolves its references and whether the
 * module exports its JSON Schema (an intent, a stream's start, a declared event's payload).
 */
export function schemasOf(file: string, text: string): { schema: SchemaModel; resolve: (ref: string) => SchemaModel; exported: boolean }[] {
  const read = readSpec(file, text);
  if (!read.ok) throw new Error(read.errors.map((e) => e.message).join("\n"));
  const checked = checkSpecs([read.spec]);
  if (checked.errors.length > 0) throw new Error(checked.errors.map((e) => e.message).join("\n"));
  return buildModel(checked.specs).flatMap((module) => {
    const inModule = (refs: ReadonlyMap<string, SchemaModel>) => (ref: string) => refs.get(ref)!;
    return [
      ...module.schemas.map((schema) => ({ schema, resolve: inModule(module.refs), exported: false })),
      ...[...module.triggers, ...module.streams].flatMap((owner) => {
        const resolve = inModule(owner.refs);
        const [first, ...roles] =
          "intent" in owner
            ? [owner.intent, owner.outcome]
            : [owner.start, owner.result, owner.progress, owner.output].filter((s) => s !== undefined);
        return [
          { schema: first!, resolve, exported: true },
          ...[...roles, ...owner.events].map((schema) => ({ schema, resolve, exported: false })),
        ];
      }),
      ...module.events.map((event) => ({ schema: event.payload, resolve: inModule(module.refs), exported: true })),
    ];
  });
}

/** Each spec at hand, as `[file, text]`. */
export const SPECS: [string, string][] = [
  ...files.map((f): [string, string] => [f, readFileSync(join(FIXTURES, f), "utf8")]),
  ["mixed.yaml", mixed],
  ["carried.yaml", carried],
];
