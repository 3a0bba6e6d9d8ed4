import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { AgentMethods } from "../../runtime";
import { eventually } from "./helpers";
import { crash, firingKeys, freshTimeAgent, iso, timeAgentFor, type TimeAgent } from "./time-helpers";

/** Enough schedules due at once that firing them all spans many of the drain's yields. */
const MANY = 2_000;

/** `MANY` API schedules, written in one turn inside the object, then all made due at `fireAt` (as downtime would leave them). */
async function manyDue(agent: TimeAgent, fireAt: number): Promise<void> {
  await runInDurableObject(agent, async (instance, state) => {
    const object = instance as unknown as Pick<AgentMethods, "scheduleTrigger">;
    for (let i = 0; i < MANY; i++) {
      await object.scheduleTrigger({ key: `s${i}`, triggerKind: "time.tick", payload: { id: `s${i}` }, everyMs: 3_600_000 });
    }
    state.storage.sql.exec("UPDATE schedules SET next_fire_at = ? WHERE origin = 'api'", fireAt);
  });
}

/** How many of the API schedules have fired, as a request to the scope sees it. */
async function firedSoFar(agent: TimeAgent): Promise<number> {
  return (await agent.schedules()).filter((s) => s.origin === "api" && s.lastFiredAt !== null).length;
}

/** Asks the scope until it sees firing under way; answers the first count above zero it saw. */
async function firstSeenFiring(agent: TimeAgent): Promise<number> {
  for (;;) {
    const fired = await firedSoFar(agent);
    if (fired > 0) return fired;
  }
}

/** Every API schedule fired exactly once, carrying `fireAt`: one work row per schedule, under its firing key. */
async function expectEachFiredOnce(agent: TimeAgent, fireAt: number): Promise<void> {
  const keys = (await firingKeys(agent)).filter((key) => key?.startsWith("schedule:s"));
  expect(keys).toHaveLength(MANY);
  expect(new Set(keys).size).toBe(MANY);
  expect(new Set(keys)).toEqual(new Set(Array.from({ length: MANY }, (_, i) => `schedule:s${i}@${iso(fireAt)}`)));
  const api = (await agent.schedules()).filter((s) => s.origin === "api");
  expect(api.every((s) => s.lastFiredAt === fireAt && s.nextFireAt === fireAt + 3_600_000)).toBe(true);
}

describe("many schedules due at once", () => {
  it("fire in batches with turns between them: a request to the scope is answered while they fire, and each fires once", async () => {
    const { agent } = freshTimeAgent("fire-many");
    const fireAt = Date.now() - 1_000;
    await manyDue(agent, fireAt);

    const alarm = runDurableObjectAlarm(agent);
    const seen = await firstSeenFiring(agent);
    // Answered between two batches: some have fired, not all (in one synchronous turn it would see all or none).
    expect(seen).toBeGreaterThan(0);
    expect(seen).toBeLessThan(MANY);
    expect(await alarm).toBe(true);
    expect(await firedSoFar(agent)).toBe(MANY);
    await expectEachFiredOnce(agent, fireAt);
  });

  it("lose and double no firing when the object is aborted between two batches", async () => {
    const { agent, scope } = freshTimeAgent("fire-many-crash");
    const fireAt = Date.now() - 1_000;
    await manyDue(agent, fireAt);

    const alarm = runDurableObjectAlarm(agent).catch(() => "aborted");
    const seen = await firstSeenFiring(agent);
    expect(seen).toBeLessThan(MANY);
    await crash(agent);
    await alarm;

    // The new instance arms its alarm for the schedules still due, and its drain fires the rest.
    const again = timeAgentFor(scope);
    await eventually(
      () => firedSoFar(again),
      (fired) => fired === MANY,
      "the rest to fire after the restart",
      15_000,
    );
    await expectEachFiredOnce(again, fireAt);
  });
});
