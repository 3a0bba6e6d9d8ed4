import { RequestError } from "../contract/errors.ts";
import { checkIdempotencyKey } from "../contract/idempotency.ts";
import { runParser, unknownKind } from "../contract/refusal.ts";
import { toJsonText } from "../contract/json.ts";
import type { Ledger } from "../store/ledger.ts";
import { checkEach, RUNTIME_EVENT_PREFIX, type Registry } from "../definition/registry.ts";
import type { AnyDeclaredEvent, EmitEventRequest, EmitEventResult, PayloadParseResult } from "../contract/types.ts";

export type EventRegistry = ReadonlyMap<string, AnyDeclaredEvent>;

/**
 * Checks every declared event kind and answers the registry, or throws one
 * error listing every problem: a kind registered twice, in the runtime's
 * reserved kinds, or already a trigger's intent event kind (an `emitEvent`
 * of it would forge an intent that has no work), a missing parser.
 */
export function createEventRegistry(events: readonly AnyDeclaredEvent[], triggers: Registry): EventRegistry {
  const intentKinds = new Map([...triggers.values()].map((registered) => [registered.trigger.intentEventKind as string, registered.kind]));
  const registry = new Map<string, AnyDeclaredEvent>();
  checkEach<AnyDeclaredEvent>("event", events, (event, report) => {
    // A kind that is not a string is already reported.
    const kind = typeof event.kind === "string" ? event.kind : "";
    if (kind.startsWith(RUNTIME_EVENT_PREFIX)) report.field("kind", `outside the runtime's own "${RUNTIME_EVENT_PREFIX}*" kinds`, kind);
    const trigger = intentKinds.get(kind);
    if (trigger !== undefined) report.say(`kind is already the intentEventKind of trigger "${trigger}"`);
    report.functions(event, ["parsePayload"]);
    if (event.description !== undefined && typeof event.description !== "string")
      report.field("description", "a string when given", event.description);
    const schema: unknown = event.payloadSchema;
    if (schema !== undefined && (typeof schema !== "object" || schema === null || Array.isArray(schema))) {
      report.field("payloadSchema", "a JSON Schema object when given", schema);
    }
    if (kind !== "") registry.set(kind, event);
  });
  return registry;
}

/** The idempotency keys `emitEvent` was given: one row per (kind, key), answering the first event's id. */
const SCHEMA = `
  CREATE TABLE IF NOT EXISTS event_keys (
    kind     TEXT    NOT NULL,
    key      TEXT    NOT NULL,
    event_id INTEGER NOT NULL REFERENCES events (id),
    PRIMARY KEY (kind, key)
  ) WITHOUT ROWID;
`;

export class EventKeys {
  constructor(private readonly sql: SqlStorage) {
    sql.exec(SCHEMA);
  }

  idOf(kind: string, key: string): number | null {
    const row = this.sql.exec<{ event_id: number }>("SELECT event_id FROM event_keys WHERE kind = ? AND key = ?", kind, key).toArray()[0];
    return row ? row.event_id : null;
  }

  remember(kind: string, key: string, eventId: number): void {
    this.sql.exec("INSERT INTO event_keys (kind, key, event_id) VALUES (?, ?, ?)", kind, key, eventId);
  }
}

/** What appending a declared event needs. */
export interface EmitHost {
  readonly events: EventRegistry;
  readonly eventKeys: EventKeys;
  readonly ledger: Pick<Ledger, "append">;
}

/**
 * Appends a fact from outside: checked against its declared kind, then
 * written, with its idempotency key, in the caller's transaction (which any
 * cancel-on-event the fact sets off joins). Every refusal throws before
 * anything is written.
 */
export function emitEvent(host: EmitHost, request: EmitEventRequest, now: number): EmitEventResult {
  const { kind } = (request ?? {}) as Partial<EmitEventRequest>;
  const declared = requireEvent(host.events, kind);
  const what = `emitEvent "${declared.kind}"`;
  const idempotencyKey = checkIdempotencyKey(what, request.idempotencyKey);
  toJsonText(request.payload, `${what}: payload`);
  const parsed = parsePayload(declared, request.payload);
  if (!parsed.ok) throw new RequestError(`${what}: payload refused: ${parsed.reason}`);

  if (idempotencyKey !== undefined) {
    const existing = host.eventKeys.idOf(declared.kind, idempotencyKey);
    if (existing !== null) return { id: existing, duplicate: true };
  }
  const { id } = host.ledger.append(declared.kind, parsed.payload, now);
  if (idempotencyKey !== undefined) host.eventKeys.remember(declared.kind, idempotencyKey, id);
  return { id, duplicate: false };
}

function requireEvent(events: EventRegistry, kind: unknown): AnyDeclaredEvent {
  if (typeof kind === "string" && kind.startsWith(RUNTIME_EVENT_PREFIX)) {
    throw new RequestError(`emitEvent: "${kind}" is reserved for the runtime's own facts`);
  }
  const declared = typeof kind === "string" ? events.get(kind) : undefined;
  if (declared) return declared;
  throw unknownKind("event", kind, events.keys(), "declared kinds");
}

/** `parsePayload` is user code: a throw is a refusal, not a crash. */
function parsePayload(declared: AnyDeclaredEvent, raw: unknown): PayloadParseResult<unknown> {
  return runParser("parsePayload", () => declared.parsePayload(raw));
}
