import { describe, expect, it } from "vitest";
import { freshAgent, phaseOf, storeOf } from "./helpers";

/** The furthest time from the epoch a JavaScript Date can hold, either way. */
const DATE_LIMIT = 8.64e15;

describe("enqueueTrigger's at", () => {
  it.each([
    ["1e308", 1e308],
    ["-1e308", -1e308],
    ["just past a Date's range", DATE_LIMIT + 1],
    ["just before a Date's range", -DATE_LIMIT - 1],
  ])("refuses %s, which no Date can hold, and writes nothing", async (_, at) => {
    const { agent } = freshAgent("at-range");
    const before = await storeOf(agent);
    await expect(agent.enqueueTrigger({ triggerKind: "test.script", payload: { id: "far", acquire: "return" }, at })).rejects.toThrow(
      /at must be .*a JavaScript Date can hold/,
    );
    expect(await storeOf(agent)).toEqual(before);
  });

  it("accepts the last time a Date can hold", async () => {
    const { agent } = freshAgent("at-edge");
    const { id } = await agent.enqueueTrigger({ triggerKind: "test.script", payload: { id: "edge", acquire: "return" }, at: DATE_LIMIT });
    expect(await agent.intentState(id)).toBe("scheduled");
    expect((await agent.intents()).map((s) => s.fireAt)).toEqual([DATE_LIMIT]);
  });

  it("runs work due at the first time a Date can hold, long past, at once", async () => {
    const { agent } = freshAgent("at-past");
    const { id } = await agent.enqueueTrigger({ triggerKind: "test.script", payload: { id: "past", acquire: "return" }, at: -DATE_LIMIT });
    expect(await phaseOf(agent, id, "completed")).toBe("completed");
  });

  it("rounds a fractional time up to the next whole millisecond, so work never starts before it asked", async () => {
    const { agent } = freshAgent("at-fraction");
    const at = Date.now() + 60_000.25;
    await agent.enqueueTrigger({ triggerKind: "test.script", payload: { id: "frac", acquire: "return" }, at });
    expect((await agent.intents()).map((s) => s.fireAt)).toEqual([Math.ceil(at)]);
  });

  it("refuses a follow-up at 1e308 from tx.enqueue: the commit rolls back and counts as a failed attempt", async () => {
    const { agent } = freshAgent("at-follow-up");
    const { id } = await agent.enqueueTrigger({
      triggerKind: "test.failing",
      payload: { id: "parent", acquire: "return", commit: "enqueueFollowUp", followUpAt: 1e308 },
    });
    expect(await phaseOf(agent, id, "completed", "failed")).toBe("failed");

    const store = await storeOf(agent);
    expect(store.work.map((row) => row.intent_id)).toEqual([id]);
    const facts = await agent.events({ kinds: ["test.failing.failed", "test.script.requested", "test.failing.done"] });
    expect(facts.map((e) => e.kind)).toEqual(["test.failing.failed"]);
    expect(JSON.stringify(facts[0]!.payload)).toMatch(/at must be .*a JavaScript Date can hold/);
  });
});
