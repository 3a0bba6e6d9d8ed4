import type { TutorialCancelableHandlers, TutorialCancelableIntent, TutorialCancelableOutcome } from "../../generated";
import { sleep } from "../sleep";

/** Stands in for a call to another service: two seconds of work that stops when asked to. */
async function runExternalWork(intent: TutorialCancelableIntent, { signal }: { signal: AbortSignal }): Promise<TutorialCancelableOutcome> {
  await sleep(2_000, signal);
  return { id: intent.id, result: `processed ${intent.id}` };
}

/**
 * Handlers for `tutorial.cancelable` (specs/tutorial.yaml). trigger-codegen wrote this stub once;
 * the bodies are yours, and later runs only add what a changed spec needs.
 */
export const handlers: TutorialCancelableHandlers = {
  acquire: (intent, ctx) => runExternalWork(intent, { signal: ctx.signal }),
  commit(outcome, tx) {
    tx.insertEvent({ kind: "tutorial.cancelable.done", payload: outcome });
  },
  commitCancelled(intent, cancellation, tx) {
    tx.insertEvent({ kind: "tutorial.cancelable.cancelled", payload: { id: intent.id, reason: cancellation.reason ?? null } });
  },
};
