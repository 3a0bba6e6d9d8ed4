import { cancelRow, type CancelHost } from "../cancel/cancel.ts";
import { storedIntent } from "../lifecycle/intents.ts";
import { rowEnding, settleCancelled, settleRejected } from "../lifecycle/settle.ts";
import type { TimedOut } from "../store/work-table.ts";
import { batchOf, type TimeStep } from "./steps.ts";

/** What answering timeouts needs: the rows whose deadlines passed, settling, and the stored intent. */
export interface TimeoutHost extends CancelHost {
  readonly store: CancelHost["store"] & {
    readonly work: CancelHost["store"]["work"] & { timedOut(now: number): TimedOut[] };
    clearDeadlines(intentId: number): void;
  };
}

/** What the drain does for a timed-out attempt it runs: abort its signal, or let go of its slot. */
export interface RunningAttempts {
  abort(intentId: number, reason: string | null): void;
  abandon(intentId: number): void;
}

/**
 * Answers one batch (at most 64) of the start and finish deadlines passed at
 * `now` (a parameter, so tests can choose it). The drain answers a batch per
 * look and lets other work in between, as it does for schedules (10 000
 * intents timing out at once would otherwise hold the object for seconds).
 * Each answer commits on its own and ends the row's deadlines, so an object
 * lost between two batches leaves the rest passed, each once, for the next
 * instance.
 *
 * - Not claimed in time (`timeout:start`), or not settled in time while
 *   waiting for a retry (`timeout:finish`): settles `cancelled` now, its
 *   `commitCancelled` in the same transaction.
 * - Running, cooperative (`timeout:finish`): a cancel request, and its
 *   signal is aborted; the acquire's end settles it, as for `cancelTrigger`.
 * - Running, `cancellation: "ignored"` (`timeout:finish`): the claim is
 *   given up and the intent settles `cancelled` now; the acquire runs on,
 *   unaware, its slot is freed, and its late outcome is dropped because its
 *   claim no longer owns the row.
 */
export function answerTimeoutBatch(host: TimeoutHost, running: RunningAttempts, now: number): TimeStep {
  return batchOf(host.store.work.timedOut(now), (row) => answer(host, running, row, now));
}

function answer(host: TimeoutHost, running: RunningAttempts, row: TimedOut, now: number): void {
  const { intentId } = row;
  const registered = host.registry.get(row.triggerKind);
  // Its kind is gone since a deploy: the drain rejects the row, which a timeout need not do.
  if (registered === undefined) return host.store.clearDeadlines(intentId);
  const reason = `timeout:${row.timeout}`;
  const ours = row.claim !== null && host.store.issued(row.claim.token);
  // Everything but a running acquire that cannot be told to stop is cancelled as cancelTrigger
  // cancels (which also ends the row's deadlines).
  if (!ours || registered.trigger.cancellation === "cooperative") {
    cancelRow(host, running, registered, row, reason, now);
    return;
  }
  const parsed = storedIntent(registered, row, host.ledger.payloadText(intentId));
  if (!parsed.ok) return settleRejected(host, row, parsed.reason);
  const refused = settleCancelled(host, registered, rowEnding(row), parsed.intent, { reason, requestedAt: now });
  if (refused === null) return running.abandon(intentId);
  // commitCancelled was refused: as for cancelTrigger, the request stays, and the attempt's end
  // settles it with its signal aborted, so the failure counts like any other.
  console.warn(`durable trigger "${registered.kind}" intent ${intentId}: commitCancelled refused after ${reason}`, refused.message);
  host.store.requestCancel(intentId, now, reason);
}
