import { describe, expect, it } from "vitest";
import { NonRetryableError } from "../../runtime";
import { settled } from "../../runtime/testing.ts";
import { advance, cancelAt, cancelAtEveryAwait, contractProblems, now, settlement, standIn } from "../../runtime/testing-kit.ts";
import { freshAgent } from "./helpers";

const HOUR = 3_600_000;

describe("the test kit (durable-triggers/testing/kit)", () => {
  it("cancels at every await of a handler that keeps the contract: one settlement each time, cancelled or the outcome", async () => {
    const { agent } = freshAgent("kit-every");
    const runs = await cancelAtEveryAwait(agent, { triggerKind: "test.kit", payload: { id: "good" } });
    expect(runs.map((run) => [run.cancelAt, run.settlement.intent.phase])).toEqual([
      [null, "completed"],
      [1, "cancelled"],
      [2, "cancelled"],
      [3, "cancelled"],
    ]);
    expect(runs[0]!.settlement.facts.map((fact) => fact.kind)).toEqual(["test.kit.done"]);
    expect(runs[2]!.settlement.facts.map((fact) => fact.payload)).toEqual([{ id: "good", reason: "test kit: cancelled at await 2" }]);
  });

  it("catches a handler that settles twice (its commit also runs commitCancelled)", async () => {
    const { agent } = freshAgent("kit-twice");
    await expect(cancelAtEveryAwait(agent, { triggerKind: "test.kit", payload: { id: "twice", bug: "twice" } })).rejects.toThrow(
      /not cancelled: settled 2 times \(commitCancelled, commit\)/,
    );
  });

  it("catches a handler that ignores a cancel at its second await, and only there", async () => {
    const { agent } = freshAgent("kit-deaf");
    await expect(cancelAtEveryAwait(agent, { triggerKind: "test.kit", payload: { id: "deaf", bug: "deaf" } })).rejects.toThrow(
      /broke in 1 of 4 runs\n {2}cancelled at await 2: the acquire saw its signal aborted at await 2, and went on to await 3 instead of stopping there$/,
    );
    // With no await after it, ignoring the cancel ends in an outcome: caught as well.
    await expect(cancelAtEveryAwait(agent, { triggerKind: "test.kit", payload: { id: "deaf", bug: "deaf", steps: 2 } })).rejects.toThrow(
      /cancelled at await 2: the acquire saw its signal aborted at await 2, and went on to an outcome \(commit\)/,
    );
  });

  it("cancelAt(n) cancels the next attempt at its nth await", async () => {
    const { agent } = freshAgent("kit-cancel-at");
    await cancelAt(agent, "test.kit", 2);
    const { id } = await agent.enqueueTrigger({ triggerKind: "test.kit", payload: { id: "c" } });
    const settled = await settlement(agent, id);
    expect(settled.intent.phase).toBe("cancelled");
    expect(settled.observed.signalReads).toBe(2);
    expect(contractProblems(settled)).toEqual([]);
  });

  it("stands in for an acquire: a result is committed, a NonRetryableError fails at once into commitFailed", async () => {
    const { agent } = freshAgent("kit-stand-in");
    await standIn(agent, "test.kit", { result: { id: "stood-in", attempt: 0 } });
    const done = await settlement(agent, (await agent.enqueueTrigger({ triggerKind: "test.kit", payload: { id: "x" } })).id);
    expect(done.facts.map((fact) => fact.payload)).toEqual([{ id: "stood-in", attempt: 0 }]);

    await standIn(agent, "test.kit", { error: new NonRetryableError("no such address") });
    const failed = await settlement(agent, (await agent.enqueueTrigger({ triggerKind: "test.kit", payload: { id: "y" } })).id);
    expect([failed.intent.phase, failed.intent.attempts]).toEqual(["failed", 1]);
    expect(failed.facts.map((fact) => fact.payload)).toEqual([{ id: "y", attempts: 1, error: "no such address" }]);
    expect(failed.observed.callbacks).toEqual([{ callback: "commitFailed", returned: true }]);
  });

  it("retries through a stand-in's errors, travelling over each minute of backoff instead of waiting", async () => {
    const { agent } = freshAgent("kit-retry");
    await standIn(agent, "test.kit", (intent, ctx) => {
      if (ctx.attempt < 3) throw new Error(`attempt ${ctx.attempt} is down`);
      return { ...(intent as object), attempt: ctx.attempt };
    });
    const started = Date.now();
    const settled = await settlement(agent, (await agent.enqueueTrigger({ triggerKind: "test.kit", payload: { id: "r" } })).id);
    expect([settled.intent.phase, settled.intent.attempts]).toEqual(["completed", 3]);
    expect(Date.now() - started).toBeLessThan(60_000); // two backoffs of a minute each: travelled over
    await standIn(agent, "test.kit", null);
    const own = await settlement(agent, (await agent.enqueueTrigger({ triggerKind: "test.kit", payload: { id: "own" } })).id);
    expect(own.facts.map((fact) => fact.payload)).toEqual([{ id: "own", attempt: 1 }]);
  });

  it("a refused commit ends in commitFailed", async () => {
    const { agent } = freshAgent("kit-refused");
    await now(agent); // the kit records the callbacks of a scope it reached: any call of it reaches it
    const settled = await settlement(
      agent,
      (await agent.enqueueTrigger({ triggerKind: "test.kit", payload: { id: "no", refuseCommit: true } })).id,
    );
    expect(settled.intent.phase).toBe("failed");
    expect(settled.observed.callbacks).toEqual([
      { callback: "commit", returned: false },
      { callback: "commitFailed", returned: true },
    ]);
  });

  it("travels in time: advance(stub, ms) runs work due in an hour at once; now(stub) says the scope's time", async () => {
    const { agent } = freshAgent("kit-advance");
    const before = await now(agent);
    const { id } = await agent.enqueueTrigger({ triggerKind: "test.kit", payload: { id: "later" }, at: before + HOUR });
    expect(await advance(agent, HOUR)).toBeGreaterThanOrEqual(before + HOUR);
    const settled = await settlement(agent, id, { travel: false, timeoutMs: 2_000 });
    expect(settled.intent.phase).toBe("completed");
    expect(settled.facts[0]!.ts).toBeGreaterThanOrEqual(before + HOUR);
  });

  it("settled(stub, id), over RPC alone, answers the settlement's facts with its summary", async () => {
    const { agent } = freshAgent("kit-settled");
    const { id } = await agent.enqueueTrigger({ triggerKind: "test.kit", payload: { id: "s", steps: 1 } });
    const done = await settled(agent, id);
    expect([done.phase, done.facts.map((fact) => fact.kind)]).toEqual(["completed", ["test.kit.done"]]);
  });

  it("holds the facts to the phase: the runtime's failure fact exactly when a failure had no commitFailed", async () => {
    const { agent } = freshAgent("kit-facts");
    await standIn(agent, "test.kit", { error: new NonRetryableError("gone") });
    const failed = await settlement(agent, (await agent.enqueueTrigger({ triggerKind: "test.kit", payload: { id: "f" } })).id);
    expect(contractProblems(failed)).toEqual([]);
    // The same settlement, as if commitFailed had not run: its facts would lack the runtime's own.
    expect(contractProblems({ ...failed, observed: { ...failed.observed, callbacks: [] } })).toEqual([
      "phase failed, no callback committed, yet the settlement's facts lack durable_trigger.failed",
    ]);
  });
});
