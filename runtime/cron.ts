import { Cron } from "croner";
import type { CronEngine } from "./definition/schedule-time.ts";

/**
 * Cron schedules: `defineAgentDO({ triggers, cron })`. Generated code passes
 * it when a spec declares a cron schedule; pass it yourself to call
 * `scheduleTrigger` with `cron` otherwise. croner (about 33 KiB minified)
 * reaches a bundle only through this entry.
 *
 * Five fields, or six with seconds first; day-of-month and day-of-week
 * combine with OR, as in Vixie cron. A pattern only, never a job: no
 * callback, so croner starts no timer.
 */
export const cron: CronEngine = {
  next(pattern, timezone, after) {
    return new Cron(pattern, { mode: "5-or-6-parts", domAndDow: false, timezone }).nextRun(new Date(after))?.getTime() ?? null;
  },
};

export type { CronEngine } from "./definition/schedule-time.ts";
