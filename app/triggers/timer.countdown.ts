import { z } from "zod";
import type { DurableTrigger, ParseResult } from "../../runtime";
import { sleep } from "../sleep";

const intentSchema = z.object({
  id: z.string().min(1),
  seconds: z.number().int().min(1).max(600),
});
export type CountdownIntent = z.infer<typeof intentSchema>;
export interface CountdownOutcome {
  id: string;
  ticks: number;
}
export interface CountdownProgress {
  remaining: number;
  of: number;
}

function parseIntent(raw: unknown): ParseResult<CountdownIntent> {
  const parsed = intentSchema.safeParse(raw);
  if (parsed.success) return { ok: true, intent: parsed.data };
  return { ok: false, reason: parsed.error.issues.map((i) => `${i.path.join(".") || "$"}: ${i.message}`).join("; ") };
}

/** A timer-driven job: one tick a second, reporting progress, stopping at once when cancelled. */
export const timerCountdown = {
  kind: "timer.countdown",
  intentEventKind: "timer.countdown.requested",
  cancellation: "cooperative",
  concurrency: 10,
  acquireDeadlineMs: 15 * 60_000,
  parseIntent,
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
} satisfies DurableTrigger<CountdownIntent, CountdownOutcome, unknown, { kind: string; payload: unknown }, CountdownProgress>;
