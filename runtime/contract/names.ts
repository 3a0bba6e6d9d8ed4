/**
 * Names and limits that the generator checks a spec against and the runtime
 * enforces: written once, here, and imported by the generator (which may
 * depend on the runtime's contract, never the reverse).
 */

/** Kinds the runtime writes itself (`durable_trigger.failed`, …); no trigger, stream or declared event may take one. */
export const RUNTIME_EVENT_PREFIX = "durable_trigger.";

/** A kind: words of letters and digits joined by ".", "_", ":" or "-" (kinds become file names and identifiers). */
export const KIND_PATTERN = /^[A-Za-z][A-Za-z0-9]*(?:[._:-][A-Za-z0-9]+)*$/;

/**
 * The shortest `everyMs` a schedule may have, and the finest a cron pattern
 * can go (a six-field pattern has seconds). Every firing writes an intent
 * event that the ledger keeps for good, so a finer schedule would grow the
 * ledger by more than 86 400 events a day for one schedule.
 */
export const MIN_EVERY_MS = 1_000;

/**
 * The longest `everyMs`: 100 years of 365.25 days. A next fire time is
 * `now + everyMs`, and it must be a time a `Date` holds (±8.64e15 ms), as an
 * enqueue's `at` must; nothing useful repeats less often than this.
 */
export const MAX_EVERY_MS = 100 * 365.25 * 24 * 3_600_000;
