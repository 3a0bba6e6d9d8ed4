import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { JsonSchema } from "../../generator/compat.ts";
import { SHARED_AT, sharedDecoder } from "../../generator/record-form.ts";
import { parseRecord, releaseRecord, renderRecord, type VersionRecord } from "../../generator/versions.ts";
import { Workspace } from "./workspace.ts";

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), "fixtures");
/** Records as main wrote them before the shared form (its goldens, every schema inline). */
const INLINE = ["intent-versions.json", "intent-versions-upgrades.json"].map((name) => ({
  name,
  text: readFileSync(join(FIXTURES, "inline-record", name), "utf8"),
}));

/** The record as it was written before the shared form: sorted kinds, every schema inline. */
function inlineForm(record: VersionRecord): string {
  const byKind = <T>(entries: Readonly<Record<string, T>>) =>
    Object.fromEntries(
      Object.keys(entries)
        .sort()
        .map((k) => [k, entries[k]!]),
    );
  return `${JSON.stringify({ events: byKind(record.events), intents: byKind(record.intents) }, null, 2)}\n`;
}

const read = (text: string) => {
  const record = parseRecord(text);
  if (typeof record === "string") throw new Error(record);
  return record;
};

/** A record of one kind whose every version stores and accepts `schemas`, and an event per schema. */
const recordOf = (schemas: readonly unknown[]): VersionRecord => ({
  intents: {
    "a.b": schemas.map((schema, i) => ({
      version: i + 1,
      hash: `sha256:${i}`,
      stored: schema as JsonSchema,
      accepted: schema as JsonSchema,
    })),
  },
  events: Object.fromEntries(schemas.map((schema, i) => [`e${i}`, { hash: `sha256:${i}`, stored: schema as JsonSchema }])),
});

describe("the record's shared form", () => {
  it("reads a record written inline (main's goldens) as the same record as its rewrite, which is stable and smaller", () => {
    for (const { name, text } of INLINE) {
      const inline = read(text);
      expect(inline, name).toEqual(JSON.parse(text));
      const rewritten = renderRecord(inline);
      expect(rewritten, name).toContain('"$shared"');
      expect(rewritten.length, name).toBeLessThan(text.length);
      expect(read(rewritten), name).toEqual(inline);
      expect(renderRecord(read(rewritten)), name).toBe(rewritten);
      // What generated code names: no version, hash or draft mark moved.
      expect(inlineForm(read(rewritten)), name).toBe(text);
    }
  });

  it("stores each object of at least SHARED_AT characters once, under a hash of its content, and leaves smaller ones in place", () => {
    const big = { type: "object", description: "x".repeat(SHARED_AT), properties: { a: { type: "string" } } };
    const small = { type: "string", minLength: 1 };
    const record = recordOf([{ allOf: [big, big, small] }, { anyOf: [small, big] }]);
    const json = JSON.parse(renderRecord(record)) as { shared: Record<string, unknown>; intents: { "a.b": { stored: unknown }[] } };
    const decode = sharedDecoder(json.shared);
    const ids = Object.keys(json.shared);
    expect(ids).toEqual([...ids].sort());
    // big once; each version's root (itself large) once; small nowhere in the table.
    expect(ids.map((id) => JSON.stringify(decode(json.shared[id])))).toEqual(
      expect.arrayContaining([JSON.stringify(big), JSON.stringify({ allOf: [big, big, small] }), JSON.stringify({ anyOf: [small, big] })]),
    );
    expect(ids).toHaveLength(3);
    expect(json.intents["a.b"][1]!.stored).toEqual({ $shared: expect.stringMatching(/^[0-9a-f]{16}$/) });
    expect(json.shared[(json.intents["a.b"][1]!.stored as { $shared: string }).$shared]).toEqual({
      anyOf: [small, { $shared: expect.any(String) }],
    });
    // An object one character under the rule stays in place.
    const under = { d: "x".repeat(SHARED_AT - 9) };
    expect(JSON.stringify(under)).toHaveLength(SHARED_AT - 1);
    expect(JSON.parse(renderRecord(recordOf([under]))).shared).toEqual({});
    expect(Object.keys(JSON.parse(renderRecord(recordOf([{ d: `${under.d}x` }]))).shared)).toHaveLength(1);
  });

  it("keeps genuine objects shaped like a marker or an escape, and any JSON, through a round trip", () => {
    const known = Object.keys(JSON.parse(renderRecord(recordOf([{ d: "x".repeat(SHARED_AT) }]))).shared)[0]!;
    const nasty = {
      type: "object",
      properties: { $shared: { type: "string", const: known }, $literal: { type: "object" } },
      const: { $shared: known },
      default: { $literal: { $shared: known } },
      enum: [{ $shared: "nope" }, { $literal: 1 }, { $shared: { $shared: known } }, JSON.parse(`{"__proto__": {"$shared": "${known}"}}`)],
      examples: [{ $shared: known, other: 1 }, JSON.parse(`{"__proto__": {"$literal": "${"x".repeat(SHARED_AT)}"}}`)],
    };
    const record = recordOf([nasty, { properties: { $shared: { $shared: { type: "string", description: "y".repeat(SHARED_AT) } } } }]);
    const text = renderRecord(record);
    expect(read(text)).toEqual(record);
    expect(JSON.stringify(read(text))).toBe(JSON.stringify(record));
    expect(renderRecord(read(text))).toBe(text);

    const key = fc.constantFrom("$shared", "$literal", "__proto__", "a", "type", known);
    const leaf = fc.oneof(
      fc.constantFrom(known, "nope", "$shared", "x".repeat(SHARED_AT / 2)),
      fc.integer(),
      fc.boolean(),
      fc.constant(null),
    );
    const { value } = fc.letrec((tie) => ({
      value: fc.oneof({ depthSize: "small" }, leaf, tie("object"), fc.array(tie("value"), { maxLength: 3 })),
      object: fc.dictionary(key, tie("value"), { maxKeys: 3 }),
    }));
    fc.assert(
      fc.property(fc.array(value, { minLength: 1, maxLength: 3 }), (schemas) => {
        const record = recordOf(schemas.map((schema) => JSON.parse(JSON.stringify(schema)) as unknown));
        const text = renderRecord(record);
        expect(JSON.stringify(read(text))).toBe(JSON.stringify(record));
        expect(renderRecord(read(text))).toBe(text);
      }),
      { numRuns: 300 },
    );
  });

  it("shares one frozen object per entry in the record it reads", () => {
    const record = read(renderRecord(read(INLINE[1]!.text)));
    const [v1] = record.intents["mail.send"]!;
    expect(v1!.stored).toBe(v1!.accepted);
    expect(Object.isFrozen(v1!.stored)).toBe(true);
    expect(() => {
      (v1!.stored as Record<string, unknown>)["type"] = "string";
    }).toThrow(TypeError);
  });

  it("refuses a shared form that does not hold together, naming what is wrong", () => {
    const record = (stored: unknown, shared: unknown) =>
      JSON.stringify({ events: {}, intents: { "a.b": [{ version: 1, hash: "sha256:0", stored, accepted: {} }] }, shared });
    expect(parseRecord(record({ $shared: "abc" }, {}))).toBe(
      'not a record of intent versions: {"$shared":"abc"} names no entry of "shared"',
    );
    expect(parseRecord(record({ $shared: 1 }, { 1: {} }))).toMatch(/names no entry of "shared"/);
    expect(parseRecord(record({ $shared: "a" }, { a: { not: { $shared: "a" } } }))).toBe(
      'not a record of intent versions: the entry "a" of "shared" contains itself',
    );
    expect(parseRecord(record({ $literal: 1 }, {}))).toBe('not a record of intent versions: "$literal" holds no object');
    expect(parseRecord(record({}, []))).toMatch(/^not a record of intent versions \(/);
  });
});

const spec = (copies: string) => `triggers:
  - kind: mail.send
    intentEventKind: mail.send.requested
    cancellation: cooperative
    intent:
      type: object
      required: [to]
      properties:
        to: { type: string, description: "Who gets it." }
        copies: { type: integer, minimum: 1, maximum: ${copies} }
    outcome: { type: object, properties: { id: { type: string } } }
    events:
      mail.send.sent: { payload: { type: object, required: [id, to], properties: { id: { type: string }, to: { type: string, description: "${"The recipient. ".repeat(8)}" } } } }
`;

describe("generate on a record written inline", () => {
  it("changes only the record's form: the same files otherwise, versions, hashes and drafts unchanged; the next run changes nothing", async () => {
    // Released version 1, draft version 2 (a bound relaxed), an event payload: every part of a record.
    const ws = new Workspace({ "specs/mail.yaml": spec("5") });
    try {
      await ws.generateOrThrow();
      ws.write("generated/intent-versions.json", renderRecord(releaseRecord(read(ws.read("generated/intent-versions.json"))).record));
      ws.write("specs/mail.yaml", spec("9"));
      await ws.generateOrThrow();
      const shared = ws.read("generated/intent-versions.json");
      const before = ws.snapshot(".");
      expect(read(shared).intents["mail.send"]!.map((v) => [v.version, v.draft ?? false])).toEqual([
        [1, false],
        [2, true],
      ]);

      const inline = inlineForm(read(shared));
      expect(inline).not.toContain('"$shared"');
      ws.write("generated/intent-versions.json", inline);
      expect((await ws.generateOrThrow()).changes).toEqual([{ path: "generated/intent-versions.json", change: "updated" }]);
      expect(ws.snapshot(".")).toEqual(before);
      expect((await ws.generateOrThrow()).changes).toEqual([]);
    } finally {
      ws.dispose();
    }
  });
});
