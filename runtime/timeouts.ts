import { storedIntent } from "./intents.ts";
import type { Ledger } from "./ledger.ts";
import type { Scheduler } from "./scheduler.ts";
import { settleCancelled, settleRejected, type SettleHost } from "./settle.ts";
import type { TimedOut } from "./work.ts";

/** What answering timeouts needs: the rows whose deadlines passed, settling, and the stored intent. */
export interface TimeoutHost extends SettleHost {
  readonly ledger: SettleHost["ledger"] & Pick<Ledger, "payloadText">;
  readonly work: SettleHost["work"] & Pick<Scheduler, "timedOut" | "clearDeadlines" | "issued" | "bringForward">;
}

/** What the drain does for a timed-out attempt it runs: abort its signal, or let go of its slot. */
export interface RunningAttempts {
  abort(intentId: number, reason: string | null): void;
  abandon(intentId: number): void;
}

/**
 * Answers every start and finish deadline passed at `now` (a parameter, so
 * tests can choose it). Answers how many rows it looked at.
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
export function answerTimeouts(host: TimeoutHost, running: RunningAttempts, now: number): number {
  let answered = 0;
  for (let rows = host.work.timedOut(now); rows.length > 0; rows = host.work.timedOut(now)) {
    for (const row of rows) answer(host, running, row, now);
    answered += rows.length;
  }
  return answered;
}

function answer(host: TimeoutHost, running: RunningAttempts, row: TimedOut, now: number): void {
  const { intentId } = row;
  const registered = host.registry.get(row.triggerKind);
  // Its kind is gone since a deploy: the drain rejects the row, which a timeout need not do.
  if (registered === undefined) return host.work.clearDeadlines(intentId);
  const reason = `timeout:${row.timeout}`;
  const ours = row.claim !== null && host.work.issued(row.claim.token);
  if (ours && registered.trigger.cancellation === "cooperative") {
    host.work.transaction(() => {
      host.work.requestCancel(intentId, now, reason);
      host.work.clearDeadlines(intentId);
    });
    running.abort(intentId, reason);
    return;
  }
  const parsed = storedIntent(registered, row, host.ledger.payloadText(intentId));
  if (!parsed.ok) return settleRejected(host, row, parsed.reason);
  const refused = settleCancelled(host, registered, intentId, row.claim?.mode ?? "normal", parsed.intent, { reason, requestedAt: now });
  if (refused === null) {
    if (ours) running.abandon(intentId);
    return;
  }
  // commitCancelled was refused: as for cancelTrigger, the request stays and the drain runs the
  // work as an attempt with its signal already aborted, so the failure counts like any other.
  console.warn(`durable trigger "${registered.kind}" intent ${intentId}: commitCancelled refused after ${reason}`, refused.message);
  host.work.transaction(() => {
    host.work.requestCancel(intentId, now, reason);
    host.work.clearDeadlines(intentId);
    if (row.claim === null) host.work.bringForward(intentId, registered.kind, now);
  });
}
