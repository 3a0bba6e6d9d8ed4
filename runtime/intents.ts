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
  const { at = now, idempotencyKey } = request;
  if (typeof at !== "number" || !Number.isFinite(at)) {
    throw new RequestError(`enqueueTrigger "${registered.kind}": at must be a finite number of milliseconds (got ${String(at)})`);
  }
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
