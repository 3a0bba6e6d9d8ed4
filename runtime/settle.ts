import { cancellationReasonOf, ClaimExpiredError, describeError, isCancellationError } from "./errors.ts";
import { commitOrFact, writeRuntimeFact } from "./facts.ts";
import { backoffDelay, FAILED_EVENT, REJECTED_EVENT, type RegisteredTrigger } from "./registry.ts";
import type { Scheduler } from "./scheduler.ts";
import { transact, type TxHost } from "./tx.ts";
import type { AcquireMode, CancellationInfo, Settlement, Tx } from "./types.ts";
import type { Claim, DueRow, WorkRow } from "./work.ts";

/** What settling needs: a commit transaction, and the work writes that end or release a row. */
export interface SettleHost extends TxHost {
  readonly work: TxHost["work"] & Pick<Scheduler, "settle" | "release" | "requestCancel">;
}

/** How an acquire ended: its outcome, or what it threw. */
export type AcquireResult = { readonly ok: true; readonly outcome: unknown } | { readonly ok: false; readonly error: unknown };

/**
 * Settles an attempt by how its acquire ended; the caller has made sure that
 * its claim still owns the row, and `cancel` is the row's cancel request as
 * it stands: returned → `commit`; threw while its signal was aborted, or
 * threw a CancellationError → `commitCancelled`; threw otherwise, or a
 * commit was refused → a failed attempt (see `failAttempt`).
 */
export function settleOutcome(
  host: SettleHost,
  registered: RegisteredTrigger,
  claim: Claim,
  intent: unknown,
  result: AcquireResult,
  signal: AbortSignal,
  cancel: Claim["cancel"],
): void {
  let refused: Error | null;
  if (result.ok) {
    refused = settle(host, claim.intentId, claim.mode, "completed", (tx) => registered.trigger.commit(result.outcome, tx));
  } else if (signal.aborted || isCancellationError(result.error)) {
    // No request: the acquire stopped itself, and its CancellationError says why.
    const asked = cancel ?? { requestedAt: Date.now(), reason: cancellationReasonOf(result.error) };
    refused = settleCancelled(host, registered, claim.intentId, claim.mode, intent, cancellationInfo(asked));
  } else {
    refused = null;
    failAttempt(host, registered, claim, intent, result.error);
  }
  if (refused) failAttempt(host, registered, claim, intent, refused);
}

/**
 * Settles a row whose last allowed attempt lost its claim. A cancel was
 * asked for and nothing will ever answer it now, so the request is what
 * ends the work: cancelled, not failed. Otherwise it failed, ClaimExpired.
 */
export function settleLostClaim(host: SettleHost, registered: RegisteredTrigger, row: DueRow, intent: unknown): void {
  let error: unknown = new ClaimExpiredError(`attempt ${row.attempts} held its claim past the deadline without a result`);
  if (row.cancel !== null) {
    const refused = settleCancelled(host, registered, row.intentId, "redrive", intent, cancellationInfo(row.cancel));
    if (refused === null) return;
    error = refused; // commitCancelled was refused, and no attempt is left to try it again
  }
  settleFailed(host, registered, row.intentId, "redrive", row.attempts, intent, error);
}

/**
 * Every settlement goes through `settle`: the user's commit callback and the
 * work row's terminal state in one transaction (see `transact`). Its
 * watchers hear of it once it commits.
 */
export function settle(
  host: SettleHost,
  intentId: number,
  acquireMode: AcquireMode,
  settlement: Settlement,
  write: (tx: Tx) => unknown,
  lastError: string | null = null,
): Error | null {
  return transact(host, { intentEventId: intentId, acquireMode }, write, (now) => host.work.settle(intentId, settlement, now, lastError));
}

/** The stored intent is missing or no longer parses, or its kind is gone: a fact, so it never blocks other work. */
export function settleRejected(host: SettleHost, row: WorkRow, reason: string): void {
  const error = settle(host, row.intentId, row.claim?.mode ?? "normal", "rejected", (tx) => {
    writeRuntimeFact(host, tx.now, { kind: REJECTED_EVENT, payload: { triggerKind: row.triggerKind, intentEventId: row.intentId, reason } });
  });
  if (error) throw error; // only storage itself can fail here
}

/**
 * An attempt failed (acquire threw, or a commit callback was refused). With
 * attempts left, the claim is released and the row fires again after
 * backoff, writing nothing to the ledger. With none left, it settles failed.
 */
export function failAttempt(host: SettleHost, registered: RegisteredTrigger, claim: Claim, intent: unknown, error: unknown): void {
  if (claim.attempt < registered.retry.maxAttempts) {
    host.work.release(claim, Date.now() + backoffDelay(registered.retry, claim.attempt), JSON.stringify(describeError(error)));
    return;
  }
  settleFailed(host, registered, claim.intentId, claim.mode, claim.attempt, intent, error);
}

/** The trigger's `commitFailed`, or, when it has none or it was refused, the runtime's own failure fact. */
export function settleFailed(
  host: SettleHost,
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
  commitOrFact<{ intentEventId: number; acquireMode: AcquireMode }>(
    host,
    { intentEventId: intentId, acquireMode },
    commitFailed && ((tx) => commitFailed.call(registered.trigger, intent, failure, tx)),
    (refused) => ({
      kind: FAILED_EVENT,
      payload: { triggerKind: registered.kind, intentEventId: intentId, ...failure, ...(refused ? { commitFailedError: describeError(refused) } : {}) },
    }),
    (now) => host.work.settle(intentId, "failed", now, lastError),
  );
}

/** Settles work as cancelled now, with the request recorded in the same transaction. */
export function settleCancelled(
  host: SettleHost,
  registered: RegisteredTrigger,
  intentId: number,
  acquireMode: AcquireMode,
  intent: unknown,
  cancellation: CancellationInfo,
): Error | null {
  return settle(host, intentId, acquireMode, "cancelled", (tx) => {
    host.work.requestCancel(intentId, cancellation.requestedAt, cancellation.reason ?? null);
    return registered.trigger.commitCancelled(intent, cancellation, tx);
  });
}

export function cancellationInfo(cancel: NonNullable<WorkRow["cancel"]>): CancellationInfo {
  return cancel.reason === null ? { requestedAt: cancel.requestedAt } : { reason: cancel.reason, requestedAt: cancel.requestedAt };
}
