/**
 * Compile-time tests for `emitEvent`, checked by `npm test`'s typecheck:
 * every `@ts-expect-error` below must be needed, or tsc fails the run.
 */
import type { EventsAgent } from "./events-helpers";
import type { TestAgent } from "./helpers";

export async function emitIsTypedFromTheDeclaredEvents(agent: EventsAgent, plain: TestAgent) {
  // The parser's input type: `amount` has a default, so it may be left out.
  const { id, duplicate }: { id: number; duplicate: boolean } = await agent.emitEvent({
    kind: "payment.refunded",
    payload: { orderId: "o-1" },
  });
  await agent.emitEvent({ kind: "payment.refunded", payload: { orderId: "o-1", amount: 5 }, idempotencyKey: "k" });
  await agent.emitEvent({ kind: "note.added", payload: { text: "hi" } });
  // @ts-expect-error an undeclared kind does not compile
  await agent.emitEvent({ kind: "payment.lost", payload: { orderId: "o-1" } });
  // @ts-expect-error a payload of the wrong shape does not compile
  await agent.emitEvent({ kind: "payment.refunded", payload: { orderId: 1 } });
  // @ts-expect-error a payload missing a required field does not compile
  await agent.emitEvent({ kind: "note.added", payload: {} });
  // @ts-expect-error the kind decides the payload: a note's payload is no refund
  await agent.emitEvent({ kind: "payment.refunded", payload: { text: "hi" } });
  // @ts-expect-error the idempotency key is a string
  await agent.emitEvent({ kind: "note.added", payload: { text: "hi" }, idempotencyKey: 1 });
  // @ts-expect-error an object that declares no events accepts none
  await plain.emitEvent({ kind: "payment.refunded", payload: { orderId: "o-1" } });
  return { id, duplicate };
}
