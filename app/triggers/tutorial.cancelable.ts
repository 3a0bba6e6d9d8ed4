import { z } from "zod";
import type { DurableTrigger, ParseResult } from "../../runtime";
import { sleep } from "../sleep";

const intentSchema = z.object({ id: z.string().min(1) });
export type TutorialIntent = z.infer<typeof intentSchema>;
export interface TutorialOutcome {
  id: string;
  result: string;
}

function parseIntent(raw: unknown): ParseResult<TutorialIntent> {
  const parsed = intentSchema.safeParse(raw);
  if (parsed.success) return { ok: true, intent: parsed.data };
  return { ok: false, reason: parsed.error.issues.map((i) => `${i.path.join(".") || "$"}: ${i.message}`).join("; ") };
}

/** Stands in for a call to another service: two seconds of work that stops when asked to. */
async function runExternalWork(intent: TutorialIntent, { signal }: { signal: AbortSignal }): Promise<TutorialOutcome> {
  await sleep(2_000, signal);
  return { id: intent.id, result: `processed ${intent.id}` };
}

export const tutorialCancelable = {
  kind: "tutorial.cancelable",
  intentEventKind: "tutorial.cancelable.requested",
  cancellation: "cooperative",
  parseIntent,
  acquire: (intent, ctx) => runExternalWork(intent, { signal: ctx.signal }),
  commit: (outcome, tx) => {
    tx.insertEvent({ kind: "tutorial.cancelable.done", payload: outcome });
  },
  commitCancelled: (intent, cancellation, tx) => {
    tx.insertEvent({ kind: "tutorial.cancelable.cancelled", payload: { id: intent.id, reason: cancellation.reason ?? null } });
  },
} satisfies DurableTrigger<TutorialIntent, TutorialOutcome>;
