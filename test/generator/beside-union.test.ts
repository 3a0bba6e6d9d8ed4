import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { Workspace } from "./workspace";

/** Issue 21 item 6: keywords beside anyOf/oneOf hold as well as the union, as JSON Schema applies every keyword of a schema. */
const spec = `
events:
  thing.seen:
    payload:
      type: object
      required: [kind]
      properties: { kind: { type: string }, note: { type: string, maxLength: 3 } }
      anyOf:
        - { type: object, required: [a], properties: { a: { type: string } } }
        - { type: object, required: [b], properties: { b: { type: number } } }
  closed.seen:
    payload:
      additionalProperties: false
      properties: { id: { type: string } }
      allOf:
        - { type: object, properties: { name: { type: string } } }
  any.seen:
    payload: { type: object, properties: { v: { minLength: 2 } } }
  code.seen:
    payload:
      type: string
      maxLength: 4
      oneOf:
        - { minLength: 3 }
        - { pattern: "^x" }
`;

let ws: Workspace;
let thing: (raw: unknown) => { ok: boolean; reason?: string };
let code: (raw: unknown) => { ok: boolean; reason?: string };
let any: (raw: unknown) => { ok: boolean; reason?: string };
let closed: (raw: unknown) => { ok: boolean; reason?: string };
beforeAll(async () => {
  ws = new Workspace({ "specs/seen.yaml": spec });
  await ws.generateOrThrow();
  const module = await import(join(ws.root, "generated/seen.ts"));
  [thing, code, any, closed] = [
    module.parseThingSeenPayload,
    module.parseCodeSeenPayload,
    module.parseAnySeenPayload,
    module.parseClosedSeenPayload,
  ];
}, 30_000);
afterAll(() => ws.dispose());

it("checks properties and required beside a union, and the union too", () => {
  expect(thing({ kind: "k", a: "x" })).toEqual({ ok: true, payload: { kind: "k", a: "x" } });
  expect(thing({ kind: "k", b: 1, note: "abc" }).ok).toBe(true);
  expect(thing({ a: "x" }).reason).toMatch(/^kind: /);
  expect(thing({ kind: "k", a: "x", note: "abcd" }).reason).toMatch(/^note: Too big/);
  expect(thing({ kind: "k" }).ok).toBe(false);
  expect(thing({ kind: "k", a: 1 }).reason).toMatch(/^a: /);
});

it("checks a type and its bounds beside a union", () => {
  expect(code("abc").ok).toBe(true);
  expect(code("x").ok).toBe(true);
  expect(code("abcde").reason).toMatch(/Too big/);
  expect(code("ab").ok).toBe(false);
  expect(code(5).ok).toBe(false);
});

it("checks a constraint on a schema without type for values of its type, and lets others pass (item 8)", () => {
  expect(any({ v: "a" }).ok).toBe(false);
  expect(any({ v: "ab" }).ok).toBe(true);
  expect(any({ v: 5 }).ok).toBe(true);
  expect(any({ v: { x: [1] } })).toEqual({ ok: true, payload: { v: { x: [1] } } });
});

it("refuses, as Ajv does, a key additionalProperties: false beside allOf does not name, even one a part names (item 8)", () => {
  expect(closed({ id: "x" }).ok).toBe(true);
  expect(closed({ id: "x", other: 1 }).reason).toMatch(/Unrecognized key: "other"/);
  expect(closed({ id: "x", name: "n" }).reason).toMatch(/Unrecognized key: "name"/);
});

it("compiles under strict", () => {
  expect(ws.typecheck()).toEqual([]);
});
