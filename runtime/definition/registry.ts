import { RUNTIME_EVENT_PREFIX } from "../contract/names.ts";
import { RegistrationError } from "../contract/errors.ts";
import { runParser } from "../contract/refusal.ts";
import { toJsonText } from "../contract/json.ts";
import { readTiming, type CronEngine, type Timing } from "./schedule-time.ts";
import type { AnyStream, AnyTrigger, CancelOnRule, DeclaredSchedule, RetryPolicy } from "../contract/types.ts";

export const DEFAULT_ACQUIRE_DEADLINE_MS = 60_000;
export const DEFAULT_RETRY: RetryPolicy = { maxAttempts: 3, backoffMs: 1_000, maxBackoffMs: 60_000 };
export const DEFAULT_CONCURRENCY = 1;

export { RUNTIME_EVENT_PREFIX };
export const FAILED_EVENT = `${RUNTIME_EVENT_PREFIX}failed`;
export const REJECTED_EVENT = `${RUNTIME_EVENT_PREFIX}rejected`;
export const STREAM_FAILED_EVENT = `${RUNTIME_EVENT_PREFIX}stream_failed`;

/** A registered trigger with every default filled in. */
export interface RegisteredTrigger {
  readonly trigger: AnyTrigger;
  readonly kind: string;
  readonly acquireDeadlineMs: number;
  readonly retry: RetryPolicy;
  readonly concurrency: number;
  /** The intent schema's version new intents are stored under; default 1. */
  readonly intentVersion: number;
  /** Stored intents of older versions are rejected when they run; 1 drops none. */
  readonly intentsDroppedBefore: number;
  /** Its cancel-on-event rules, checked; empty for none. */
  readonly cancelOn: readonly CancelOnRule[];
  /** Its timeouts in ms, null for none. */
  readonly timeouts: { readonly startMs: number | null; readonly finishMs: number | null };
  /** Its default schedules, each with its timing read. */
  readonly schedules: readonly (DeclaredSchedule & { readonly timing: Timing })[];
  /** The trigger's `intentUpgrades`, by the version each leads to, in order. */
  readonly intentUpgrades: readonly IntentUpgrade[];
}

export interface IntentUpgrade {
  readonly version: number;
  readonly upgrade: (old: unknown) => unknown;
}

export type Registry = ReadonlyMap<string, RegisteredTrigger>;

/**
 * Checks every trigger and answers the registry, or throws one error listing
 * every problem, each naming its trigger and field.
 */
export function createRegistry(triggers: readonly AnyTrigger[], cron: CronEngine | null = null): Registry {
  const registry = new Map<string, RegisteredTrigger>();
  cronEngines.set(registry, cron);
  const intentKinds = new Map<string, string>();
  const scheduleKeys = new Map<string, string>();
  checkEach<AnyTrigger>("trigger", triggers, (trigger, report) => {
    const intentKind: unknown = trigger.intentEventKind;
    if (typeof intentKind !== "string" || intentKind === "") {
      report.field("intentEventKind", "a non-empty string", intentKind);
    } else if (intentKind.startsWith(RUNTIME_EVENT_PREFIX)) {
      report.field("intentEventKind", `outside the runtime's own "${RUNTIME_EVENT_PREFIX}*" kinds`, intentKind);
    } else if (intentKinds.has(intentKind)) {
      report.say(`intentEventKind "${intentKind}" is already used by trigger "${intentKinds.get(intentKind)}"`);
    } else {
      intentKinds.set(intentKind, String(trigger.kind));
    }

    if (trigger.cancellation !== "cooperative" && trigger.cancellation !== "ignored") {
      report.field("cancellation", `"cooperative" or "ignored"`, trigger.cancellation);
    }
    report.functions(trigger, ["parseIntent", "acquire", "commit", "commitCancelled"]);
    if (trigger.commitFailed !== undefined && typeof trigger.commitFailed !== "function") {
      report.field("commitFailed", "a function when given", trigger.commitFailed);
    }

    const acquireDeadlineMs = trigger.acquireDeadlineMs ?? DEFAULT_ACQUIRE_DEADLINE_MS;
    if (!isPositive(acquireDeadlineMs)) report.field("acquireDeadlineMs", "a positive number of milliseconds", acquireDeadlineMs);
    const concurrency = trigger.concurrency ?? DEFAULT_CONCURRENCY;
    if (!isPositiveInteger(concurrency)) report.field("concurrency", "a positive integer", concurrency);
    const retry = { ...DEFAULT_RETRY, ...trigger.retry };
    const intentVersion = trigger.intentVersion ?? 1;
    const intentsDroppedBefore = trigger.intentsDroppedBefore ?? 1;
    if (!isPositiveInteger(intentVersion)) report.field("intentVersion", "a positive integer", intentVersion);
    if (!isPositiveInteger(intentsDroppedBefore) || intentsDroppedBefore > intentVersion) {
      report.field(
        "intentsDroppedBefore",
        `a positive integer no greater than intentVersion (${String(intentVersion)})`,
        intentsDroppedBefore,
      );
    }
    const intentUpgrades = upgradesOf(trigger.intentUpgrades, intentVersion, intentsDroppedBefore, report);
    if (!isPositiveInteger(retry.maxAttempts)) report.field("retry.maxAttempts", "a positive integer", retry.maxAttempts);
    if (!isNonNegative(retry.backoffMs)) report.field("retry.backoffMs", "a non-negative number", retry.backoffMs);
    if (!isNonNegative(retry.maxBackoffMs)) report.field("retry.maxBackoffMs", "a non-negative number", retry.maxBackoffMs);

    const timeouts = checkTimeouts(trigger, report);
    const schedules = checkSchedules(trigger, scheduleKeys, report, cron);
    const cancelOn = checkCancelOn(trigger.cancelOn, report);

    if (typeof trigger.kind === "string") {
      registry.set(trigger.kind, {
        trigger,
        kind: trigger.kind,
        acquireDeadlineMs,
        retry,
        concurrency,
        intentVersion,
        intentsDroppedBefore,
        intentUpgrades,
        timeouts,
        schedules,
        cancelOn,
      });
    }
  });
  return registry;
}

/**
 * A trigger's upgrades, in order. Each leads to a version after the last
 * dropped one and no later than the current one: an upgrade to a dropped
 * version would never run, and one to a later version than the trigger's
 * means the trigger and its upgrades disagree.
 */
function upgradesOf(given: unknown, intentVersion: unknown, droppedBefore: unknown, report: Report): IntentUpgrade[] {
  if (given === undefined) return [];
  if (typeof given !== "object" || given === null || Array.isArray(given)) {
    report.field("intentUpgrades", "an object of upgrades by the version each leads to", given);
    return [];
  }
  const upgrades: IntentUpgrade[] = [];
  for (const [key, upgrade] of Object.entries(given)) {
    const version = Number(key);
    if (!isPositiveInteger(version) || String(version) !== key || version <= Number(droppedBefore) || version > Number(intentVersion)) {
      report.say(
        `intentUpgrades: ${JSON.stringify(key)} must be a version after intentsDroppedBefore (${String(droppedBefore)}) and no later than intentVersion (${String(intentVersion)})`,
      );
    } else if (typeof upgrade !== "function") {
      report.field(`intentUpgrades[${key}]`, "a function", upgrade);
    } else {
      upgrades.push({ version, upgrade: upgrade as (old: unknown) => unknown });
    }
  }
  return upgrades.sort((a, b) => a.version - b.version);
}

function checkTimeouts(trigger: AnyTrigger, report: Report): RegisteredTrigger["timeouts"] {
  const { startMs = null, finishMs = null } = trigger.timeouts ?? {};
  if (startMs !== null && !isPositiveInteger(startMs)) report.field("timeouts.startMs", "a positive whole number of milliseconds", startMs);
  if (finishMs !== null && !isPositiveInteger(finishMs))
    report.field("timeouts.finishMs", "a positive whole number of milliseconds", finishMs);
  return { startMs, finishMs };
}

/** What reads the cron patterns of a registry's schedules: `defineAgentDO({ cron })`, or none. */
const cronEngines = new WeakMap<Registry, CronEngine | null>();
export const cronOf = (registry: Registry): CronEngine | null => cronEngines.get(registry) ?? null;

/** Each default schedule: a key no other declares, a timing that reads, a payload its trigger accepts. */
function checkSchedules(
  trigger: AnyTrigger,
  keys: Map<string, string>,
  report: Report,
  cron: CronEngine | null,
): RegisteredTrigger["schedules"] {
  const checked: (DeclaredSchedule & { timing: Timing })[] = [];
  (trigger.schedules ?? []).forEach((schedule, index) => {
    const at = `schedules[${index}]`;
    const { key } = schedule;
    if (typeof key !== "string" || key === "" || key.length > 256) return report.field(`${at}.key`, "a string of 1 to 256 characters", key);
    if (keys.has(key)) return report.say(`${at}: key "${key}" is already declared by trigger "${keys.get(key)}"`);
    keys.set(key, String(trigger.kind));
    const timing = readTiming(schedule, cron);
    if (typeof timing === "string") return report.say(`${at} ("${key}"): ${timing}`);
    const parsed = runParser("parseIntent", () => trigger.parseIntent(schedule.payload));
    if (!parsed.ok) return report.say(`${at} ("${key}"): payload refused: ${parsed.reason}`);
    try {
      toJsonText(schedule.payload, "payload");
    } catch (error) {
      return report.say(`${at} ("${key}"): ${error instanceof Error ? error.message : String(error)}`);
    }
    checked.push({ ...schedule, timing });
  });
  return checked;
}

/** Checks every attached stream, the same way: one error listing every problem. */
export function createStreamRegistry(streams: readonly AnyStream[]): ReadonlyMap<string, AnyStream> {
  const registry = new Map<string, AnyStream>();
  checkEach<AnyStream>("stream", streams, (stream, report) => {
    if (stream.mode !== "output_only") report.field("mode", `"output_only"`, stream.mode);
    if (stream.cancellation !== "cooperative" && stream.cancellation !== "ignored") {
      report.field("cancellation", `"cooperative" or "ignored"`, stream.cancellation);
    }
    if (stream.onDetach !== "abort" && stream.onDetach !== "continue") report.field("onDetach", `"abort" or "continue"`, stream.onDetach);
    report.functions(stream, ["parseStart", "run", "commitTerminal"]);
    if (typeof stream.kind === "string") registry.set(stream.kind, stream);
  });
  return registry;
}

/** The longest fact kind a cancelOn rule may name: the cancel reason, `event:<kind>#<id>`, stays within its 1 024 bytes. */
export const MAX_CANCEL_ON_KIND_LENGTH = 256;
/** A dotted path: non-empty segments (`customer.id`, `items.0.sku`). */
const DOTTED_PATH = /^[^.]+(\.[^.]+)*$/;

/** A trigger's `cancelOn`: a list of `{ event, match }`, each pair a dotted path on either side. */
function checkCancelOn(cancelOn: unknown, report: Report): readonly CancelOnRule[] {
  if (cancelOn === undefined) return [];
  if (!Array.isArray(cancelOn)) {
    report.field("cancelOn", "a list of { event, match } rules", cancelOn);
    return [];
  }
  cancelOn.forEach((rule: Partial<CancelOnRule> | null, index) => {
    const at = `cancelOn[${index}]`;
    if (typeof rule !== "object" || rule === null) return report.field(at, "an object { event, match }", rule);
    const { event, match } = rule;
    if (typeof event !== "string" || event === "" || event.length > MAX_CANCEL_ON_KIND_LENGTH) {
      report.field(`${at}.event`, `a fact kind of 1 to ${MAX_CANCEL_ON_KIND_LENGTH} characters`, event);
    } else if (event.startsWith(RUNTIME_EVENT_PREFIX)) {
      report.field(`${at}.event`, `outside the runtime's own "${RUNTIME_EVENT_PREFIX}*" kinds`, event);
    }
    if (typeof match !== "object" || match === null || Array.isArray(match) || Object.keys(match).length === 0) {
      return report.field(`${at}.match`, "an object of at least one { intent path: event path } pair", match);
    }
    for (const [intentPath, eventPath] of Object.entries(match)) {
      if (!DOTTED_PATH.test(intentPath)) report.say(`${at}.match: ${JSON.stringify(intentPath)} is not a dotted intent path`);
      if (typeof eventPath !== "string" || !DOTTED_PATH.test(eventPath)) {
        report.field(`${at}.match[${JSON.stringify(intentPath)}]`, "a dotted event payload path", eventPath);
      }
    }
  });
  return cancelOn as readonly CancelOnRule[];
}

export interface Report {
  /** "<what> <name>: <message>" */
  say(message: string): void;
  /** "<what> <name>: <field> must be <expected> (got <got>)" */
  field(field: string, expected: string, got: unknown): void;
  functions<T>(item: T, fields: readonly (keyof T & string)[]): void;
}

/**
 * The checks every registration shares: an object, with a non-empty kind
 * registered once. `check` adds its own; a duplicate skips them, since they
 * would only repeat the first registration's. Throws one error listing all.
 */
export function checkEach<T extends { readonly kind: unknown }>(
  what: "trigger" | "stream" | "event",
  items: readonly T[],
  check: (item: T, report: Report) => void,
): void {
  const problems: string[] = [];
  const kinds = new Set<string>();
  items.forEach((item, index) => {
    if (typeof item !== "object" || item === null) {
      problems.push(`${what} #${index}: expected ${what === "event" ? "an" : "a"} ${what} object (got ${describe(item)})`);
      return;
    }
    const kind = item.kind;
    const name = typeof kind === "string" && kind !== "" ? `"${kind}"` : `#${index}`;
    const report: Report = {
      say: (message) => problems.push(`${what} ${name}: ${message}`),
      field: (field, expected, got) => report.say(`${field} must be ${expected} (got ${describe(got)})`),
      functions: (target, fields) => {
        for (const field of fields) if (typeof target[field] !== "function") report.field(field, "a function", target[field]);
      },
    };
    if (typeof kind !== "string" || kind === "") report.field("kind", "a non-empty string", kind);
    else if (kinds.has(kind)) return report.say("kind is registered twice");
    else kinds.add(kind);
    check(item, report);
  });
  if (problems.length > 0) throw new RegistrationError(problems);
}

/** Delay before attempt `attempt + 1`: exponential, capped, without jitter so tests can reason about it. */
export function backoffDelay(retry: RetryPolicy, attempt: number): number {
  return Math.min(retry.maxBackoffMs, retry.backoffMs * 2 ** Math.max(0, attempt - 1));
}

const isPositive = (n: unknown) => typeof n === "number" && Number.isFinite(n) && n > 0;
const isNonNegative = (n: unknown) => typeof n === "number" && Number.isFinite(n) && n >= 0;
const isPositiveInteger = (n: unknown) => Number.isSafeInteger(n) && (n as number) > 0;

export function describe(value: unknown): string {
  if (value === undefined) return "nothing";
  if (typeof value === "function") return "a function";
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "object" && value !== null) return shortJson(value);
  return String(value);
}

/** An object as JSON, cut short: enough to recognise it in an error. */
function shortJson(value: object): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
