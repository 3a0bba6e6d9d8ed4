import type { OrderPlacedHandlers } from "../../generated";
import { sleep } from "../sleep";

/**
 * Handlers for `order.placed` (specs/orders.yaml). trigger-codegen wrote this stub once;
 * the bodies are yours, and later runs only add what a changed spec needs.
 */
export const handlers: OrderPlacedHandlers = {
  // Reserving stock stands in for a call to an inventory service.
  async acquire(intent, ctx) {
    await sleep(100, ctx.signal);
    const units = intent.items.reduce((sum, item) => sum + item.quantity, 0);
    return { orderId: intent.orderId, reservationId: `res-${ctx.intentEventId}`, units };
  },
  // The confirmation and the follow-up report commit together, or neither does.
  commit(outcome, tx) {
    tx.insertEvent({ kind: "order.placed.confirmed", payload: outcome });
    tx.enqueue({
      triggerKind: "report.fetch",
      payload: { reportId: `order-${outcome.orderId.slice(0, 8).toLowerCase()}`, source: "orders", flaky: false },
      idempotencyKey: `order-report:${outcome.orderId}`,
    });
  },
  commitCancelled(intent, cancellation, tx) {
    tx.insertEvent({ kind: "order.placed.cancelled", payload: { orderId: intent.orderId, reason: cancellation.reason ?? null } });
  },
};
