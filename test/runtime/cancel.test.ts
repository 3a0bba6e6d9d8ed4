import { describe, expect, it } from "vitest";
import { eventually, freshAgent, phaseOf, release } from "./helpers";
import { seenModes } from "./gates";

const later = () => Date.now() + 60_000;

describe("cancelTrigger", () => {
  it("settles pending work as cancelled at once, running commitCancelled in the same transaction", async () => {
    const { agent } = freshAgent("cancel-pending");
    const { id } = await agent.enqueueTrigger({
      triggerKind: "test.script",
      payload: { id: "pending-1", acquire: "return" },
      at: later(),
    });
    expect(await agent.intentState(id)).toBe("scheduled");

    const result = await agent.cancelTrigger({ triggerKind: "test.script", intentEventId: id, reason: "user" });

    expect(result).toEqual({ status: "cancelled", intentEventId: id });
    expect(await agent.intentState(id)).toBe("cancelled");
    const facts = await agent.events({ kinds: ["test.script.cancelled"] });
    expect(facts.map((e) => e.payload)).toEqual([{ id: "pending-1", reason: "user" }]);
    expect(seenModes.has("pending-1")).toBe(false);
  });

  it("answers requested for running work, aborts its signal, keeps the first reason, then writes the cancelled fact", async () => {
    const { agent } = freshAgent("cancel-running");
    const { id } = await agent.enqueueTrigger({ triggerKind: "test.script", payload: { id: "running-1", acquire: "gate" } });
    await phaseOf(agent, id, "claimed");

    const first = await agent.cancelTrigger({ triggerKind: "test.script", intentEventId: id, reason: "user" });
    expect(first.status).toBe("requested");
    const again = await agent.cancelTrigger({ triggerKind: "test.script", intentEventId: id, reason: "second thoughts" });
    expect(again.status).toMatch(/^(requested|already_completed)$/);

    expect(await phaseOf(agent, id, "cancelled")).toBe("cancelled");
    const facts = await agent.events({ kinds: ["test.script.cancelled", "test.script.done"] });
    expect(facts.map((e) => [e.kind, e.payload])).toEqual([["test.script.cancelled", { id: "running-1", reason: "user" }]]);
  });

  it("answers requested again while the acquire still runs", async () => {
    const { agent } = freshAgent("cancel-twice");
    const { id } = await agent.enqueueTrigger({ triggerKind: "test.script", payload: { id: "twice-1", acquire: "ignoreAbort" } });
    await phaseOf(agent, id, "claimed");
    const first = await agent.cancelTrigger({ triggerKind: "test.script", intentEventId: id, reason: "first" });
    const second = await agent.cancelTrigger({ triggerKind: "test.script", intentEventId: id, reason: "second" });
    expect(first.status).toBe("requested");
    expect(second).toEqual(first);
    expect(await agent.intentState(id)).toBe("cancel_requested");
    await release(agent, "twice-1");
    await phaseOf(agent, id, "completed_after_cancel_requested");
  });

  it("commits normally as completed_after_cancel_requested when the acquire ignores the abort and returns", async () => {
    const { agent } = freshAgent("cancel-ignored-abort");
    const { id } = await agent.enqueueTrigger({ triggerKind: "test.script", payload: { id: "stubborn-1", acquire: "ignoreAbort" } });
    await phaseOf(agent, id, "claimed");
    expect((await agent.cancelTrigger({ triggerKind: "test.script", intentEventId: id })).status).toBe("requested");

    await release(agent, "stubborn-1");

    expect(await phaseOf(agent, id, "completed_after_cancel_requested")).toBe("completed_after_cancel_requested");
    const facts = await agent.events({ kinds: ["test.script.done", "test.script.cancelled"] });
    expect(facts.map((e) => e.kind)).toEqual(["test.script.done"]);
    expect(await agent.cancelTrigger({ triggerKind: "test.script", intentEventId: id })).toEqual({
      status: "already_completed",
      intentEventId: id,
      settled: "completed",
    });
  });

  it("answers ignored for a trigger that declares cancellation: ignored, and changes nothing", async () => {
    const { agent } = freshAgent("cancel-ignored");
    const { id } = await agent.enqueueTrigger({ triggerKind: "test.ignored", payload: { id: "ignored-1", acquire: "gate" } });
    await phaseOf(agent, id, "claimed");

    expect(await agent.cancelTrigger({ triggerKind: "test.ignored", intentEventId: id, reason: "user" })).toEqual({
      status: "ignored",
      intentEventId: id,
    });
    expect(await agent.intentState(id)).toBe("claimed");

    await release(agent, "ignored-1");
    expect(await phaseOf(agent, id, "completed")).toBe("completed");
    expect(await agent.events({ kinds: ["test.ignored.cancelled"] })).toEqual([]);
  });

  it("answers not_found for an unknown intent id, or an id of another kind", async () => {
    const { agent } = freshAgent("cancel-not-found");
    expect(await agent.cancelTrigger({ triggerKind: "test.script", intentEventId: 424242 })).toEqual({
      status: "not_found",
      intentEventId: 424242,
    });
    const { id } = await agent.enqueueTrigger({ triggerKind: "test.script", payload: { id: "nf-1", acquire: "return" }, at: later() });
    expect((await agent.cancelTrigger({ triggerKind: "test.pool", intentEventId: id })).status).toBe("not_found");
    expect(await agent.intentState(id)).toBe("scheduled");
  });

  it("answers already_completed with how the intent settled", async () => {
    const { agent } = freshAgent("cancel-settled");
    const done = await agent.enqueueTrigger({ triggerKind: "test.script", payload: { id: "s-1", acquire: "return" } });
    await phaseOf(agent, done.id, "completed");
    const cancelled = await agent.enqueueTrigger({ triggerKind: "test.script", payload: { id: "s-2", acquire: "return" }, at: later() });
    await agent.cancelTrigger({ triggerKind: "test.script", intentEventId: cancelled.id });

    expect(await agent.cancelTrigger({ triggerKind: "test.script", intentEventId: done.id })).toEqual({
      status: "already_completed",
      intentEventId: done.id,
      settled: "completed",
    });
    expect(await agent.cancelTrigger({ triggerKind: "test.script", intentEventId: cancelled.id })).toEqual({
      status: "already_completed",
      intentEventId: cancelled.id,
      settled: "cancelled",
    });
  });

  it("settles as cancelled, with the error's reason, when the acquire throws the runtime's CancellationError itself", async () => {
    const { agent } = freshAgent("cancel-self");
    const { id } = await agent.enqueueTrigger({ triggerKind: "test.script", payload: { id: "self-1", acquire: "throwCancellation" } });
    expect(await phaseOf(agent, id, "cancelled", "failed", "retry_scheduled")).toBe("cancelled");
    const facts = await agent.events({ kinds: ["test.script.cancelled"] });
    expect(facts.map((e) => e.payload)).toEqual([{ id: "self-1", reason: "acquire gave up" }]);
  });

  it("settles cancelled, with the request's reason, when the last attempt then loses its claim", async () => {
    const { agent } = freshAgent("cancel-lost-claim");
    // test.short: 2 attempts, 300 ms claims. The first attempt fails, so the second is the last allowed.
    const { id } = await agent.enqueueTrigger({
      triggerKind: "test.short",
      payload: { id: "lost-cancel-1", acquire: "ignoreAbort", gatePerAttempt: true, failAttempts: 1 },
    });
    await eventually(
      () => agent.intents(),
      ([summary]) => summary?.attempts === 2 && summary.phase === "claimed",
      "the last attempt to hold its claim",
    );
    expect((await agent.cancelTrigger({ triggerKind: "test.short", intentEventId: id, reason: "user" })).status).toBe("requested");

    // The acquire ignores the abort past its deadline: the claim is lost, the request stands.
    expect(await phaseOf(agent, id, "cancelled", "failed")).toBe("cancelled");
    const facts = await agent.events({ kinds: ["test.short.cancelled", "test.short.done", "durable_trigger.failed"] });
    expect(facts.map((e) => [e.kind, e.payload])).toEqual([["test.short.cancelled", { id: "lost-cancel-1", reason: "user" }]]);
    await release(agent, "lost-cancel-1#2");
  });

  it("refuses an unknown trigger kind and writes nothing", async () => {
    const { agent } = freshAgent("cancel-unknown");
    // @ts-expect-error the kind is not registered, so this does not compile either
    await expect(agent.cancelTrigger({ triggerKind: "test.nope", intentEventId: 1 })).rejects.toThrow(/unknown trigger kind "test.nope"/);
    expect(await agent.events()).toEqual([]);
  });
});
