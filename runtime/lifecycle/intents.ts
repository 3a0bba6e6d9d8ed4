import { intentKeys } from "../definition/cancel-on.ts";
import { RequestError } from "../contract/errors.ts";
import { checkIdempotencyKey } from "../contract/idempotency.ts";
import { toJsonText } from "../contract/json.ts";
import { runParser, unknownKind } from "../contract/refusal.ts";
import type { Ledger } from "../store/ledger.ts";
import type { RegisteredTrigger, Registry } from "../definition/registry.ts";
import type { NewWork } from "../store/work-table.ts";
import type { FollowUp, ParseResult } from "../contract/types.ts";

/** What writing an intent needs. */
export interface IntentHost {
  readonly registry: Registry;
  readonly ledger: Pick<Ledger, "append">;
  readonly store: IntentStore;
}

/** What writing an intent asks of the store. */
export interface IntentStore {
  add(work: NewWork): void;
  readonly work: { idByIdempotencyKey(triggerKind: string, key: string): number | null };
}

/**
 * Writes an intent event and its work row. The caller runs it inside a
 * transaction: the RPC in its own, a commit's follow-up in the commit's;
 * the waker arms and starts the work once that commits (it hears the store's changes). Every
 * refusal throws before anything is written.
 */
export function enqueueIntent(host: IntentHost, request: FollowUp, now: number): { id: number } {
  const registered = requireTrigger(host.registry, request.triggerKind);
  const at = fireTime(registered.kind, request.at, now);
  const idempotencyKey = checkIdempotencyKey(`enqueueTrigger "${registered.kind}"`, request.idempotencyKey);
  toJsonText(request.payload, `enqueueTrigger "${registered.kind}": payload`);
  const parsed = parseIntent(registered, request.payload);
  if (!parsed.ok) throw new RequestError(`enqueueTrigger "${registered.kind}": payload refused: ${parsed.reason}`);

  if (idempotencyKey !== undefined) {
    const existing = host.store.work.idByIdempotencyKey(registered.kind, idempotencyKey);
    if (existing !== null) return { id: existing };
  }
  const event = host.ledger.append(registered.trigger.intentEventKind, parsed.intent, now);
  const { startMs } = registered.timeouts;
  const startDeadline = startMs === null ? null : at + startMs;
  host.store.add({
    intentId: event.id,
    triggerKind: registered.kind,
    fireAt: at,
    idempotencyKey: idempotencyKey ?? null,
    intentVersion: registered.intentVersion,
    startDeadline,
    cancelOnKeys: intentKeys(registered, parsed.intent),
    payload: event.text,
  });
  return { id: event.id };
}

/** The furthest a JavaScript Date reaches from the epoch, either way: `new Date(8.64e15 + 1)` is invalid. */
export const MAX_DATE_MS = 8.64e15;

/**
 * When the work fires. A time no Date can hold is refused: it would be stored
 * and never fire. A fraction of a millisecond is accepted, since a computed
 * time (`now + seconds * 1000`) may well have one, and rounded up: the alarm
 * and the work table keep whole milliseconds, and rounding up never starts
 * work before the time it asked for.
 */
function fireTime(kind: string, at: unknown, now: number): number {
  if (at === undefined) return now;
  if (typeof at !== "number" || !Number.isFinite(at) || Math.abs(at) > MAX_DATE_MS) {
    throw new RequestError(
      `enqueueTrigger "${kind}": at must be a finite number of milliseconds that a JavaScript Date can hold, ` +
        `from -${MAX_DATE_MS} to ${MAX_DATE_MS} (got ${String(at)})`,
    );
  }
  return Math.ceil(at);
}

export function requireTrigger(registry: Registry, kind: unknown): RegisteredTrigger {
  const registered = typeof kind === "string" ? registry.get(kind) : undefined;
  if (registered) return registered;
  throw unknownKind("trigger", kind, registry.keys());
}

/**
 * The one reading of a stored intent, for the drain and for cancel alike:
 * the intent event's payload as stored (`null` when the event is missing),
 * brought up to the current version and parsed again, since the trigger's
 * parser may have changed since. An intent of a dropped version, or one whose
 * upgrade throws or yields what `parseIntent` refuses, is refused with a
 * reason naming its version and the current one; the stored fact itself is
 * never rewritten, so the upgrade runs again each time the intent is read.
 */
export function storedIntent(
  registered: RegisteredTrigger,
  row: { readonly intentId: number; readonly intentVersion: number },
  payload: string | null,
): ParseResult<unknown> {
  const { intentId, intentVersion } = row;
  const current = registered.intentVersion;
  if (payload === null) return { ok: false, reason: `intent event ${intentId} is missing` };
  if (intentVersion < registered.intentsDroppedBefore) {
    return {
      ok: false,
      reason: `stored under intent version ${intentVersion}, which version ${registered.intentsDroppedBefore} of "${registered.kind}" drops`,
    };
  }
  const upgraded = upgradeStored(registered, intentVersion, JSON.parse(payload));
  if (!upgraded.ok) return upgraded;
  const parsed = parseIntent(registered, upgraded.intent);
  if (parsed.ok) return parsed;
  const how =
    upgraded.steps.length > 0 ? `, upgraded to ${upgraded.steps.join(", ")} and parsed under ${current}` : `, parsed under ${current}`;
  const versions = intentVersion === current ? "" : ` (stored under intent version ${intentVersion}${how})`;
  return { ok: false, reason: `stored intent no longer parses${versions}: ${parsed.reason}` };
}

/**
 * Runs the upgrades that lead past the intent's version, in order; between
 * them the versions are compatible, so the value goes on as it is. An
 * upgrade is user code: a throw refuses the intent, naming the step.
 */
function upgradeStored(
  registered: RegisteredTrigger,
  from: number,
  raw: unknown,
): { ok: true; intent: unknown; steps: number[] } | { ok: false; reason: string } {
  let value = raw;
  const steps: number[] = [];
  for (const { version, upgrade } of registered.intentUpgrades) {
    if (version <= from) continue;
    try {
      value = upgrade(value);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      return {
        ok: false,
        reason: `stored under intent version ${from}, current ${registered.intentVersion}: the upgrade to version ${version} threw: ${message}`,
      };
    }
    steps.push(version);
  }
  return { ok: true, intent: value, steps };
}

/** `parseIntent` is user code: a throw is a refusal, not a crash. */
export function parseIntent(registered: RegisteredTrigger, raw: unknown): ParseResult<unknown> {
  return runParser("parseIntent", () => registered.trigger.parseIntent(raw));
}
