import type { ReportFetchHandlers } from "../../generated";
import { sleep } from "../sleep";

/** What a busy upstream answers; the runtime retries it with backoff. */
class UpstreamUnavailable extends Error {
  override readonly name = "UpstreamUnavailable";
}

/**
 * Handlers for `report.fetch` (specs/orders.yaml). trigger-codegen wrote this stub once;
 * the bodies are yours, and later runs only add what a changed spec needs.
 */
export const handlers: ReportFetchHandlers = {
  // HTTP-shaped work, simulated with timers so that nothing leaves the machine.
  async acquire(intent, ctx) {
    ctx.progress({ stage: "connecting", percent: 0 });
    await sleep(150, ctx.signal);
    if (intent.down || (intent.flaky && ctx.attempt === 1))
      throw new UpstreamUnavailable(`503 from ${intent.source} for ${intent.reportId}`);
    const rows = 40 + intent.reportId.length * 7;
    for (let chunk = 1; chunk <= 4; chunk++) {
      await sleep(100, ctx.signal);
      ctx.progress({ stage: "downloading", percent: chunk * 20 });
    }
    ctx.progress({ stage: "parsing", percent: 100 });
    return { reportId: intent.reportId, rows, bytes: rows * 96, attempts: ctx.attempt };
  },
  commit(outcome, tx) {
    tx.insertEvent({ kind: "report.fetch.stored", payload: outcome });
  },
  commitCancelled(intent, cancellation, tx) {
    tx.insertEvent({ kind: "report.fetch.abandoned", payload: { reportId: intent.reportId, reason: cancellation.reason ?? null } });
  },
  commitFailed(intent, failure, tx) {
    tx.insertEvent({
      kind: "report.fetch.failed",
      payload: { reportId: intent.reportId, error: failure.error.message, attempts: failure.attempts },
    });
  },
};
