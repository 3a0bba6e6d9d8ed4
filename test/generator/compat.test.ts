import { describe, expect, it } from "vitest";
import * as z from "zod";
import { breakingChanges } from "../../generator/compat.ts";
import { parseRecord, type VersionRecord } from "../../generator/versions.ts";
import { Workspace } from "./workspace.ts";

/** The check as the generator runs it: what the old version stored (its output) against what the new one accepts (its input). */
const check = (old: z.ZodType, next: z.ZodType) =>
  breakingChanges(z.toJSONSchema(old, { target: "draft-7", io: "output" }), z.toJSONSchema(next, { target: "draft-7", io: "input" }));

const id = z.string().min(1);

/** A recursive object schema: zod prints its self-reference as `$ref: "#"`. Its kids are optional, so a stored example can stop at any depth. */
const tree = (name: z.ZodString) => {
  const node: z.ZodType = z.object({
    name,
    get kids() {
      return z.array(node).optional();
    },
  });
  return node;
};

describe("the compatibility check of intent schema versions", () => {
  it.each([
    ["an optional field added", z.object({ id }), z.object({ id, note: z.string().optional() })],
    ["a field with a default added", z.object({ id }), z.object({ id, priority: z.number().int().default(1) })],
    ["a field removed (stored values keep it, and it is dropped)", z.object({ id, old: z.string() }), z.object({ id })],
    ["an enum widened", z.enum(["a", "b"]), z.enum(["a", "b", "c"])],
    ["a lower bound relaxed", z.string().min(3), z.string().min(1)],
    ["an upper bound relaxed", z.number().max(5), z.number().max(10)],
    ["an array bound relaxed", z.array(z.string()).max(2), z.array(z.string()).max(4)],
    ["a union widened", z.string(), z.union([z.string(), z.number()])],
    ["null allowed", z.string(), z.string().nullable()],
    ["integers widened to numbers", z.number().int(), z.number()],
    [
      "a branch added to an object union",
      z.union([z.object({ kind: z.literal("a") })]),
      z.union([z.object({ kind: z.literal("a") }), z.object({ kind: z.literal("b") })]),
    ],
    ["an exclusive bound relaxed to an inclusive one", z.number().gt(0), z.number().min(0)],
    [
      "a nested optional field added under an array",
      z.object({ items: z.array(z.object({ sku: id })) }),
      z.object({ items: z.array(z.object({ sku: id, note: z.string().optional() })) }),
    ],
    ["additionalProperties: false added where stored values were stripped", z.object({ id }), z.strictObject({ id })],
    // Untyped JSON is a recursive definition (an array or object of itself): comparing it must end.
    ["untyped JSON kept", z.object({ id, value: z.json() }), z.object({ id, value: z.json() })],
    [
      "an optional field added beside untyped JSON",
      z.object({ value: z.json() }),
      z.object({ value: z.json(), note: z.string().optional() }),
    ],
    ["a recursive schema kept", tree(z.string()), tree(z.string())],
  ])("calls %s compatible", (_, old, next) => {
    expect(check(old, next)).toEqual([]);
  });

  it.each([
    ["a required field added", z.object({ id }), z.object({ id, email: z.string() }), "$", "required"],
    ["a type narrowed", z.union([z.string(), z.number()]), z.string(), "$", "type"],
    ["numbers narrowed to integers", z.number(), z.number().int(), "$", "type"],
    ["null no longer allowed", z.object({ id: z.string().nullable() }), z.object({ id: z.string() }), "id", "type"],
    ["an enum value removed", z.object({ tier: z.enum(["free", "pro"]) }), z.object({ tier: z.enum(["pro"]) }), "tier", "enum"],
    ["a format added", z.object({ email: z.string() }), z.object({ email: z.email() }), "email", "format"],
    ["a pattern added", z.string(), z.string().regex(/^[a-z]+$/), "$", "pattern"],
    ["a minimum raised", z.number().min(1), z.number().min(3), "$", "minimum"],
    ["a maximum lowered", z.number().max(10), z.number().max(5), "$", "maximum"],
    ["a lower bound made exclusive", z.number().min(0), z.number().gt(0), "$", "exclusiveMinimum"],
    ["a multipleOf added", z.number(), z.number().multipleOf(5), "$", "multipleOf"],
    ["minLength raised", z.string().min(1), z.string().min(3), "$", "minLength"],
    ["maxLength lowered", z.string().max(10), z.string().max(3), "$", "maxLength"],
    ["maxItems lowered", z.array(z.string()).max(5), z.array(z.string()).max(2), "$", "maxItems"],
    [
      "a union branch removed",
      z.union([z.object({ kind: z.literal("a") }), z.object({ kind: z.literal("b") })]),
      z.union([z.object({ kind: z.literal("a") })]),
      "$",
      "type",
    ],
    [
      "additionalProperties: false added where stored values kept extra keys",
      z.looseObject({ id }),
      z.strictObject({ id }),
      "$",
      "additionalProperties",
    ],
    [
      "a patternProperties pattern changed",
      z.record(z.string().regex(/^a/), z.number()),
      z.record(z.string().regex(/^b/), z.number()),
      "$",
      "patternProperties",
    ],
    ["a record's values narrowed", z.record(z.string(), z.number()), z.record(z.string(), z.number().int()), "key", "type"],
    ["a tuple item tightened", z.tuple([z.string(), z.number()]), z.tuple([z.string(), z.number().min(5)]), "[1]", "minimum"],
    ["an intersection given a tighter part", z.string().and(z.string().min(1)), z.string().and(z.string().min(3)), "$", "minLength"],
    [
      "a nested bound tightened inside an array",
      z.object({ items: z.array(z.object({ quantity: z.number().int().min(1) })) }),
      z.object({ items: z.array(z.object({ quantity: z.number().int().min(2) })) }),
      "items[*].quantity",
      "minimum",
    ],
    ["untyped JSON narrowed to a string", z.object({ value: z.json() }), z.object({ value: z.string() }), "value", "type"],
    [
      "a field beside untyped JSON tightened",
      z.object({ id, value: z.json() }),
      z.object({ id: z.string().min(2), value: z.json() }),
      "id",
      "minLength",
    ],
    ["a recursive schema's field tightened", tree(z.string()), tree(z.string().min(1)), "kids[*].name", "minLength"],
  ])("calls %s breaking, with a stored value the new version refuses", (_, old, next, path, keyword) => {
    const breaks = check(old, next);
    expect(breaks.map((b) => [b.path, b.keyword])).toContainEqual([path, keyword]);
    for (const { example, rule } of breaks) {
      // The example is honest: the old version accepted it, the new one refuses it.
      expect(old.safeParse(example).success, `${rule}: ${JSON.stringify(example)} under the old schema`).toBe(true);
      expect(next.safeParse(example).success, `${rule}: ${JSON.stringify(example)} under the new schema`).toBe(false);
    }
  });
});

describe("the compatibility check on the generator's schemas", () => {
  it("ends, and finds no break, comparing an intent with an untyped field with itself", async () => {
    const ws = new Workspace({
      "specs/mail.yaml": `triggers:
  - kind: mail.send
    intentEventKind: mail.send.requested
    cancellation: cooperative
    intent:
      type: object
      required: [to]
      properties:
        to: { type: string }
        value: {}
    outcome: { type: object }
    events: {}
`,
    });
    try {
      await ws.generateOrThrow();
      const record = parseRecord(ws.read("generated/intent-versions.json")) as VersionRecord;
      const { stored, accepted } = record.intents["mail.send"]![0]!;
      // The untyped field is the recursive JSON-value definition, reached through a $ref.
      expect(JSON.stringify(stored)).toContain('"$ref"');
      expect(breakingChanges(stored, accepted)).toEqual([]);
      expect(breakingChanges(stored, stored)).toEqual([]);
      expect(breakingChanges(accepted, accepted)).toEqual([]);
    } finally {
      ws.dispose();
    }
  });
});
