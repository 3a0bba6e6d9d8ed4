import { NonRetryableError, type AcquireContext, type DurableTrigger } from "../../runtime";

/**
 * Triggers the test kit's own tests drive: a handler that keeps the contract,
 * and the two bugs the kit must catch (`bug` in the intent).
 */
export interface KitIntent {
  id: string;
  /** How many `await`s the acquire passes, checking its signal after each; default 3. */
  steps?: number;
  /** `twice`: its commit also runs commitCancelled (settles twice); `deaf`: it ignores a cancel seen at its second await. */
  bug?: "twice" | "deaf";
  /** The commit is refused (throws), so the attempt fails. */
  refuseCommit?: boolean;
}

/** The intent, and the attempt that acquired it. */
export interface KitOutcome extends KitIntent {
  attempt: number;
}

const tick = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

async function acquire(intent: KitIntent, ctx: AcquireContext): Promise<KitOutcome> {
  for (let step = 1; step <= (intent.steps ?? 3); step++) {
    await tick();
    if (intent.bug === "deaf" && step === 2)
      void ctx.signal.aborted; // looks, and carries on
    else ctx.signal.throwIfAborted();
  }
  return { ...intent, attempt: ctx.attempt };
}

export const kitTrigger = {
  kind: "test.kit",
  intentEventKind: "test.kit.requested",
  cancellation: "cooperative",
  retry: { maxAttempts: 3, backoffMs: 60_000, maxBackoffMs: 60_000 },
  parseIntent: (raw: unknown) => {
    const value = raw as Partial<KitIntent> | null;
    return typeof value?.id === "string" ? { ok: true, intent: value as KitIntent } : { ok: false, reason: "id: expected a string" };
  },
  acquire,
  commit(outcome, tx) {
    if (outcome.refuseCommit) throw new NonRetryableError("the commit refuses this outcome");
    tx.insertEvent({ kind: "test.kit.done", payload: { ...outcome } });
    if (outcome.bug === "twice") this.commitCancelled({ id: outcome.id, bug: "twice" }, { requestedAt: tx.now }, tx);
  },
  commitCancelled(intent, cancellation, tx) {
    tx.insertEvent({ kind: "test.kit.cancelled", payload: { id: intent.id, reason: cancellation.reason ?? null } });
  },
  commitFailed(intent, failure, tx) {
    tx.insertEvent({ kind: "test.kit.failed", payload: { id: intent.id, attempts: failure.attempts, error: failure.error.message } });
  },
} satisfies DurableTrigger<KitIntent, KitOutcome>;
