/**
 * Compile-time tests, checked by `npm test`'s typecheck: every
 * `@ts-expect-error` below must be needed, or tsc fails the run.
 */
import type { DurableTrigger, FollowUp, NewEvent } from "../../runtime";
import type { TestAgent } from "./helpers";

export async function enqueueIsTypedFromTheRegisteredTriggers(agent: TestAgent) {
  await agent.enqueueTrigger({ triggerKind: "test.script", payload: { id: "ok", acquire: "return" } });
  // @ts-expect-error an unregistered kind does not compile
  await agent.enqueueTrigger({ triggerKind: "test.unknown", payload: { id: "x", acquire: "return" } });
  // @ts-expect-error a payload of the wrong shape does not compile
  await agent.enqueueTrigger({ triggerKind: "test.script", payload: { id: 1, acquire: "return" } });
  // @ts-expect-error a payload missing a required field does not compile
  await agent.enqueueTrigger({ triggerKind: "test.script", payload: { id: "x" } });
  // @ts-expect-error cancel takes registered kinds only
  await agent.cancelTrigger({ triggerKind: "test.unknown", intentEventId: 1 });
}

/** A trigger whose follow-ups are narrowed, as generated triggers' are, to the kinds a project declares. */
type Mail = { to: string };
type Report = { reportId: string; flaky?: boolean };
type ProjectFollowUp = FollowUp<"mail.send", Mail> | FollowUp<"report.fetch", Report>;

export const followUpsAreTypedLikeEnqueue = {
  kind: "order.confirm",
  intentEventKind: "order.confirm.requested",
  cancellation: "ignored",
  parseIntent: (raw: unknown) => ({ ok: true, intent: raw as { orderId: string } }),
  acquire: (intent) => intent.orderId,
  commit(orderId, tx) {
    tx.enqueue({ triggerKind: "mail.send", payload: { to: `${orderId}@example.com` } });
    tx.enqueue({ triggerKind: "report.fetch", payload: { reportId: orderId }, at: tx.now + 1_000, idempotencyKey: orderId });
    // @ts-expect-error an undeclared trigger kind does not compile
    tx.enqueue({ triggerKind: "mail.sned", payload: { to: "x" } });
    // @ts-expect-error a payload of another kind's shape does not compile
    tx.enqueue({ triggerKind: "mail.send", payload: { reportId: "r-1" } });
  },
  commitCancelled(_intent, _cancellation, tx) {
    // @ts-expect-error a payload missing a required field does not compile
    tx.enqueue({ triggerKind: "report.fetch", payload: {} });
  },
} satisfies DurableTrigger<{ orderId: string }, string, unknown, NewEvent, unknown, ProjectFollowUp>;
