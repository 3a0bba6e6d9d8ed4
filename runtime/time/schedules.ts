import { RequestError } from "../contract/errors.ts";
import { writeRuntimeFact } from "../lifecycle/tx.ts";
import { enqueueIntent, parseIntent, requireTrigger, storedIntent, type IntentHost } from "../lifecycle/intents.ts";
import { toJsonText } from "../contract/json.ts";
import { cronOf, RUNTIME_EVENT_PREFIX, type Registry } from "../definition/registry.ts";
import { summarizeSchedule, type ScheduleReads, type ScheduleRow } from "../store/schedule-table.ts";
import { nextFireTime, readTiming, sameTiming, type CronEngine, type Timing } from "../definition/schedule-time.ts";
import { allAt, batchOf, type TimeStep } from "./steps.ts";
import type { ScheduleSummary } from "../contract/types.ts";

/** The fact a firing writes instead of its intent when the stored schedule can no longer enqueue. */
export const SCHEDULE_REFUSED_EVENT = `${RUNTIME_EVENT_PREFIX}schedule_refused`;
/** The longest schedule key, in characters. */
export const MAX_SCHEDULE_KEY_LENGTH = 256;

/** What schedules need: enqueueing an intent, and the store's schedule writes. */
export interface ScheduleHost extends IntentHost {
  readonly store: IntentHost["store"] & {
    readonly schedules: ScheduleReads;
    transaction<T>(write: () => T): T;
    afterCommit(effect: () => void): void;
    putSchedule(row: ScheduleRow): void;
    removeSchedule(key: string): boolean;
    scheduleFired(key: string, firedAt: number, next: number | null): void;
  };
}

/**
 * The idempotency key of a firing: the schedule's key and the fire time it
 * carries. A firing is written in one transaction with the schedule's next
 * fire time, so it cannot happen twice; the key makes sure of it even so
 * (a schedule removed and made again fires each fire time at most once).
 */
export function firingKey(key: string, fireAt: number): string {
  return `schedule:${key}@${new Date(fireAt).toISOString()}`;
}

/**
 * `scheduleTrigger`: upserts an API schedule by key. Every refusal throws a
 * RequestError before anything is written: a bad key, an unknown kind, a
 * timing that does not read or never fires, a payload that is not JSON or
 * that the trigger's `parseIntent` refuses, a key a spec default holds.
 * The same request again changes nothing; a changed timing starts afresh
 * from `now`, and an unchanged one keeps its next fire time.
 */
export function scheduleTrigger(
  host: ScheduleHost,
  request: unknown,
  now: number,
  written: (now: number) => void = () => {},
): ScheduleSummary {
  if (typeof request !== "object" || request === null) throw new RequestError("scheduleTrigger: the request must be an object");
  const { key, triggerKind, payload } = request as Record<string, unknown>;
  const name = checkKey("scheduleTrigger", key);
  const registered = requireTrigger(host.registry, triggerKind);
  const timing = readTiming(request, cronOf(host.registry));
  if (typeof timing === "string") throw new RequestError(`scheduleTrigger ${name}: ${timing}`);
  toJsonText(payload, `scheduleTrigger ${name}: payload`);
  const parsed = parseIntent(registered, payload);
  if (!parsed.ok) throw new RequestError(`scheduleTrigger ${name}: payload refused: ${parsed.reason}`);
  // Stored as parsed (defaults filled in), as an intent is: what an upgrade after a breaking change expects.
  const text = toJsonText(parsed.intent, `scheduleTrigger ${name}: payload`);
  const existing = host.store.schedules.get(key as string);
  refuseSpecKey(host.registry, "scheduleTrigger", key as string, existing);
  const row = upserted(
    existing,
    { key: key as string, triggerKind: registered.kind, payload: text, ...timing, origin: "api", intentVersion: registered.intentVersion },
    now,
    cronOf(host.registry),
  );
  if (row === null) throw new RequestError(`scheduleTrigger ${name}: cron ${JSON.stringify(timing.cron)} never fires after now`);
  if (row !== existing) {
    host.store.transaction(() => {
      host.store.putSchedule(row);
      written(now);
    });
  }
  return summarizeSchedule(row);
}

/** `unscheduleTrigger`: removes an API schedule; a spec default's key is refused, and nothing is written. */
export function unscheduleTrigger(host: ScheduleHost, key: unknown): { removed: boolean } {
  checkKey("unscheduleTrigger", key);
  const existing = host.store.schedules.get(key as string);
  refuseSpecKey(host.registry, "unscheduleTrigger", key as string, existing);
  if (existing === null) return { removed: false };
  return { removed: host.store.transaction(() => host.store.removeSchedule(existing.key)) };
}

/**
 * Reconciles the spec's default schedules with the registration, when an
 * object starts, in one transaction: a new default is installed; an
 * unchanged one is left as it is (its next fire time too, so restarts
 * never shift it); a changed one takes its new definition (and starts
 * afresh from `now` if its timing changed); a spec row no trigger declares
 * any more is removed. API rows are never touched: a default whose key an
 * API schedule holds waits until that schedule is removed.
 */
export function installSpecSchedules(host: ScheduleHost, registry: Registry, now: number): void {
  const declared = new Map<string, Omit<ScheduleRow, "nextFireAt" | "lastFiredAt">>();
  for (const { kind, schedules, intentVersion } of registry.values()) {
    for (const { key, payload, timing } of schedules)
      declared.set(key, { key, triggerKind: kind, payload: toJsonText(payload, "payload"), ...timing, origin: "spec", intentVersion });
  }
  host.store.transaction(() => {
    const stored = new Map(host.store.schedules.list().map((row) => [row.key, row]));
    for (const row of stored.values()) if (row.origin === "spec" && !declared.has(row.key)) host.store.removeSchedule(row.key);
    for (const definition of declared.values()) {
      const existing = stored.get(definition.key) ?? null;
      if (existing?.origin === "api") {
        console.warn(
          `durable trigger schedule "${definition.key}": an API schedule holds this key, so the spec's default waits until it is removed`,
        );
        continue;
      }
      const row = upserted(existing, definition, now, cronOf(registry));
      if (row === null) host.store.removeSchedule(definition.key);
      else if (row !== existing) host.store.putSchedule(row);
    }
  });
}

/**
 * Fires every schedule due at `now` (the clock is a parameter, so tests can
 * choose it). Each firing enqueues one intent, due now, with the key of the
 * fire time it carries, and moves the schedule to its first fire time after
 * `now`, in one transaction. After downtime across several fire times that
 * is one catch-up firing, carrying the first fire time missed (the one the
 * schedule stored); the others are skipped. Answers how many fired.
 */
export function fireDueSchedules(host: ScheduleHost, now: number): number {
  return allAt((at) => fireDueBatch(host, at), now);
}

/**
 * Fires one batch of the schedules due at `now` (as `fireDueSchedules`
 * does). The drain fires a batch per look and lets other work in between
 * (10 000 schedules due at once would otherwise hold the object for
 * seconds). Each firing commits with its schedule's move to the next fire
 * time, so an object lost between two batches leaves the rest due, each
 * once, for the next instance.
 */
export function fireDueBatch(host: ScheduleHost, now: number): TimeStep {
  return batchOf(host.store.schedules.due(now), (schedule) => fireSchedule(host, schedule, now));
}

function fireSchedule(host: ScheduleHost, schedule: ScheduleRow, now: number): void {
  const { key, triggerKind, nextFireAt: fireAt } = schedule;
  let next: number | null;
  try {
    next = nextFireTime(schedule, now, schedule.everyMs === null ? null : fireAt, cronOf(host.registry));
  } catch {
    next = null; // a zone the platform no longer knows: the schedule ends, and its fact below says so
  }
  try {
    host.store.transaction(() => {
      // Stored under an older intent version, the payload goes through the trigger's upgrades, as stored work does.
      const payload = storedIntent(
        requireTrigger(host.registry, triggerKind),
        { intentId: 0, intentVersion: schedule.intentVersion },
        schedule.payload,
      );
      if (!payload.ok) throw new RequestError(payload.reason);
      enqueueIntent(host, { triggerKind, payload: payload.intent, idempotencyKey: firingKey(key, fireAt) }, now);
      host.store.scheduleFired(key, fireAt, next);
    });
  } catch (error) {
    // The stored payload no longer parses, or its trigger is gone since a deploy: this fire
    // time is skipped, and the ledger says why, rather than the schedule blocking the drain.
    const reason = error instanceof Error ? error.message : String(error);
    host.store.transaction(() => {
      writeRuntimeFact(host, now, { kind: SCHEDULE_REFUSED_EVENT, payload: { key, triggerKind, fireAt, reason } });
      host.store.scheduleFired(key, fireAt, next);
    });
  }
}

/**
 * The row to store for `definition`: `existing` itself when nothing changed,
 * else the new definition, keeping the next fire time when the timing is the
 * same; null when a new timing never fires after `now`.
 */
function upserted(
  existing: ScheduleRow | null,
  definition: Omit<ScheduleRow, "nextFireAt" | "lastFiredAt">,
  now: number,
  cron: CronEngine | null,
): ScheduleRow | null {
  if (existing !== null && sameTiming(existing, definition)) {
    const same =
      existing.triggerKind === definition.triggerKind &&
      existing.payload === definition.payload &&
      existing.origin === definition.origin &&
      existing.intentVersion === definition.intentVersion;
    return same ? existing : { ...existing, ...definition };
  }
  const nextFireAt = nextFireTime(definition as Timing, now, null, cron);
  return nextFireAt === null ? null : { ...definition, nextFireAt, lastFiredAt: existing?.lastFiredAt ?? null };
}

function checkKey(what: string, key: unknown): string {
  if (typeof key !== "string" || key === "" || key.length > MAX_SCHEDULE_KEY_LENGTH) {
    throw new RequestError(`${what}: key must be a string of 1 to ${MAX_SCHEDULE_KEY_LENGTH} characters`);
  }
  return JSON.stringify(key);
}

/**
 * A spec default's key is the spec's: refused when a spec row holds it, and
 * when no row does but a trigger declares it (a scope whose defaults are not
 * installed yet). An API row that held the key before a deploy declared it
 * stays the API's, so that it can still be changed or removed.
 */
function refuseSpecKey(registry: Registry, what: string, key: string, existing: ScheduleRow | null): void {
  if (existing !== null && existing.origin !== "spec") return;
  const owner = existing?.triggerKind ?? [...registry.values()].find(({ schedules }) => schedules.some((s) => s.key === key))?.kind;
  if (owner === undefined) return;
  throw new RequestError(
    `${what} ${JSON.stringify(key)}: the key belongs to a default schedule that trigger "${owner}" declares; change it in the spec`,
  );
}

/**
 * When a scope's spec defaults are installed. A read must never write, and
 * an object starts for a read as it does for a write (any page can make a
 * browser GET a scope of any name): so an object that starts holding
 * nothing (no ledger event, no schedule) installs nothing, and its first
 * write installs them, in that write's transaction. An object that holds
 * something reconciles them when it starts, as a deploy that changed them
 * needs.
 */
export class SpecDefaults {
  #installed = false;

  constructor(
    private readonly host: ScheduleHost & { readonly sql: SqlStorage },
    private readonly registry: Registry,
  ) {}

  /** When the object starts: reconciles the defaults of a scope that holds anything. */
  start(now: number): void {
    const held = this.host.sql
      .exec<{ held: number }>("SELECT EXISTS (SELECT 1 FROM events) OR EXISTS (SELECT 1 FROM schedules) AS held")
      .one().held;
    if (held === 0) return;
    installSpecSchedules(this.host, this.registry, now);
    this.#installed = true;
  }

  /** Inside every write's transaction: the first write to a scope that held nothing installs them; a rollback undoes that too. */
  written(now: number): void {
    if (this.#installed) return;
    installSpecSchedules(this.host, this.registry, now);
    this.host.store.afterCommit(() => {
      this.#installed = true;
    });
  }
}
