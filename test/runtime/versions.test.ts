import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { eventually, freshAgent } from "./helpers";

describe("intent schema versions", () => {
  it("stores each intent with its trigger's current version and lists it", async () => {
    const { agent } = freshAgent("versions");
    const { id } = await agent.enqueueTrigger({ triggerKind: "test.versioned", payload: { id: "v3", acquire: "return" }, at: Date.now() + 3_600_000 });
    expect((await agent.intents()).find((intent) => intent.intentEventId === id)).toMatchObject({ intentVersion: 3, phase: "scheduled" });
  });

  it("rejects intents stored under a dropped version when they run, naming both versions, and runs the others", async () => {
    const { agent } = freshAgent("versions");
    const later = Date.now() + 3_600_000;
    const old = await agent.enqueueTrigger({ triggerKind: "test.versioned", payload: { id: "v1", acquire: "return" }, at: later });
    const kept = await agent.enqueueTrigger({ triggerKind: "test.versioned", payload: { id: "v2", acquire: "return" }, at: later });
    // As a deploy of versions 1 and 2 left them: stored, due, under their own versions.
    await runInDurableObject(agent, (_, state) => {
      state.storage.sql.exec("UPDATE work SET intent_version = 1, fire_at = 0 WHERE intent_id = ?", old.id);
      state.storage.sql.exec("UPDATE work SET intent_version = 2, fire_at = 0 WHERE intent_id = ?", kept.id);
    });
    // Work due now wakes the drain for this kind, which finds the other two due as well.
    await agent.enqueueTrigger({ triggerKind: "test.versioned", payload: { id: "v3", acquire: "return" } });
    await eventually(() => agent.intentState(old.id), (phase) => phase === "rejected", "the dropped intent rejected");
    await eventually(() => agent.intentState(kept.id), (phase) => phase === "completed", "the kept intent completed");
    const [rejection] = await agent.events({ kinds: ["durable_trigger.rejected"] });
    expect(rejection!.payload).toEqual({
      triggerKind: "test.versioned",
      intentEventId: old.id,
      reason: 'stored under intent version 1, which version 2 of "test.versioned" drops',
    });
  });
});
