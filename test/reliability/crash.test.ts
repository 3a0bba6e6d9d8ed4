import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { seenModes } from "../runtime/gates";
import { agentFor, eventually, freshAgent, phaseOf, release } from "../runtime/helpers";

describe("a crash mid-acquire", () => {
  it("redrives the work after the claim deadline and settles it exactly once", async () => {
    const { agent: before, scope } = freshAgent("crash");
    const { id } = await before.enqueueTrigger({
      triggerKind: "test.short",
      payload: { id: "crash-1", acquire: "ignoreAbort", gatePerAttempt: true },
    });
    await phaseOf(before, id, "claimed");

    // Abort the object as a deploy or an eviction would: the running acquire is gone with it.
    await runInDurableObject(before, (_, state) => state.abort("simulated crash")).catch(() => {});
    const agent = agentFor(scope);

    // Nothing touches the object now: only its alarm can bring the work back, after the 300 ms claim deadline.
    await eventually(
      () => seenModes.get("crash-1") ?? [],
      (modes) => modes.length === 2,
      "the redriven attempt",
      15_000,
    );
    expect(seenModes.get("crash-1")).toEqual(["normal", "redrive"]);
    // Only the redrive is released: the crashed attempt's promise belongs to a dead object.
    await release(agent, "crash-1#2");
    expect(await phaseOf(agent, id, "completed")).toBe("completed");
    const facts = await agent.events({ kinds: ["test.short.done", "test.short.cancelled", "durable_trigger.failed"] });
    expect(facts.map((e) => e.payload)).toEqual([{ id: "crash-1", attempt: 2, mode: "redrive", commit: "ok" }]);
  });
});
