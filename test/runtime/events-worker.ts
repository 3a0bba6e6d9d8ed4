import {
  defineAgentDO,
  type DeclaredEvent,
  type DurableTrigger,
  type KindName,
  type LedgerEvent,
  type PayloadParseResult,
} from "../../runtime";
import { waitAtGate } from "./gates";

/**
 * The Durable Object the events tests drive (bound as EVENTS): declared
 * event kinds for `emitEvent`, and triggers with `cancelOn` rules.
 */

/** A refund from a payment provider's webhook; `amount` defaults to 0, so the input may leave it out. */
export interface Refund {
  orderId: string;
  amount: number;
}

export const paymentRefunded = {
  kind: "payment.refunded",
  description: "A refund arrived from the payment provider's webhook.",
  payloadSchema: { type: "object", required: ["orderId"], properties: { orderId: { type: "string" }, amount: { type: "number" } } },
  parsePayload(raw: unknown): PayloadParseResult<Refund, { orderId: string; amount?: number }> {
    const value = raw as Partial<Refund> | null;
    if (typeof value !== "object" || value === null) return { ok: false, reason: "$: expected an object" };
    if (typeof value.orderId !== "string") return { ok: false, reason: "orderId: expected a string" };
    if (value.amount !== undefined && typeof value.amount !== "number") return { ok: false, reason: "amount: expected a number" };
    return { ok: true, payload: { orderId: value.orderId, amount: value.amount ?? 0 } };
  },
} satisfies DeclaredEvent<Refund>;

export const noteAdded = {
  kind: "note.added",
  parsePayload(raw: unknown): PayloadParseResult<{ text: string }> {
    const text = (raw as { text?: unknown } | null)?.text;
    return typeof text === "string" ? { ok: true, payload: { text } } : { ok: false, reason: "text: expected a string" };
  },
} satisfies DeclaredEvent<{ text: string }>;

/** An order to work on: pending when due later, running while it waits at its gate (`gate: true`). */
export interface OrderIntent {
  orderId: string;
  customer?: { id: string };
  region?: string;
  /** The order this one belongs to: cancelled when that one is. */
  parent?: string;
  gate?: boolean;
}

function order<const Kind extends KindName>(kind: Kind, cancellation: "cooperative" | "ignored") {
  return {
    kind,
    intentEventKind: `${kind}.requested` as KindName,
    cancellation,
    concurrency: 10,
    cancelOn: [
      { event: "payment.refunded", match: { orderId: "orderId" } },
      // Every pair must be equal: the customer and the region.
      { event: "account.closed", match: { "customer.id": "account.customerId", region: "account.region" } },
      // A cascade: an order's own cancelled fact cancels the orders whose parent it is.
      { event: `${kind}.cancelled`, match: { parent: "orderId" } },
      // `as const`: without it, TypeScript gives each rule's `match` the other's keys as optional `undefined`.
    ] as const,
    parseIntent(raw: unknown) {
      const value = raw as Partial<OrderIntent> | null;
      if (typeof value?.orderId !== "string") return { ok: false, reason: "orderId: expected a string" };
      return { ok: true, intent: value as OrderIntent };
    },
    async acquire(intent, ctx) {
      if (intent.gate) await waitAtGate(intent.orderId, ctx.signal);
      return { orderId: intent.orderId };
    },
    commit(outcome, tx) {
      tx.insertEvent({ kind: `${kind}.done`, payload: outcome });
    },
    commitCancelled(intent, cancellation, tx) {
      tx.insertEvent({ kind: `${kind}.cancelled`, payload: { orderId: intent.orderId, reason: cancellation.reason ?? null } });
    },
  } satisfies DurableTrigger<OrderIntent, { orderId: string }>;
}

/** What each `tx.insertEvent` of a `test.ev.commit` commit was given, and what it answered. */
export const insertedEvents: { given: unknown; inserted: LedgerEvent<unknown> }[] = [];

/** One write a `test.ev.commit` commit makes, in order. */
export type CommitStep = { insertEvent: { kind: string; payload: unknown } } | { enqueue: OrderIntent; at?: number } | { throw: string };

/** Its commit makes the listed writes in one transaction: events, enqueues, or a throw that rolls them all back. */
const committer = {
  kind: "test.ev.commit",
  intentEventKind: "test.ev.commit.requested",
  cancellation: "cooperative",
  retry: { maxAttempts: 1 },
  parseIntent: (raw: unknown) => ({ ok: true, intent: raw as { steps: CommitStep[] } }),
  acquire: (intent) => intent,
  commit(outcome, tx) {
    for (const step of outcome.steps) {
      if ("insertEvent" in step) insertedEvents.push({ given: step.insertEvent.payload, inserted: tx.insertEvent(step.insertEvent) });
      else if ("enqueue" in step)
        tx.enqueue({ triggerKind: "test.ev.order", payload: step.enqueue, ...(step.at === undefined ? {} : { at: step.at }) });
      else throw new Error(step.throw);
    }
  },
  commitCancelled() {},
} satisfies DurableTrigger<{ steps: CommitStep[] }, { steps: CommitStep[] }>;

/** The `test.ev.chain` intents whose acquire ran, by id. */
export const chainAcquired = new Set<string>();

/**
 * Answers at once, and its commit's fact cancels the intents whose `parent`
 * it names: one intent of a batch can cancel another of the same batch.
 */
const chain = {
  kind: "test.ev.chain",
  intentEventKind: "test.ev.chain.requested",
  cancellation: "cooperative",
  concurrency: 10,
  cancelOn: [{ event: "test.ev.chain.done", match: { parent: "id" } }],
  parseIntent: (raw: unknown) => ({ ok: true, intent: raw as { id: string; parent?: string } }),
  acquire(intent) {
    chainAcquired.add(intent.id);
    return { id: intent.id };
  },
  commit(outcome, tx) {
    tx.insertEvent({ kind: "test.ev.chain.done", payload: outcome });
  },
  commitCancelled(intent, cancellation, tx) {
    tx.insertEvent({ kind: "test.ev.chain.cancelled", payload: { id: intent.id, reason: cancellation.reason ?? null } });
  },
} satisfies DurableTrigger<{ id: string; parent?: string }, { id: string }>;

export const eventTriggers = [order("test.ev.order", "cooperative"), order("test.ev.ignored", "ignored"), committer, chain];

export const EventsAgentDO = defineAgentDO({ triggers: eventTriggers, events: [paymentRefunded, noteAdded] });
