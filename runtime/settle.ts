import { describeError } from "./errors.ts";
import { backoffDelay, FAILED_EVENT, REJECTED_EVENT, type RegisteredTrigger } from "./registry.ts";
import { announce, type Scope } from "./scope.ts";
import { transact } from "./tx.ts";
import type { AcquireMode, CancellationInfo, Settlement, Tx } from "./types.ts";
import type { Claim, WorkRow } from "./work.ts";

/**
 * Every settlement goes through `settle`: the user's commit callback and the
 * work row's terminal state in one transaction (see `transact`).
 */
export function settle(
  scope: Scope,
  intentId: number,
  acquireMode: AcquireMode,
  settlement: Settlement,
  write: (tx: Tx) => unknown,
  lastError: string | null = null,
): Error | null {
  const refused = transact(scope, { intentEventId: intentId, acquireMode }, write, (now) =>
    scope.work.settle(intentId, settlement, now, lastError),
  );
  if (refused === null) announce(scope, intentId);
  return refused;
}

/** The stored intent is missing or no longer parses: a fact, so it never blocks other work. */
export function settleRejected(scope: Scope, row: WorkRow, reason: string): void {
  const error = settle(scope, row.intentId, row.claim?.mode ?? "normal", "rejected", (tx) => {
    appendRuntimeFact(scope, tx.now, REJECTED_EVENT, { triggerKind: row.triggerKind, intentEventId: row.intentId, reason });
  });
  if (error) throw error; // only storage itself can fail here
}

/**
 * An attempt failed (acquire threw, or a commit callback was refused). With
 * attempts left, the claim is released and the row fires again after
 * backoff, writing nothing to the ledger. With none left, it settles failed.
 */
export function failAttempt(scope: Scope, registered: RegisteredTrigger, claim: Claim, intent: unknown, error: unknown): void {
  if (claim.attempt < registered.retry.maxAttempts) {
    const fireAt = Date.now() + backoffDelay(registered.retry, claim.attempt);
    scope.work.release(claim.intentId, claim.token, fireAt, JSON.stringify(describeError(error)));
    announce(scope, claim.intentId);
    return;
  }
  settleFailed(scope, registered, claim.intentId, claim.mode, claim.attempt, intent, error);
}

export function settleFailed(
  scope: Scope,
  registered: RegisteredTrigger,
  intentId: number,
  acquireMode: AcquireMode,
  attempts: number,
  intent: unknown,
  error: unknown,
): void {
  const failure = { error: describeError(error), attempts };
  const lastError = JSON.stringify(failure.error);
  const { commitFailed } = registered.trigger;
  const refused = commitFailed
    ? settle(scope, intentId, acquireMode, "failed", (tx) => commitFailed.call(registered.trigger, intent, failure, tx), lastError)
    : null;
  if (commitFailed && !refused) return;
  // No commitFailed, or it was refused: the runtime's own fact still explains the outcome.
  const fact = {
    triggerKind: registered.kind,
    intentEventId: intentId,
    ...failure,
    ...(refused ? { commitFailedError: describeError(refused) } : {}),
  };
  const storageError = settle(scope, intentId, acquireMode, "failed", (tx) => {
    appendRuntimeFact(scope, tx.now, FAILED_EVENT, fact);
  }, lastError);
  if (storageError) throw storageError;
}

/** Settles pending work as cancelled now, with the request recorded in the same transaction. */
export function settleCancelled(
  scope: Scope,
  registered: RegisteredTrigger,
  intentId: number,
  acquireMode: AcquireMode,
  intent: unknown,
  cancellation: CancellationInfo,
): Error | null {
  return settle(scope, intentId, acquireMode, "cancelled", (tx) => {
    scope.work.requestCancel(intentId, cancellation.requestedAt, cancellation.reason ?? null);
    return registered.trigger.commitCancelled(intent, cancellation, tx);
  });
}

export function cancellationInfo(cancel: NonNullable<WorkRow["cancel"]>): CancellationInfo {
  return cancel.reason === null ? { requestedAt: cancel.requestedAt } : { reason: cancel.reason, requestedAt: cancel.requestedAt };
}

// The runtime's facts bypass tx.insertEvent, which refuses the reserved prefix to user code.
function appendRuntimeFact(scope: Scope, now: number, kind: string, payload: unknown): void {
  scope.ledger.append(kind, payload, now);
}
