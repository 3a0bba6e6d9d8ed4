import { checkCancelReason } from "../contract/cancel-reason.ts";
import { requireTrigger, storedIntent } from "../lifecycle/intents.ts";
import type { Ledger } from "../store/ledger.ts";
import type { RegisteredTrigger } from "../definition/registry.ts";
import { rowEnding, settleCancelled, settleRejected, type SettleHost } from "../lifecycle/settle.ts";
import type { CancelRequest, CancelResult } from "../contract/types.ts";
import type { WorkRow } from "../store/work-table.ts";

/** What cancelling needs: settling, the stored intent, and the work writes of a request. */
export interface CancelHost extends SettleHost {
  readonly ledger: SettleHost["ledger"] & Pick<Ledger, "payloadText">;
  readonly store: SettleHost["store"] & {
    readonly work: { get(intentId: number): WorkRow | null };
    bringForward(intentId: number, triggerKind: string, at: number): void;
    issued(token: string): boolean;
  };
}

/** What cancelling asks of the drain: to abort an acquire it runs. */
export interface RunningAcquires {
  abort(intentId: number, reason: string | null): void;
}

/**
 * The five answers of `cancelTrigger`. Pending work settles as cancelled
 * right here; running work gets its request recorded and its signal aborted,
 * and the pump writes the terminal fact when the acquire ends. Every write
 * happens inside a transaction, so a call that throws leaves storage as it was.
 */
export function cancelIntent(host: CancelHost, drain: RunningAcquires, request: CancelRequest): CancelResult {
  const { intentEventId } = request;
  const row = host.store.work.get(intentEventId);
  // The id names the intent: without a kind (over HTTP), the row's own is the one checked.
  const kind: unknown = request.triggerKind ?? row?.triggerKind;
  if (kind === undefined) {
    checkCancelReason("cancelTrigger", request.reason);
    return { status: "not_found", intentEventId };
  }
  const registered = requireTrigger(host.registry, kind);
  const reason = checkCancelReason(`cancelTrigger "${registered.kind}"`, request.reason);
  if (row === null || row.triggerKind !== registered.kind) return { status: "not_found", intentEventId };
  if (row.settled !== null) return { status: "already_completed", intentEventId, settled: row.settled };
  if (registered.trigger.cancellation === "ignored") return { status: "ignored", intentEventId };
  return cancelRow(host, drain, registered, row, reason, host.clock.now());
}

/**
 * Cancels one unsettled row, whoever asks (`cancelTrigger`, a fact that
 * matches a `cancelOn` rule, a timeout): work no acquire is running settles
 * `cancelled` now; running work gets the request and its signal aborted.
 */
export function cancelRow(
  host: CancelHost,
  drain: RunningAcquires,
  registered: RegisteredTrigger,
  row: WorkRow,
  reason: string | null,
  now: number,
): Extract<CancelResult, { status: "cancelled" | "requested" | "already_completed" }> {
  const { intentId: intentEventId } = row;
  let requestedAt: number;
  // A claim this instance did not make belongs to a dead one: no acquire will answer the
  // request, so the work is settled now, as pending work is.
  const orphaned = row.claim !== null && !host.store.issued(row.claim.token);
  if (row.claim === null || orphaned) {
    const parsed = storedIntent(registered, row, host.ledger.payloadText(intentEventId));
    if (!parsed.ok) {
      settleRejected(host, row, parsed.reason);
      return { status: "already_completed", intentEventId, settled: "rejected" };
    }
    const cancellation = reason === null ? { requestedAt: now } : { reason, requestedAt: now };
    const refused = settleCancelled(host, registered, rowEnding(row, orphaned ? "redrive" : "normal"), parsed.intent, cancellation);
    if (refused === null) return { status: "cancelled", intentEventId };
    // commitCancelled was refused and rolled back: keep the request, and let the
    // drain settle it as an attempt, so the failure counts like any other. Both
    // writes in one transaction: work must never become due early for a call that fails.
    console.warn(`durable trigger "${registered.kind}" intent ${intentEventId}: commitCancelled refused`, refused.message);
    ({ requestedAt } = host.store.transaction(() => {
      host.store.bringForward(intentEventId, registered.kind, now);
      return host.store.requestCancel(intentEventId, now, reason);
    }));
  } else {
    ({ requestedAt } = host.store.requestCancel(intentEventId, now, reason));
  }
  drain.abort(intentEventId, reason);
  return { status: "requested", intentEventId, requestedAt };
}
