import { cancellationReasonOf, ClaimExpiredError, describeError, isCancellationError, isNonRetryable } from "../contract/errors.ts";
import { backoffDelay, FAILED_EVENT, REJECTED_EVENT, type RegisteredTrigger } from "../definition/registry.ts";
import { commitOrFact, transact, writeRuntimeFact, type TxHost } from "./tx.ts";
import type { AcquireMode, CancellationInfo, Settlement, Tx } from "../contract/types.ts";
import type { Attempt, DueRow, WorkRow } from "../store/work-table.ts";

/** What settling needs: a commit transaction, and the work writes that end or release a row. */
export interface SettleHost extends TxHost {
  readonly store: TxHost["store"] & SettleStore;
}

/** The store's writes that end or release a row. */
export interface SettleStore {
  settle(intentId: number, settlement: Settlement, now: number, error: string | null, attempts: number): void;
  release(
    attempt: Pick<Attempt, "intentId" | "triggerKind" | "token" | "attempt">,
    fireAt: number,
    error: string,
    finishDeadline: number | null,
  ): void;
  requestCancel(intentId: number, now: number, reason: string | null): { requestedAt: number };
}

/**
 * What a settlement ends: the row, the acquire mode its commit sees, and how
 * many attempts ran (the number of the one ending, or the row's count when
 * no attempt ends, as when pending work is cancelled).
 */
export type Ending = Pick<Attempt, "intentId" | "mode" | "attempt">;

/** The ending of no attempt: a row settled as it stands. */
export function rowEnding(row: WorkRow, mode: Attempt["mode"] = row.claim?.mode ?? "normal"): Ending {
  return { intentId: row.intentId, mode, attempt: row.attempts };
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
  attempt: Attempt,
  intent: unknown,
  result: AcquireResult,
  signal: AbortSignal,
  cancel: Attempt["cancel"],
): void {
  let refused: Error | null;
  if (result.ok) {
    refused = settle(host, attempt, "completed", (tx) => registered.trigger.commit(result.outcome, tx));
  } else if (signal.aborted || isCancellationError(result.error)) {
    // No request: the acquire stopped itself, and its CancellationError says why.
    const asked = cancel ?? { requestedAt: host.clock.now(), reason: cancellationReasonOf(result.error) };
    refused = settleCancelled(host, registered, attempt, intent, cancellationInfo(asked));
  } else {
    refused = null;
    failAttempt(host, registered, attempt, intent, result.error);
  }
  if (refused) failAttempt(host, registered, attempt, intent, refused);
}

/**
 * Settles a row whose last allowed attempt lost its claim. A cancel was
 * asked for and nothing will ever answer it now, so the request is what
 * ends the work: cancelled, not failed. Otherwise it failed, ClaimExpired.
 */
export function settleLostClaim(host: SettleHost, registered: RegisteredTrigger, row: DueRow, intent: unknown): void {
  let error: unknown = new ClaimExpiredError(`attempt ${row.attempts} held its claim past the deadline without a result`);
  const ending = rowEnding(row, "redrive");
  if (row.cancel !== null) {
    const refused = settleCancelled(host, registered, ending, intent, cancellationInfo(row.cancel));
    if (refused === null) return;
    error = refused; // commitCancelled was refused, and no attempt is left to try it again
  }
  settleFailed(host, registered, ending, intent, error);
}

/**
 * Every settlement goes through `settle`: the user's commit callback and the
 * work row's terminal state in one transaction (see `transact`). Its
 * watchers hear of it once it commits.
 */
export function settle(host: SettleHost, ending: Ending, settlement: Settlement, write: (tx: Tx) => unknown): Error | null {
  return transact(host, txExtra(ending), write, (now) => host.store.settle(ending.intentId, settlement, now, null, ending.attempt));
}

/** What a settlement's `tx` says of the attempt it ends. */
function txExtra({ intentId, mode }: Ending): { intentEventId: number; acquireMode: AcquireMode } {
  return { intentEventId: intentId, acquireMode: mode };
}

/** The stored intent is missing or no longer parses, or its kind is gone: a fact, so it never blocks other work. */
export function settleRejected(host: SettleHost, row: WorkRow, reason: string): void {
  const error = settle(host, rowEnding(row), "rejected", (tx) => {
    writeRuntimeFact(host, tx.now, {
      kind: REJECTED_EVENT,
      payload: { triggerKind: row.triggerKind, intentEventId: row.intentId, reason },
    });
  });
  if (error) throw error; // only storage itself can fail here
}

/**
 * An attempt failed (acquire threw, or a commit callback was refused). With
 * attempts left, the claim is released and the row fires again after
 * backoff, writing nothing to the ledger. With none left, or when the error
 * is a `NonRetryableError`, it settles failed.
 */
export function failAttempt(host: SettleHost, registered: RegisteredTrigger, attempt: Attempt, intent: unknown, error: unknown): void {
  if (attempt.attempt < registered.retry.maxAttempts && !isNonRetryable(error)) {
    const { finishMs } = registered.timeouts;
    const finishDeadline = finishMs === null ? null : attempt.startedAt + finishMs;
    host.store.release(
      attempt,
      host.clock.now() + backoffDelay(registered.retry, attempt.attempt),
      JSON.stringify(describeError(error)),
      finishDeadline,
    );
    return;
  }
  settleFailed(host, registered, attempt, intent, error);
}

/** The trigger's `commitFailed`, or, when it has none or it was refused, the runtime's own failure fact. */
export function settleFailed(host: SettleHost, registered: RegisteredTrigger, ending: Ending, intent: unknown, error: unknown): void {
  const { intentId, attempt: attempts } = ending;
  const failure = { error: describeError(error), attempts };
  const lastError = JSON.stringify(failure.error);
  const { commitFailed } = registered.trigger;
  commitOrFact(
    host,
    txExtra(ending),
    commitFailed && ((tx) => commitFailed.call(registered.trigger, intent, failure, tx)),
    (refused) => ({
      kind: FAILED_EVENT,
      payload: {
        triggerKind: registered.kind,
        intentEventId: intentId,
        ...failure,
        ...(refused ? { commitFailedError: describeError(refused) } : {}),
      },
    }),
    (now) => host.store.settle(intentId, "failed", now, lastError, attempts),
  );
}

/** Settles work as cancelled now, with the request recorded in the same transaction. */
export function settleCancelled(
  host: SettleHost,
  registered: RegisteredTrigger,
  ending: Ending,
  intent: unknown,
  cancellation: CancellationInfo,
): Error | null {
  return settle(host, ending, "cancelled", (tx) => {
    host.store.requestCancel(ending.intentId, cancellation.requestedAt, cancellation.reason ?? null);
    return registered.trigger.commitCancelled(intent, cancellation, tx);
  });
}

export function cancellationInfo(cancel: NonNullable<WorkRow["cancel"]>): CancellationInfo {
  return cancel.reason === null ? { requestedAt: cancel.requestedAt } : { reason: cancel.reason, requestedAt: cancel.requestedAt };
}
