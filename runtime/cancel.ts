import { requireTrigger, parseIntent } from "./intents.ts";
import type { Pump } from "./pump.ts";
import { announce, type Scope } from "./scope.ts";
import { settleCancelled, settleRejected } from "./settle.ts";
import type { CancelRequest, CancelResult } from "./types.ts";

/**
 * The five answers of `cancelTrigger`. Pending work settles as cancelled
 * right here; running work gets its request recorded and its signal aborted,
 * and the pump writes the terminal fact when the acquire ends.
 */
export function cancelIntent(scope: Scope, pump: Pump, request: CancelRequest): CancelResult {
  const registered = requireTrigger(scope, request.triggerKind);
  const { intentEventId } = request;
  const reason = typeof request.reason === "string" ? request.reason : null;
  const row = scope.work.get(intentEventId);
  if (row === null || row.triggerKind !== registered.kind) return { status: "not_found", intentEventId };
  if (row.settled !== null) return { status: "already_completed", intentEventId, settled: row.settled };
  if (registered.trigger.cancellation === "ignored") return { status: "ignored", intentEventId };

  const now = Date.now();
  if (row.claim === null) {
    const event = scope.ledger.get(intentEventId);
    const parsed = event ? parseIntent(registered, event.payload) : { ok: false as const, reason: "intent event is missing" };
    if (!parsed.ok) {
      settleRejected(scope, row, `stored intent no longer parses: ${parsed.reason}`);
      return { status: "already_completed", intentEventId, settled: "rejected" };
    }
    const cancellation = reason === null ? { requestedAt: now } : { reason, requestedAt: now };
    const refused = settleCancelled(scope, registered, intentEventId, "normal", parsed.intent, cancellation);
    if (refused === null) return { status: "cancelled", intentEventId };
    // commitCancelled was refused and rolled back: keep the request, and let the
    // pump settle it as an attempt, so the failure counts like any other.
    console.warn(`durable trigger "${registered.kind}" intent ${intentEventId}: commitCancelled refused`, refused.message);
    scope.work.fireNoLaterThan(intentEventId, now);
    scope.newWork.add(registered.kind);
  }
  const { requestedAt } = scope.work.requestCancel(intentEventId, now, reason);
  announce(scope, intentEventId);
  pump.abort(intentEventId, reason);
  return { status: "requested", intentEventId, requestedAt };
}
