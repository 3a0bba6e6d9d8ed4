import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Workspace } from "./workspace";

const shop = readFileSync(join(dirname(fileURLToPath(import.meta.url)), "fixtures/shop.yaml"), "utf8");
type Parse = (raw: unknown) => { ok: true; intent: unknown } | { ok: false; reason: string };

// One generated workspace serves every parser test in this file.
let ws: Workspace;
let parse: Parse;
beforeAll(async () => {
  ws = new Workspace({ "specs/shop.yaml": shop });
  await ws.generateOrThrow();
  parse = (await import(join(ws.root, "generated/shop.ts"))).parseShopCheckoutIntent;
});
afterAll(() => ws.dispose());

describe("generated parsers", () => {
  const money = { amount: 500 };
  const valid = { cartId: "8f14e45f-ceea-467f-a0e6-0d3c1f9b5a2e", lines: [{ sku: "a", quantity: 2, price: money }], total: money };

  it("accepts a valid payload and applies defaults", () => {
    expect(parse(valid)).toEqual({
      ok: true,
      intent: {
        ...valid,
        lines: [{ sku: "a", quantity: 2, price: { amount: 500, currency: "EUR" } }],
        total: { amount: 500, currency: "EUR" },
      },
    });
    expect(parse({ ...valid, coupon: "ABC-12", channel: "web", priority: 2, meta: { a: "b" }, notes: { any: [1] } }).ok).toBe(true);
  });

  it.each([
    ["a wrong type at the root", 42, /^\$: expected object, received number$/],
    ["a missing field", { ...valid, cartId: undefined }, /^cartId: expected string, received undefined$/],
    ["a bad format", { ...valid, cartId: "nope" }, /^cartId: Invalid UUID/],
    [
      "a nested field in an array",
      { ...valid, lines: [valid.lines[0], { sku: "b", quantity: 0, price: money }] },
      /^lines\[1\]\.quantity: Too small: expected number to be >=1$/,
    ],
    ["a pattern", { ...valid, coupon: "abc-12" }, /^coupon: Invalid string: must match pattern/],
    ["an enum", { ...valid, total: { amount: 1, currency: "GBP" } }, /^total\.currency: Invalid option: expected one of "EUR"\|"USD"$/],
    ["an extra key on a closed object", { ...valid, total: { amount: 1, tip: 2 } }, /^total: Unrecognized key: "tip"$/],
    ["too many items", { ...valid, lines: Array(4).fill(valid.lines[0]) }, /^lines: Too big: expected array to have <=3 items$/],
    ["a const", { ...valid, channel: "app" }, /^channel: Invalid input: expected "web"$|^channel: expected "web"$/],
  ])("refuses %s, naming the path", (_, raw, reason) => {
    const result = parse(raw);
    expect(result.ok).toBe(false);
    expect((result as { reason: string }).reason).toMatch(reason);
  });
});

describe("generated parsers, on string formats as JSON Schema means them", () => {
  const money = { amount: 500 };
  const base = { cartId: "8f14e45f-ceea-467f-a0e6-0d3c1f9b5a2e", lines: [{ sku: "a", quantity: 2, price: money }], total: money };

  // date-time is RFC 3339's: a date, a time with seconds, and Z or an offset.
  it.each([
    "2024-03-01T07:34:56Z",
    "2024-03-01T07:34:56-05:00",
    "2024-03-01T07:34:56+05:30",
    "2024-03-01T07:34:56.123Z",
    "2024-03-01T07:34:56.5+01:00",
    "2024-02-29T23:59:59-00:00",
  ])("accepts the date-time %s", (placedAt) => {
    expect(parse({ ...base, placedAt })).toMatchObject({ ok: true });
  });

  it.each([
    "2024-03-01T07:34:56", // no offset: a local time is not a point in time
    "2024-03-01",
    "2024-03-01T07:34Z", // no seconds
    "2024-03-01T07:34:56+5:00",
    "2024-03-01T25:34:56Z",
    "2024-13-01T07:34:56Z",
    "2023-02-29T07:34:56Z",
    "tomorrow",
  ])("refuses the date-time %s", (placedAt) => {
    expect(parse({ ...base, placedAt })).toMatchObject({ ok: false, reason: expect.stringMatching(/^placedAt: /) });
  });

  // uuid is RFC 4122's string layout: 32 hex digits in groups of 8-4-4-4-12, whatever the version and variant bits.
  it.each([
    "12345678-1234-1234-1234-123456789abc",
    "8f14e45f-ceea-467f-a0e6-0d3c1f9b5a2e",
    "8F14E45F-CEEA-467F-A0E6-0D3C1F9B5A2E",
    "00000000-0000-0000-0000-000000000000",
    "ffffffff-ffff-ffff-ffff-ffffffffffff",
    "01890a5d-ac96-774b-bcce-b302099a8057",
  ])("accepts the uuid %s", (cartId) => {
    expect(parse({ ...base, cartId })).toMatchObject({ ok: true });
  });

  it.each([
    "nope",
    "8f14e45f-ceea-467f-a0e6-0d3c1f9b5a2",
    "8f14e45f-ceea-467f-a0e6-0d3c1f9b5a2ef",
    "8f14e45fceea467fa0e60d3c1f9b5a2e",
    "{8f14e45f-ceea-467f-a0e6-0d3c1f9b5a2e}",
    "g8f14e45-ceea-467f-a0e6-0d3c1f9b5a2e",
    " 8f14e45f-ceea-467f-a0e6-0d3c1f9b5a2e",
  ])("refuses the uuid %j", (cartId) => {
    expect(parse({ ...base, cartId })).toMatchObject({ ok: false, reason: expect.stringMatching(/^cartId: Invalid UUID$/) });
  });
});

describe("generated parsers, on keys that are not plain names", () => {
  const spec = `triggers:
  - kind: odd.keys
    intentEventKind: odd.keys.requested
    cancellation: cooperative
    intent:
      type: object
      properties:
        plan.tier: { type: string, maxLength: 3 }
        plan: { type: object, properties: { tier: { type: string, maxLength: 3 }, "0": { type: integer }, "": { type: integer } } }
        'say "hi"]': { type: integer }
        items: { type: array, items: { type: object, properties: { $name_1: { type: integer } } } }
    outcome: { type: object }
    events: {}
`;
  let ws: Workspace;
  let parse: Parse;
  beforeAll(async () => {
    ws = new Workspace({ "specs/odd.yaml": spec });
    await ws.generateOrThrow();
    parse = (await import(join(ws.root, "generated/odd.ts"))).parseOddKeysIntent;
  });
  afterAll(() => ws.dispose());

  it.each([
    ["a key holding a dot", { "plan.tier": "gold" }, /^\["plan\.tier"\]: Too big: /],
    ["the nested key it could be mistaken for", { plan: { tier: "gold" } }, /^plan\.tier: Too big: /],
    ["a key that reads as an index", { plan: { "0": "x" } }, /^plan\["0"\]: expected number, received string$/],
    ["an empty key", { plan: { "": "x" } }, /^plan\[""\]: expected number, received string$/],
    ["a key with quotes and a bracket", { 'say "hi"]': "x" }, /^\["say \\"hi\\"\]"\]: expected number, received string$/],
    [
      "a plain name after an index",
      { items: [{ $name_1: 1 }, { $name_1: "x" }] },
      /^items\[1\]\.\$name_1: expected number, received string$/,
    ],
  ])("names the path of %s unambiguously", (_, raw, reason) => {
    const result = parse(raw);
    expect(result.ok).toBe(false);
    expect((result as { reason: string }).reason).toMatch(reason);
  });
});

describe("regeneration", () => {
  const spec = (extraEvent = "") => `triggers:
  - kind: note.saved
    intentEventKind: note.saved.requested
    cancellation: cooperative
    intent: { type: object, required: [id], properties: { id: { type: string } } }
    outcome: { type: object, required: [id], properties: { id: { type: string } } }
    events:
      note.saved.done: { payload: outcome }${extraEvent}
`;
  const filled = `import type { NoteSavedHandlers } from "../../generated";

// The person's own comment and helper, which must survive every run.
const stamp = (id: string) => \`saved:\${id}\`;

export const handlers: NoteSavedHandlers = {
  async acquire(intent) {
    return { id: stamp(intent.id) };
  },
  commit(outcome, tx) {
    tx.insertEvent({ kind: "note.saved.done", payload: outcome });
  },
  commitCancelled() {},
};
`;

  it("keeps every body a person wrote when the spec changes", async () => {
    const ws = new Workspace({ "specs/notes.yaml": spec() });
    try {
      await ws.generateOrThrow();
      ws.write("app/triggers/note.saved.ts", filled);
      ws.write("specs/notes.yaml", spec("\n      note.saved.archived: { payload: intent }"));
      const result = await ws.generateOrThrow();
      // The new event kind is recorded too (its payload, for the check of later changes).
      expect(result.changes.map((c) => c.path)).toEqual(["generated/intent-versions.json", "generated/notes.ts"]);
      expect(ws.read("app/triggers/note.saved.ts")).toBe(filled);
      expect(ws.read("generated/notes.ts")).toContain('"note.saved.archived"');
    } finally {
      ws.dispose();
    }
  });

  it("adds what a handler file lacks (its type import, a member) and leaves the rest byte for byte", async () => {
    const ws = new Workspace({ "specs/notes.yaml": spec() });
    try {
      const withoutImportOrCancel = filled.replace(/^import type .*\n/, "").replace("  commitCancelled() {},\n", "");
      ws.write("app/triggers/note.saved.ts", withoutImportOrCancel);
      await ws.generateOrThrow();
      const repaired = ws.read("app/triggers/note.saved.ts");
      expect(repaired).toMatch(/^import type \{ NoteSavedHandlers \} from "\.\.\/\.\.\/generated";\n/);
      expect(repaired).toContain(
        'commitCancelled(_intent, _cancellation, _tx) {\n    throw new Error("note.saved: commitCancelled is not written yet");',
      );
      for (const line of withoutImportOrCancel.split("\n").filter((l) => l.trim() && l !== "};")) expect(repaired).toContain(line);
      expect(ws.typecheck()).toEqual([]);
      expect((await ws.generateOrThrow()).changes).toEqual([]);
    } finally {
      ws.dispose();
    }
  });

  it("leaves the handler of a removed trigger alone and reports it", async () => {
    const ws = new Workspace({ "specs/notes.yaml": spec(), "specs/other.yaml": spec().replaceAll("note.saved", "other.saved") });
    try {
      await ws.generateOrThrow();
      ws.write("app/triggers/note.saved.ts", filled);
      ws.remove("specs/notes.yaml");
      const result = await ws.generateOrThrow();
      expect(result.orphanHandlers).toEqual(["app/triggers/note.saved.ts"]);
      expect(ws.read("app/triggers/note.saved.ts")).toBe(filled);
      expect(result.changes).toContainEqual({ path: "generated/notes.ts", change: "deleted" });
    } finally {
      ws.dispose();
    }
  });
});
