import { RequestError } from "./errors.ts";
import { toJsonText } from "./json.ts";
import type { RegisteredTrigger } from "./registry.ts";
import type { Scope } from "./scope.ts";
import type { FollowUp } from "./types.ts";

export interface Enqueued {
  readonly id: number;
  readonly fireAt: number;
}

/**
 * Writes an intent event and its work row. The caller runs it inside a
 * transaction: the RPC in its own, a commit's follow-up in the commit's.
 * Every refusal throws before anything is written.
 */
export function enqueueIntent(scope: Scope, request: FollowUp, now: number): Enqueued {
  const registered = requireTrigger(scope, request.triggerKind);
  const { idempotencyKey } = request;
  const at = fireTime(registered.kind, request.at, now);
  if (idempotencyKey !== undefined && (typeof idempotencyKey !== "string" || idempotencyKey === "")) {
    throw new RequestError(`enqueueTrigger "${registered.kind}": idempotencyKey must be a non-empty string`);
  }
  toJsonText(request.payload, `enqueueTrigger "${registered.kind}": payload`);
  const parsed = parseIntent(registered, request.payload);
  if (!parsed.ok) throw new RequestError(`enqueueTrigger "${registered.kind}": payload refused: ${parsed.reason}`);

  if (idempotencyKey !== undefined) {
    const existing = scope.work.idByIdempotencyKey(registered.kind, idempotencyKey);
    if (existing !== null) return { id: existing, fireAt: scope.work.get(existing)?.fireAt ?? at };
  }
  const event = scope.ledger.append(registered.trigger.intentEventKind, parsed.intent, now);
  scope.work.insert(event.id, registered.kind, at, idempotencyKey ?? null);
  scope.newWork.add(registered.kind);
  return { id: event.id, fireAt: at };
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

export function requireTrigger(scope: Scope, kind: unknown): RegisteredTrigger {
  const registered = typeof kind === "string" ? scope.registry.get(kind) : undefined;
  if (registered) return registered;
  const known = [...scope.registry.keys()].map((k) => `"${k}"`).join(", ");
  throw new RequestError(`unknown trigger kind ${JSON.stringify(kind)}; registered kinds: ${known || "none"}`);
}

/** `parseIntent` is user code: a throw is a refusal, not a crash. */
export function parseIntent(registered: RegisteredTrigger, raw: unknown) {
  try {
    return registered.trigger.parseIntent(raw);
  } catch (error) {
    return { ok: false as const, reason: `parseIntent threw: ${error instanceof Error ? error.message : String(error)}` };
  }
}
