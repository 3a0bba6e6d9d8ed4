import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { freshAgent, type TestAgent } from "../runtime/helpers";

const enqueueAny = (agent: TestAgent, payload: unknown) =>
  agent.enqueueTrigger({ triggerKind: "test.any", payload, at: Date.now() + 60_000 });

/** Values that cross RPC intact (structured clone) but are not JSON, each with how the refusal describes it. */
const notJson = fc.constantFrom<[unknown, RegExp]>(
  [new Date(0), /a Date object is not JSON/],
  [new Map([["a", 1]]), /a Map object is not JSON/],
  [new Set([1]), /a Set object is not JSON/],
  [Number.NaN, /NaN is not a JSON number/],
  [Number.POSITIVE_INFINITY, /Infinity is not a JSON number/],
  [10n, /a bigint is not JSON/],
  [new Uint8Array([1, 2]), /a Uint8Array object is not JSON/],
  [/re/, /a RegExp object is not JSON/],
);
const key = fc.string({ minLength: 1, maxLength: 6 }).filter((k) => /^[A-Za-z_]\w*$/.test(k));

describe("hostile payloads", () => {
  it("stores any JSON value exactly, __proto__ keys and odd strings included, without polluting prototypes", async () => {
    const { agent } = freshAgent("hostile-json");
    const payloads = fc.oneof(
      fc.jsonValue({ maxDepth: 6 }),
      fc.dictionary(fc.constantFrom("__proto__", "constructor", "prototype", "toString"), fc.jsonValue({ maxDepth: 2 })),
    );
    await fc.assert(
      fc.asyncProperty(payloads, async (payload) => {
        const expected = JSON.parse(JSON.stringify(payload));
        const { id } = await enqueueAny(agent, expected);
        const [stored] = await agent.events({ afterId: id - 1, limit: 1 });
        expect(stored?.payload).toEqual(expected);
      }),
      { numRuns: 150 },
    );
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it("refuses a non-JSON value anywhere in a payload, naming its path, and writes nothing", async () => {
    const { agent } = freshAgent("hostile-values");
    await fc.assert(
      fc.asyncProperty(fc.jsonValue({ maxDepth: 3 }), key, key, notJson, async (base, outer, inner, [bad, message]) => {
        const payload = { base, [outer]: { [inner]: [0, bad] } };
        await expect(enqueueAny(agent, payload)).rejects.toThrow(message);
        await expect(enqueueAny(agent, payload)).rejects.toThrow(`payload at $.${outer}.${inner}[1]`);
      }),
      { numRuns: 60 },
    );
    expect(await agent.events()).toEqual([]);
  });

  it("refuses nesting deeper than 64 levels and payloads over 1 MiB, and accepts just under both", async () => {
    const { agent } = freshAgent("hostile-size");
    const nest = (depth: number): unknown => (depth === 0 ? "leaf" : { a: nest(depth - 1) });
    await expect(enqueueAny(agent, nest(70))).rejects.toThrow(/nested deeper than 64 levels/);
    await expect(enqueueAny(agent, "x".repeat(1024 * 1024))).rejects.toThrow(/over the 1048576-byte limit/);
    await expect(enqueueAny(agent, "é".repeat(600 * 1024))).rejects.toThrow(/over the 1048576-byte limit/);
    expect(await agent.events()).toEqual([]);

    await enqueueAny(agent, nest(60));
    await enqueueAny(agent, "x".repeat(1024 * 1024 - 10));
    expect(await agent.events()).toHaveLength(2);
  });
});
