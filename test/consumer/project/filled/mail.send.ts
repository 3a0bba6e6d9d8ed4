import { CancellationError } from "durable-triggers";
import type { MailSendHandlers, MailSendOutcome } from "../../generated";

/** Stands in for a mail provider's API: the send takes a while, and stops when asked to. */
function deliver(id: string, signal: AbortSignal): Promise<MailSendOutcome> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => resolve({ id }), 1_000);
    signal.addEventListener("abort", () => {
      clearTimeout(timer);
      reject(new CancellationError("the send was stopped"));
    });
  });
}

export const handlers: MailSendHandlers = {
  acquire: (intent, ctx) => deliver(intent.id, ctx.signal),
  commit(outcome, tx) {
    tx.insertEvent({ kind: "mail.send.done", payload: outcome });
  },
  commitCancelled(intent, cancellation, tx) {
    tx.insertEvent({ kind: "mail.send.cancelled", payload: { id: intent.id, reason: cancellation.reason ?? null } });
  },
};
