import type { TimerCountdownHandlers } from "../../generated";
import { sleep } from "../sleep";

/**
 * Handlers for `timer.countdown` (specs/timer.yaml). trigger-codegen wrote this stub once;
 * the bodies are yours, and later runs only add what a changed spec needs.
 */
export const handlers: TimerCountdownHandlers = {
  async acquire(intent, ctx) {
    for (let remaining = intent.seconds; remaining > 0; remaining--) {
      ctx.progress({ remaining, of: intent.seconds });
      await sleep(1_000, ctx.signal);
    }
    ctx.progress({ remaining: 0, of: intent.seconds });
    return { id: intent.id, ticks: intent.seconds };
  },
  commit(outcome, tx) {
    tx.insertEvent({ kind: "timer.countdown.finished", payload: outcome });
  },
  commitCancelled(intent, cancellation, tx) {
    tx.insertEvent({ kind: "timer.countdown.stopped", payload: { id: intent.id, reason: cancellation.reason ?? null } });
  },
};
