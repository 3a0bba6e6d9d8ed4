import { env } from "cloudflare:workers";
import { NonRetryableError } from "durable-triggers";
import { advance, cancelAt, cancelAtEveryAwait, now, settlement, standIn } from "durable-triggers/testing/kit";
import * as fc from "fast-check";
import { describe, expect, it } from "vitest";
import { orderPlacedIntents, orderPlacedInvalidIntents } from "../../generated/arbitraries";

/**
 * The example app's triggers under the test kit, as a user's tests would use
 * it (`durable-triggers/testing/kit`): time travel, stand-ins, settlements
 * with their facts, a cancel at every await, and intents from the schema.
 */
let scopes = 0;
const freshScope = () => env.AGENT.getByName(`testing-kit-${Date.now()}-${++scopes}`);
const MINUTE = 60_000;
const report = { reportId: "nightly", source: "inventory" } as const;
const stored = { reportId: "nightly", rows: 1, bytes: 96, attempts: 1 };

/** Polls the scope's ledger for one kind: a schedule's firing is an intent the test did not enqueue. */
async function firstOf(agent: ReturnType<typeof freshScope>, kind: "report.fetch.stored") {
  for (let tries = 0; tries < 200; tries++) {
    const [event] = await agent.events({ kinds: [kind] });
    if (event) return event;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  throw new Error(`no ${kind} fact`);
}

describe("time travel", () => {
  it('fires a cron schedule of "every day at 3:00" without waiting for 3:00', async () => {
    const agent = freshScope();
    await standIn(agent, "report.fetch", { result: stored });
    const schedule = await agent.scheduleTrigger({
      key: "nightly",
      triggerKind: "report.fetch",
      payload: report,
      cron: "0 3 * * *",
      timezone: "UTC",
    });
    expect(new Date(schedule.nextFireAt).toISOString()).toMatch(/T03:00:00\.000Z$/);
    await advance(agent, schedule.nextFireAt - (await now(agent)));
    expect((await firstOf(agent, "report.fetch.stored")).payload).toEqual(stored);
    const [moved] = (await agent.schedules()).filter((s) => s.key === "nightly");
    expect(moved!.nextFireAt - schedule.nextFireAt).toBe(24 * 60 * MINUTE);
  });

  it("answers report.fetch's finish: 2m timeout by moving two minutes on, not by waiting them", async () => {
    const agent = freshScope();
    // Work that would run for ever, stopping only when cancelled.
    await standIn(
      agent,
      "report.fetch",
      (_intent, ctx) =>
        new Promise((_, reject) => {
          if (ctx.signal.aborted) reject(ctx.signal.reason);
          ctx.signal.addEventListener("abort", () => reject(ctx.signal.reason));
        }),
    );
    const { id } = await agent.enqueueTrigger({ triggerKind: "report.fetch", payload: report });
    while ((await agent.intentState(id)) !== "claimed") await new Promise((resolve) => setTimeout(resolve, 5));
    await advance(agent, 2 * MINUTE);
    const settled = await settlement(agent, id);
    expect([settled.intent.phase, settled.intent.cancelReason]).toEqual(["cancelled", "timeout:finish"]);
    expect(settled.facts).toEqual([
      expect.objectContaining({ kind: "report.fetch.abandoned", payload: { reportId: "nightly", reason: "timeout:finish" } }),
    ]);
  });

  it("travels over each retry's backoff: an upstream that is down fails after its four attempts, into commitFailed", async () => {
    const agent = freshScope();
    const { id } = await agent.enqueueTrigger({ triggerKind: "report.fetch", payload: { ...report, down: true } });
    const settled = await settlement(agent, id);
    expect([settled.intent.phase, settled.intent.attempts]).toEqual(["failed", 4]);
    expect(settled.facts.map((fact) => fact.kind)).toEqual(["report.fetch.failed"]);
    expect(settled.observed.callbacks).toEqual([{ callback: "commitFailed", returned: true }]);
  });
});

describe("stand-ins", () => {
  it("answer for the acquire without editing the handler: a result is committed, a NonRetryableError fails at once", async () => {
    const agent = freshScope();
    await standIn(agent, "report.fetch", { result: stored });
    const done = await settlement(agent, (await agent.enqueueTrigger({ triggerKind: "report.fetch", payload: report })).id);
    expect(done.facts).toEqual([expect.objectContaining({ kind: "report.fetch.stored", payload: stored })]);

    await standIn(agent, "report.fetch", { error: new NonRetryableError("404 from inventory") });
    const failed = await settlement(agent, (await agent.enqueueTrigger({ triggerKind: "report.fetch", payload: report })).id);
    expect([failed.intent.phase, failed.intent.attempts]).toEqual(["failed", 1]);
    expect(failed.facts[0]!.payload).toEqual({ reportId: "nightly", error: "404 from inventory", attempts: 1 });
  });
});

describe("cancel at every await", () => {
  it("order.placed settles exactly once wherever it is cancelled", async () => {
    const runs = await cancelAtEveryAwait(freshScope(), {
      triggerKind: "order.placed",
      payload: { orderId: "8f14e45f-ceea-467f-a0e6-0d3c1f9b5a2e", items: [{ sku: "tea", quantity: 2 }] },
    });
    // Its one sleep checks the signal, then listens to it: two points to cancel at.
    expect(runs.map((run) => [run.cancelAt, run.settlement.intent.phase])).toEqual([
      [null, "completed"],
      [1, "cancelled"],
      [2, "cancelled"],
    ]);
    // The confirmation and the follow-up report's intent, in the one settlement.
    expect(runs[0]!.settlement.facts.map((fact) => fact.kind)).toEqual(["order.placed.confirmed", "report.fetch.requested"]);
  });

  it("cancelAt(2) stops report.fetch at its second await", async () => {
    const agent = freshScope();
    await cancelAt(agent, "report.fetch", 2);
    const settled = await settlement(agent, (await agent.enqueueTrigger({ triggerKind: "report.fetch", payload: report })).id);
    expect([settled.intent.phase, settled.observed.signalReads]).toEqual(["cancelled", 2]);
  });
});

describe("intents from the schema", () => {
  it("every generated order settles completed, with its confirmation", async () => {
    await fc.assert(
      fc.asyncProperty(orderPlacedIntents, async (payload) => {
        const agent = freshScope();
        const settled = await settlement(agent, (await agent.enqueueTrigger({ triggerKind: "order.placed", payload })).id);
        // An orderId in capitals once failed here: its follow-up's reportId took them, and its schema refuses them.
        expect(settled.intent.phase).toBe("completed");
        expect(settled.facts[0]!.payload).toEqual(expect.objectContaining({ orderId: payload.orderId }));
      }),
      { numRuns: 5 },
    );
  });

  it("the door refuses every generated invalid order", async () => {
    const agent = freshScope();
    await fc.assert(
      fc.asyncProperty(orderPlacedInvalidIntents, async (payload) => {
        expect((await agent.attempt("enqueueTrigger", { triggerKind: "order.placed", payload: payload as never })).ok).toBe(false);
      }),
      { numRuns: 30 },
    );
  });
});
