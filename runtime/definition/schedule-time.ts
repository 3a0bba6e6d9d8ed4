import { MAX_EVERY_MS, MIN_EVERY_MS } from "../contract/names.ts";

export { MAX_EVERY_MS, MIN_EVERY_MS } from "../contract/names.ts";

/** An IANA zone name (`Europe/Paris`, `UTC`, `Etc/GMT+5`): letters first, never a UTC offset such as `+14:00`, which Intl also takes. */
const ZONE_NAME = /^[A-Za-z][A-Za-z0-9_+-]*(?:\/[A-Za-z0-9_+-]+)*$/;

/**
 * What reads cron patterns: `cron` from `durable-triggers/cron`, passed as
 * `defineAgentDO({ cron })`. A value, not an import here, so that croner
 * reaches only the bundles of Workers that use cron.
 */
export interface CronEngine {
  /** The first fire time strictly after `after` (ms), or null when the pattern never fires again; throws when it does not parse. */
  next(pattern: string, timezone: string, after: number): number | null;
}

const NO_CRON =
  'cron schedules need cron support: pass `cron` from "durable-triggers/cron" to defineAgentDO (generated code does when a spec declares a cron schedule)';

/** A schedule's timing as stored: exactly one of `cron` and `everyMs`. */
export interface Timing {
  readonly cron: string | null;
  readonly timezone: string | null;
  readonly everyMs: number | null;
}

/**
 * Reads a schedule's timing from untyped input, or answers why not: exactly
 * one of `cron` (five or six fields, croner's syntax; `timezone` an IANA
 * zone name, never an offset; default UTC) and `everyMs` (a whole number
 * of ms, from `MIN_EVERY_MS` to `MAX_EVERY_MS`). Pure, so that the generator's checks and the runtime's
 * say the same.
 */
export function readTiming(
  raw: { readonly cron?: unknown; readonly timezone?: unknown; readonly everyMs?: unknown },
  cron: CronEngine | null = null,
): Timing | string {
  const { cron: pattern, timezone, everyMs } = raw;
  if ((pattern === undefined) === (everyMs === undefined)) return "give exactly one of cron and everyMs";
  if (everyMs !== undefined) {
    if (timezone !== undefined) return "timezone goes with cron only";
    if (!Number.isSafeInteger(everyMs) || (everyMs as number) < MIN_EVERY_MS) {
      return `everyMs must be a whole number of milliseconds, at least ${MIN_EVERY_MS} (got ${String(everyMs)})`;
    }
    if ((everyMs as number) > MAX_EVERY_MS)
      return `everyMs must be at most ${MAX_EVERY_MS} milliseconds (100 years) (got ${String(everyMs)})`;
    return { cron: null, timezone: null, everyMs: everyMs as number };
  }
  if (typeof pattern !== "string" || pattern.trim() === "") return "cron must be a non-empty string";
  if (cron === null) return NO_CRON;
  if (timezone !== undefined && (typeof timezone !== "string" || !isTimeZone(timezone))) {
    return `timezone must be an IANA time zone such as "Europe/Paris" (got ${JSON.stringify(timezone)})`;
  }
  const timing: Timing = { cron: pattern, timezone: (timezone as string | undefined) ?? null, everyMs: null };
  try {
    cron.next(pattern, timing.timezone ?? "UTC", 0);
  } catch (error) {
    return `cron ${JSON.stringify(pattern)} does not parse: ${error instanceof Error ? error.message : String(error)}`;
  }
  return timing;
}

/**
 * The first fire time strictly after `after`, or null when the pattern never
 * fires again. `anchor` is a fire time of an `everyMs` schedule, which keeps
 * its phase (fire times stay `anchor + n · everyMs`); a new one has none and
 * first fires `everyMs` after `after`. Pure: the clock is a parameter.
 */
export function nextFireTime(timing: Timing, after: number, anchor: number | null = null, cron: CronEngine | null = null): number | null {
  if (timing.everyMs !== null) {
    if (anchor === null) return after + timing.everyMs;
    return anchor + timing.everyMs * (Math.floor((after - anchor) / timing.everyMs) + 1);
  }
  if (cron === null) throw new Error(NO_CRON);
  return cron.next(timing.cron as string, timing.timezone ?? "UTC", after);
}

/**
 * Whether two timings fire at the same times: an unchanged one keeps its
 * next fire time, so reinstalling a schedule never shifts or skips a firing.
 */
export function sameTiming(a: Timing, b: Timing): boolean {
  return a.cron === b.cron && a.timezone === b.timezone && a.everyMs === b.everyMs;
}

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: zone });
    return ZONE_NAME.test(zone);
  } catch {
    return false;
  }
}
