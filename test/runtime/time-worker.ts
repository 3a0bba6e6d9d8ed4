import { DurableObject } from "cloudflare:workers";
import { cron } from "../../runtime/cron.ts";
import { defineAgentDO, type DurableTrigger, type KindName, type ParseResult, type TriggerTimeouts } from "../../runtime";
import { enter, leave, waitAtGate } from "./gates";

/**
 * The Durable Objects of the schedule and timeout tests (#12): triggers with
 * timeouts and default schedules, and a bare object whose SQLite the
 * fixed-clock tests use directly.
 */

export interface TimedIntent {
  id: string;
  /** Wait at this gate before answering (honouring the abort unless `ignoreAbort`). */
  gate?: string;
  ignoreAbort?: boolean;
  /** The first attempt throws, so the intent waits out a retry's backoff (1 s by default). */
  failFirst?: boolean;
}

function parseTimed(raw: unknown): ParseResult<TimedIntent> {
  const value = raw as Partial<TimedIntent> | null;
  if (typeof value !== "object" || value === null) return { ok: false, reason: "$: expected an object" };
  if (typeof value.id !== "string" || value.id === "") return { ok: false, reason: "id: expected a non-empty string" };
  if (value.gate !== undefined && typeof value.gate !== "string") return { ok: false, reason: "gate: expected a string" };
  return { ok: true, intent: value as TimedIntent };
}

type TimedTrigger = DurableTrigger<TimedIntent, { id: string }>;

function timed<const Kind extends KindName>(
  kind: Kind,
  options: Partial<Pick<TimedTrigger, "cancellation" | "concurrency" | "schedules">> & { timeouts?: TriggerTimeouts } = {},
) {
  return {
    kind,
    intentEventKind: `${kind}.requested` as KindName,
    cancellation: "cooperative",
    parseIntent: parseTimed,
    async acquire(intent, ctx) {
      enter(kind);
      try {
        if (intent.failFirst && ctx.attempt === 1) throw new Error("first attempt failed on purpose");
        if (intent.gate !== undefined) await waitAtGate(intent.gate, intent.ignoreAbort ? undefined : ctx.signal);
        return { id: intent.id };
      } finally {
        leave(kind);
      }
    },
    commit(outcome, tx) {
      tx.insertEvent({ kind: `${kind}.done`, payload: outcome });
    },
    commitCancelled(intent, cancellation, tx) {
      tx.insertEvent({ kind: `${kind}.cancelled`, payload: { id: intent.id, reason: cancellation.reason ?? null } });
    },
    ...options,
  } satisfies TimedTrigger;
}

export const timeTriggers = [
  // Fires by schedule only in these tests; its defaults are far enough away that they never fire by themselves.
  timed("time.tick", {
    schedules: [
      { key: "default.hourly", cron: "0 * * * *", timezone: "Europe/Paris", payload: { id: "hourly" } },
      { key: "default.every-minute", everyMs: 60_000, payload: { id: "every-minute" } },
    ],
  }),
  timed("time.start", { concurrency: 1, timeouts: { startMs: 150 } }),
  timed("time.finish", { timeouts: { finishMs: 100 } }),
  timed("time.finishIgnored", { cancellation: "ignored", timeouts: { finishMs: 100 } }),
];

export const TimeAgentDO = defineAgentDO({ triggers: timeTriggers, cron });

/** An object with nothing in it but SQLite: the fixed-clock tests build the runtime's tables here. */
export class ClockLab extends DurableObject {
  // The runtime arms alarms as it writes; an object that may be armed needs a handler.
  override async alarm(): Promise<void> {}
}
