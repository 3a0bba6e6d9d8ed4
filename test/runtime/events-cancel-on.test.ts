import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { chainAcquired, type CommitStep, type EventsAgentDO, type OrderIntent } from "./events-worker";
import { cancelOnKeys, freshEventsAgent, later, phaseOf, release, type EventsAgent } from "./events-helpers";

const order = (agent: EventsAgent, intent: OrderIntent, at?: number, triggerKind: "test.ev.order" | "test.ev.ignored" = "test.ev.order") =>
  agent.enqueueTrigger({ triggerKind, payload: intent, ...(at === undefined ? {} : { at }) });

/** Runs a `test.ev.commit` whose commit makes `steps` in one transaction; answers once it has settled. */
async function commitSteps(agent: EventsAgent, steps: CommitStep[]) {
  const { id } = await agent.enqueueTrigger({ triggerKind: "test.ev.commit", payload: { steps } });
  return { id, phase: await phaseOf(agent, id, "completed", "failed") };
}

/** The `{ orderId, reason }` facts of a kind, with their ids. */
const factsOf = async (agent: EventsAgent, kind: string) =>
  (await agent.events({ kinds: [kind] })).map((e) => ({ id: e.id, ...(e.payload as { orderId: string; reason: string }) }));

describe("cancelOn", () => {
  it("settles matching pending work cancelled in the transaction that appends the event, commitCancelled included", async () => {
    const { agent } = freshEventsAgent("co-pending");
    const matching = await order(agent, { orderId: "o-1" }, later());
    const twin = await order(agent, { orderId: "o-1", region: "eu" }, later());
    const other = await order(agent, { orderId: "o-2" }, later());

    const { id: eventId } = await agent.emitEvent({ kind: "payment.refunded", payload: { orderId: "o-1" } });

    // Settled by the time emitEvent answered: nothing waited for the drain.
    expect(await agent.intentState(matching.id)).toBe("cancelled");
    expect(await agent.intentState(twin.id)).toBe("cancelled");
    expect(await agent.intentState(other.id)).toBe("scheduled");
    const cancelled = await factsOf(agent, "test.ev.order.cancelled");
    const reason = `event:payment.refunded#${eventId}`;
    expect(cancelled).toEqual([
      { id: eventId + 1, orderId: "o-1", reason },
      { id: eventId + 2, orderId: "o-1", reason },
    ]);
    // Settled work leaves the key table; the other order's keys stay.
    expect((await cancelOnKeys(agent)).map((row) => row.intent_id)).toEqual([other.id]);
  });

  it("aborts running cooperative work, which settles cancelled with the event's reason", async () => {
    const { agent } = freshEventsAgent("co-running");
    const { id } = await order(agent, { orderId: "o-run", gate: true });
    await phaseOf(agent, id, "claimed");
    const { id: eventId } = await agent.emitEvent({ kind: "payment.refunded", payload: { orderId: "o-run" } });
    expect(await phaseOf(agent, id, "cancelled")).toBe("cancelled");
    expect(await factsOf(agent, "test.ev.order.cancelled")).toEqual([
      { id: expect.any(Number), orderId: "o-run", reason: `event:payment.refunded#${eventId}` },
    ]);
    expect(await factsOf(agent, "test.ev.order.done")).toEqual([]);
  });

  it("leaves work of an ignored trigger alone, pending or running, as cancelTrigger does", async () => {
    const { agent } = freshEventsAgent("co-ignored");
    const pending = await order(agent, { orderId: "o-ig" }, later(), "test.ev.ignored");
    const running = await order(agent, { orderId: "o-ig-run", gate: true }, undefined, "test.ev.ignored");
    await phaseOf(agent, running.id, "claimed");

    await agent.emitEvent({ kind: "payment.refunded", payload: { orderId: "o-ig" } });
    await agent.emitEvent({ kind: "payment.refunded", payload: { orderId: "o-ig-run" } });

    expect(await agent.intentState(pending.id)).toBe("scheduled");
    expect(await agent.intentState(running.id)).toBe("claimed");
    await release(agent, "o-ig-run");
    expect(await phaseOf(agent, running.id, "completed", "cancelled")).toBe("completed");
    expect(await factsOf(agent, "test.ev.ignored.cancelled")).toEqual([]);
    // No key is stored for work no event can cancel.
    expect(await cancelOnKeys(agent)).toEqual([]);
  });

  it("cancels on a fact a commit writes with tx.insertEvent, when every pair of the rule matches", async () => {
    const { agent } = freshEventsAgent("co-commit");
    const eu = await order(agent, { orderId: "o-eu", customer: { id: "c-1" }, region: "eu" }, later());
    const us = await order(agent, { orderId: "o-us", customer: { id: "c-1" }, region: "us" }, later());
    const noRegion = await order(agent, { orderId: "o-none", customer: { id: "c-1" } }, later());

    const { phase } = await commitSteps(agent, [
      { insertEvent: { kind: "account.closed", payload: { account: { customerId: "c-1", region: "eu" } } } },
    ]);
    expect(phase).toBe("completed");
    const [closed] = await agent.events({ kinds: ["account.closed"] });

    expect(await agent.intentState(eu.id)).toBe("cancelled");
    expect(await factsOf(agent, "test.ev.order.cancelled")).toEqual([
      { id: closed!.id + 1, orderId: "o-eu", reason: `event:account.closed#${closed!.id}` },
    ]);
    expect(await agent.intentState(us.id)).toBe("scheduled");
    expect(await agent.intentState(noRegion.id)).toBe("scheduled");
  });

  it("leaves work alone for events that do not match: another value, a missing field, another kind", async () => {
    const { agent } = freshEventsAgent("co-miss");
    const { id } = await order(agent, { orderId: "o-1", customer: { id: "c-1" }, region: "eu" }, later());
    await agent.emitEvent({ kind: "payment.refunded", payload: { orderId: "o-10" } });
    await agent.emitEvent({ kind: "note.added", payload: { text: "o-1" } });
    await commitSteps(agent, [
      { insertEvent: { kind: "account.closed", payload: { account: { customerId: "c-1" } } } },
      { insertEvent: { kind: "account.closed", payload: { account: { customerId: "c-1", region: "EU" } } } },
      { insertEvent: { kind: "account.opened", payload: { account: { customerId: "c-1", region: "eu" } } } },
    ]);
    expect(await agent.intentState(id)).toBe("scheduled");
    expect(await factsOf(agent, "test.ev.order.cancelled")).toEqual([]);
  });

  it("cancels work enqueued earlier in the same transaction as the event, but not work enqueued after it", async () => {
    const { agent } = freshEventsAgent("co-same-tx");
    const refund = (orderId: string): CommitStep => ({ insertEvent: { kind: "payment.refunded", payload: { orderId } } });
    await commitSteps(agent, [{ enqueue: { orderId: "o-first" }, at: later() }, refund("o-first")]);
    await commitSteps(agent, [refund("o-after"), { enqueue: { orderId: "o-after" }, at: later() }]);

    const summaries = await agent.intents();
    const phaseByOrder = async (orderId: string) => {
      const [requested] = (await agent.events({ kinds: ["test.ev.order.requested"] })).filter(
        (e) => (e.payload as unknown as OrderIntent).orderId === orderId,
      );
      return summaries.find((s) => s.intentEventId === requested!.id)?.phase;
    };
    expect(await phaseByOrder("o-first")).toBe("cancelled");
    expect(await phaseByOrder("o-after")).toBe("scheduled");
    const [refunded] = await agent.events({ kinds: ["payment.refunded"] });
    expect(await factsOf(agent, "test.ev.order.cancelled")).toEqual([
      { id: refunded!.id + 1, orderId: "o-first", reason: `event:payment.refunded#${refunded!.id}` },
    ]);
  });

  it("cancels nothing when the transaction that appended the event rolls back: pending work stays, running work is not aborted", async () => {
    const { agent } = freshEventsAgent("co-rollback");
    const pending = await order(agent, { orderId: "o-rb" }, later());
    const running = await order(agent, { orderId: "o-rb-run", gate: true });
    await phaseOf(agent, running.id, "claimed");

    const { phase } = await commitSteps(agent, [
      { insertEvent: { kind: "payment.refunded", payload: { orderId: "o-rb" } } },
      { insertEvent: { kind: "payment.refunded", payload: { orderId: "o-rb-run" } } },
      { throw: "the commit changed its mind" },
    ]);
    expect(phase).toBe("failed");
    expect(await agent.events({ kinds: ["payment.refunded", "test.ev.order.cancelled"] })).toEqual([]);
    expect(await agent.intentState(pending.id)).toBe("scheduled");
    expect(await agent.intentState(running.id)).toBe("claimed");

    // Its signal was never aborted: released, it completes.
    await release(agent, "o-rb-run");
    expect(await phaseOf(agent, running.id, "completed", "cancelled")).toBe("completed");
    // The pending order's key survived the rollback: a later refund still finds it.
    await agent.emitEvent({ kind: "payment.refunded", payload: { orderId: "o-rb" } });
    expect(await agent.intentState(pending.id)).toBe("cancelled");
  });

  it("keeps the first cancel request and its reason when a second matching event comes", async () => {
    const { agent } = freshEventsAgent("co-twice");
    const { id } = await order(agent, { orderId: "o-2x", customer: { id: "c-2" }, region: "eu", gate: true });
    await phaseOf(agent, id, "claimed");
    const first = await agent.emitEvent({ kind: "payment.refunded", payload: { orderId: "o-2x" } });
    await commitSteps(agent, [{ insertEvent: { kind: "account.closed", payload: { account: { customerId: "c-2", region: "eu" } } } }]);
    await phaseOf(agent, id, "cancelled");
    expect(await factsOf(agent, "test.ev.order.cancelled")).toEqual([
      { id: expect.any(Number), orderId: "o-2x", reason: `event:payment.refunded#${first.id}` },
    ]);
  });

  it("cascades through commitCancelled's own facts, and never cancels an intent twice, even one its own fact matches", async () => {
    const { agent } = freshEventsAgent("co-cascade");
    const parent = await order(agent, { orderId: "p" }, later());
    const child = await order(agent, { orderId: "c", parent: "p" }, later());
    const grandchild = await order(agent, { orderId: "g", parent: "c" }, later());
    const selfish = await order(agent, { orderId: "s", parent: "s" }, later());

    await agent.emitEvent({ kind: "payment.refunded", payload: { orderId: "p" } });
    await agent.emitEvent({ kind: "payment.refunded", payload: { orderId: "s" } });

    for (const { id } of [parent, child, grandchild, selfish]) expect(await agent.intentState(id)).toBe("cancelled");
    const cancelled = await factsOf(agent, "test.ev.order.cancelled");
    expect(cancelled.map((fact) => [fact.orderId, fact.reason.replace(/#\d+$/, "")])).toEqual([
      ["p", "event:payment.refunded"],
      ["c", "event:test.ev.order.cancelled"],
      ["g", "event:test.ev.order.cancelled"],
      ["s", "event:payment.refunded"],
    ]);
    expect(cancelled[1]!.reason).toBe(`event:test.ev.order.cancelled#${cancelled[0]!.id}`);
  });
});

describe("cancelOn within one batch of due work", () => {
  it("never starts work that a commit earlier in the same batch cancelled", async () => {
    const { agent } = freshEventsAgent("co-batch");
    // Both enqueued in one step, so that the drain reads them in one batch; the first one's commit cancels the second.
    const [first, second] = await runInDurableObject(agent, (instance: InstanceType<typeof EventsAgentDO>) =>
      Promise.all([
        instance.enqueueTrigger({ triggerKind: "test.ev.chain", payload: { id: "batch-first" } }),
        instance.enqueueTrigger({ triggerKind: "test.ev.chain", payload: { id: "batch-second", parent: "batch-first" } }),
      ]),
    );
    expect(await phaseOf(agent, first!.id, "completed")).toBe("completed");
    expect(await phaseOf(agent, second!.id, "cancelled")).toBe("cancelled");
    const done = await agent.events({ kinds: ["test.ev.chain.done"] });
    expect(done.map((e) => e.payload)).toEqual([{ id: "batch-first" }]);
    expect(chainAcquired.has("batch-first")).toBe(true);
    expect(chainAcquired.has("batch-second")).toBe(false);
  });
});

describe("cancelOn matching", () => {
  it("finds its keys through the primary key and deletes a settled intent's keys through its index: no scan", async () => {
    const { agent } = freshEventsAgent("co-plan");
    const plans = await runInDurableObject(agent, async (instance: InstanceType<typeof EventsAgentDO>, state) => {
      const sql = state.storage.sql;
      const exec = sql.exec;
      const ran = new Map<string, SqlStorageValue[]>();
      sql.exec = function (this: SqlStorage, query: string, ...bindings: SqlStorageValue[]) {
        if (/cancel_on/.test(query) && !ran.has(query)) ran.set(query, bindings);
        return exec.call(this, query, ...bindings);
      } as SqlStorage["exec"];
      try {
        await instance.enqueueTrigger({ triggerKind: "test.ev.order", payload: { orderId: "o-plan" }, at: later() });
        await instance.emitEvent({ kind: "payment.refunded", payload: { orderId: "o-plan" } });
      } finally {
        sql.exec = exec;
      }
      const plans: Record<string, string[]> = {};
      for (const [query, bindings] of ran) {
        if (!/^\s*(SELECT|DELETE)\b/i.test(query)) continue;
        plans[query] = exec
          .call(sql, `EXPLAIN QUERY PLAN ${query}`, ...bindings)
          .toArray()
          .map((row) => String(row["detail"]));
      }
      return plans;
    });
    expect(Object.keys(plans)).toHaveLength(2);
    for (const [query, plan] of Object.entries(plans)) {
      expect(plan.join("; "), query).toMatch(/^SEARCH cancel_on USING (PRIMARY KEY|COVERING INDEX cancel_on_by_intent) \(/);
    }
  });
});
