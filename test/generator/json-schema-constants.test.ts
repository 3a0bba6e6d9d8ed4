import { afterAll, beforeAll, expect, it } from "vitest";
import { Workspace } from "./workspace";

/**
 * Issue 21 item 1: the JSON Schema constants a module exports (`<kind>IntentJsonSchema`,
 * `<name>PayloadJsonSchema`, `<kind>StartJsonSchema`) compile under the strictest settings. As plain
 * object literals, union branches with different keys were widened to `key?: undefined`, which is
 * not assignable to the runtime's `JsonObject`.
 */
const spec = `
triggers:
  - kind: note.add
    intentEventKind: note.add.requested
    cancellation: ignored
    intent:
      type: object
      properties:
        note: { type: [string, "null"], maxLength: 200 }
        target:
          anyOf:
            - { type: string, minLength: 1 }
            - type: object
              properties: { id: { type: integer } }
              required: [id]
    outcome: { type: object }
    events: {}
streams:
  - kind: note.stream
    mode: output_only
    cancellation: ignored
    onDetach: abort
    start:
      oneOf:
        - { type: object, properties: { a: { type: string } }, required: [a] }
        - { type: array, items: { type: number }, minItems: 1 }
    result: { type: object }
    events: {}
events:
  note.seen:
    payload:
      anyOf:
        - { type: string, format: email }
        - { type: object, properties: { n: { type: number, maximum: 3 } } }
`;

let ws: Workspace;
beforeAll(async () => {
  ws = new Workspace({ "specs/notes.yaml": spec });
  await ws.generateOrThrow();
  ws.write(
    "app/use.ts",
    `import type { JsonObject } from "durable-triggers";
import { noteAddIntentJsonSchema, noteSeenPayloadJsonSchema, noteStreamStreamStartJsonSchema } from "../generated/notes";
export const schemas: readonly JsonObject[] = [noteAddIntentJsonSchema, noteSeenPayloadJsonSchema, noteStreamStreamStartJsonSchema];
`,
  );
}, 30_000);
afterAll(() => ws.dispose());

it("types every JSON Schema constant as JsonObject, so unions of differently keyed branches compile under strict", () => {
  const module = ws.read("generated/notes.ts");
  expect(module).toMatch(/export const noteAddIntentJsonSchema: JsonObject = \{/);
  expect(module).toMatch(/export const noteSeenPayloadJsonSchema: JsonObject = \{/);
  expect(module).toMatch(/export const noteStreamStreamStartJsonSchema: JsonObject = \{/);
  expect(ws.typecheck()).toEqual([]);
});
