import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { AgentMethods } from "../../runtime";
import { eventually } from "./helpers";
import { crash, freshTimeAgent, timeAgentFor, type TimeAgent } from "./time-helpers";

/** Enough start deadlines passed at once that answering them all spans several of the drain's yields (64 a batch, a yield every 256). */
const MANY = 1_000;

/**
 * `MANY` intents of a kind with a start timeout, written in one turn inside
 * the object for an hour from now, then their start deadlines all put in the
 * past (as downtime would leave them).
 */
async function manyTimedOut(agent: TimeAgent): Promise<void> {
  await runInDurableObject(agent, async (instance, state) => {
    const object = instance as unknown as Pick<AgentMethods, "enqueueTrigger">;
    const later = Date.now() + 3_600_000;
    for (let i = 0; i < MANY; i++) await object.enqueueTrigger({ triggerKind: "time.start", payload: { id: `t${i}` }, at: later });
    state.storage.sql.exec("UPDATE work SET start_deadline = ? WHERE trigger_kind = 'time.start'", Date.now() - 1_000);
  });
}

/** How many have settled cancelled so far, as a request to the scope sees it: their facts, in one read. */
async function cancelledSoFar(agent: TimeAgent): Promise<string[]> {
  return (await agent.events({ kinds: ["time.start.cancelled"], limit: MANY })).map(
    (e) => (e.payload as { id: string; reason: string }).id,
  );
}

/** Asks the scope until it sees answering under way; answers the first count above zero it saw. */
async function firstSeenAnswering(agent: TimeAgent): Promise<number> {
  for (;;) {
    const cancelled = (await cancelledSoFar(agent)).length;
    if (cancelled > 0) return cancelled;
  }
}

/** Every intent cancelled exactly once, for its start timeout: one fact each, every row settled. */
async function expectEachCancelledOnce(agent: TimeAgent): Promise<void> {
  const ids = await cancelledSoFar(agent);
  expect(ids).toHaveLength(MANY);
  expect(new Set(ids)).toEqual(new Set(Array.from({ length: MANY }, (_, i) => `t${i}`)));
  const reasons = new Set(
    (await agent.events({ kinds: ["time.start.cancelled"], limit: MANY })).map((e) => (e.payload as { reason: string }).reason),
  );
  expect(reasons).toEqual(new Set(["timeout:start"]));
  const phases = new Set((await agent.intents({ limit: MANY })).map((intent) => intent.phase));
  expect(phases).toEqual(new Set(["cancelled"]));
}

describe("many timeouts passed at once", () => {
  it("are answered in batches with turns between them: a request to the scope is answered meanwhile, and each once", async () => {
    const { agent } = freshTimeAgent("timeouts-many");
    await manyTimedOut(agent);

    const alarm = runDurableObjectAlarm(agent);
    const seen = await firstSeenAnswering(agent);
    // Answered between two batches: some are cancelled, not all (in one synchronous turn it would see all or none).
    expect(seen).toBeGreaterThan(0);
    expect(seen).toBeLessThan(MANY);
    expect(await alarm).toBe(true);
    await expectEachCancelledOnce(agent);
  });

  it("lose and double no answer when the object is aborted between two batches", async () => {
    const { agent, scope } = freshTimeAgent("timeouts-many-crash");
    await manyTimedOut(agent);

    const alarm = runDurableObjectAlarm(agent).catch(() => "aborted");
    const seen = await firstSeenAnswering(agent);
    expect(seen).toBeLessThan(MANY);
    await crash(agent);
    await alarm;

    // The new instance arms its alarm for the deadlines still passed, and its drain answers the rest.
    const again = timeAgentFor(scope);
    await eventually(
      () => cancelledSoFar(again),
      (ids) => ids.length === MANY,
      "the rest to be answered after the restart",
      15_000,
    );
    await expectEachCancelledOnce(again);
  });
});
