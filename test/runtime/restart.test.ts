import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { seenModes } from "./gates";
import { agentFor, eventually, freshAgent, phaseOf, release, type TestAgent } from "./helpers";

/** Aborts the object as a deploy or an eviction would: its running acquires are gone with it. */
async function crash(agent: TestAgent): Promise<void> {
  await runInDurableObject(agent, (_, state) => state.abort("simulated crash")).catch(() => {});
}

/** test.long claims last 900 s, so without recovery at start the work would wait that long. */
async function orphanedClaim(label: string, intent: { id: string; failAttempts?: number }) {
  const { agent: before, scope } = freshAgent(label);
  const { id } = await before.enqueueTrigger({ triggerKind: "test.long", payload: { acquire: "gate", gatePerAttempt: true, ...intent } });
  const attempts = (intent.failAttempts ?? 0) + 1;
  await eventually(
    () => before.intents(),
    ([summary]) => summary?.phase === "claimed" && summary.attempts === attempts,
    `attempt ${attempts} to hold its claim`,
  );
  await crash(before);
  return { id, agent: agentFor(scope) };
}

describe("a restart after a crash mid-acquire", () => {
  it("redrives a claim the dead instance held at once, not at its 900 s deadline", async () => {
    const { id, agent } = await orphanedClaim("restart-redrive", { id: "orphan-1" });

    // Any call starts the new instance; its drain takes the orphaned claim over as a redrive.
    expect(await agent.intentState(id)).not.toBeNull();
    await eventually(
      () => seenModes.get("orphan-1") ?? [],
      (modes) => modes.length === 2,
      "the redriven attempt",
    );
    expect(seenModes.get("orphan-1")).toEqual(["normal", "redrive"]);
    expect((await agent.intents())[0]).toMatchObject({ intentEventId: id, attempts: 2, phase: "redriven" });

    await release(agent, "orphan-1#2");
    expect(await phaseOf(agent, id, "completed")).toBe("completed");
    const facts = await agent.events({ kinds: ["test.long.done", "durable_trigger.failed"] });
    expect(facts.map((e) => e.payload)).toEqual([{ id: "orphan-1", attempt: 2, mode: "redrive", commit: "ok" }]);
  });

  it("settles the last allowed attempt's orphaned claim at once, as a lost claim: failed, ClaimExpired", async () => {
    // test.long allows 2 attempts: the first fails, so the orphaned claim is the last.
    const { id, agent } = await orphanedClaim("restart-last", { id: "orphan-2", failAttempts: 1 });
    expect(await phaseOf(agent, id, "failed", "completed")).toBe("failed");
    const [fact] = await agent.events({ kinds: ["durable_trigger.failed"] });
    expect(fact?.payload).toMatchObject({ intentEventId: id, attempts: 2, error: { name: "ClaimExpired" } });
    expect(seenModes.get("orphan-2")).toEqual(["normal", "normal"]);
  });

  it("settles a cancel of an orphaned claim as cancelled at once, instead of answering requested", async () => {
    // A restart takes orphaned claims over at once, before a cancel can reach them; so the
    // orphan is made by hand: a claim whose token this instance never issued, 900 s from expiring.
    const { agent } = freshAgent("orphan-cancel");
    const { id } = await agent.enqueueTrigger({
      triggerKind: "test.long",
      payload: { id: "orphan-3", acquire: "gate" },
      at: Date.now() + 3_600_000,
    });
    await runInDurableObject(agent, (_, state) => {
      state.storage.sql.exec(
        "UPDATE work SET claim_token = 'a-dead-instance:1', claim_deadline = ?, claim_mode = 'normal', attempts = 1, fire_at = ? WHERE intent_id = ?",
        Date.now() + 900_000,
        Date.now(),
        id,
      );
    });
    expect(await agent.intentState(id)).toBe("claimed");

    expect(await agent.cancelTrigger({ triggerKind: "test.long", intentEventId: id, reason: "user" })).toEqual({
      status: "cancelled",
      intentEventId: id,
    });
    expect(await agent.intentState(id)).toBe("cancelled");
    const facts = await agent.events({ kinds: ["test.long.cancelled", "test.long.done", "durable_trigger.failed"] });
    expect(facts.map((e) => [e.kind, e.payload])).toEqual([["test.long.cancelled", { id: "orphan-3", reason: "user" }]]);
    expect(seenModes.has("orphan-3")).toBe(false);
  });
});
