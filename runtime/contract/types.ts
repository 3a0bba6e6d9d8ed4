/**
 * The public types of the durable trigger runtime. The behaviour behind them
 * is pinned in the design contract; the names here are the contract's names.
 */

/** What the ledger stores: plain JSON, which is also what crosses RPC intact. */
export type JsonValue = null | boolean | number | string | JsonArray | JsonObject;
// Interfaces, not aliases, so that recursive checks (RPC's `Serializable`) stop at a name.
export interface JsonArray extends ReadonlyArray<JsonValue> {}
export interface JsonObject {
  readonly [key: string]: JsonValue;
}

/** One fact in a scope's append-only ledger. */
export interface LedgerEvent<Payload = JsonValue> {
  readonly id: number;
  readonly ts: number;
  readonly kind: string;
  readonly payload: Payload;
}

/**
 * What `parseIntent` answers: the typed intent, or why the raw value is
 * refused. `Input` is what the parser accepts, when that differs from what it
 * answers (a field with a default may be left out); it types
 * `enqueueTrigger`'s payload, and is never present at run time.
 */
export type ParseResult<Intent, Input = Intent> =
  | { readonly ok: true; readonly intent: Intent; readonly "~input"?: Input }
  | { readonly ok: false; readonly reason: string };

export type Cancellation = "cooperative" | "ignored";

/**
 * Any string literal. Written this way, not as `string`, so that a trigger
 * declared with `satisfies DurableTrigger<…>` keeps its literal `kind`, which
 * is what types `enqueueTrigger` by kind.
 */
export type KindName = Capitalize<string> | Uncapitalize<string>;

/** `"redrive"` when this attempt took over a claim whose deadline had passed. */
export type AcquireMode = "normal" | "redrive";

export interface RetryPolicy {
  /** Attempts in all, the first included. */
  readonly maxAttempts: number;
  /** Delay before the second attempt; it doubles for each attempt after. */
  readonly backoffMs: number;
  /** The longest delay between two attempts. */
  readonly maxBackoffMs: number;
}

export interface EventQuery<Kind extends string = string> {
  readonly afterId?: number;
  /**
   * Only events of these kinds (at most 50). An empty list is no filter, the
   * same as leaving it out: every kind. A list built at run time that ends up
   * empty would otherwise read nothing, silently.
   */
  readonly kinds?: readonly Kind[];
  /**
   * At most this many events; the default and the most is 1 000. A page also
   * stops at 8 MiB of payload JSON (always holding at least one event), so it
   * may hold fewer than `limit` events while more follow: to read on, ask
   * again with `afterId` set to the last id received, until a page is empty.
   */
  readonly limit?: number;
}

/** Everything `acquire` may use. External work happens here and nowhere else. */
export interface AcquireContext<Env = unknown, Progress = unknown> {
  /** The Durable Object name this work runs in. */
  readonly scope: string;
  readonly intentEventId: number;
  /** 1-based; counts every claim of this intent, redrives included. */
  readonly attempt: number;
  readonly acquireMode: AcquireMode;
  /** Aborted when cancellation is requested (cooperative triggers only). */
  readonly signal: AbortSignal;
  /** Milliseconds since the epoch when this attempt was claimed. */
  readonly now: number;
  /** The Worker's environment, as the Durable Object received it. */
  readonly env: Env;
  /** Reads the ledger, ascending by id. */
  events(query?: EventQuery): LedgerEvent[];
  /** Sends a transient frame to whoever watches this intent; never stored. */
  progress(payload: Progress): void;
}

export interface NewEvent<Kind extends string = string, Payload = unknown> {
  readonly kind: Kind;
  readonly payload: Payload;
}

/**
 * Work a commit enqueues with `tx.enqueue`. Generated triggers narrow it to a
 * union with one member per trigger the specs declare (`FollowUp<"report.fetch",
 * ReportFetchIntentInput> | …`), so a follow-up is typed like `enqueueTrigger`;
 * it is checked at run time the same way too.
 */
export interface FollowUp<Kind extends string = string, Payload = unknown> {
  readonly triggerKind: Kind;
  readonly payload: Payload;
  /** Milliseconds since the epoch, within a Date's range (±8.64e15); fractions round up. Default: now. */
  readonly at?: number;
  readonly idempotencyKey?: string;
}

/** What every commit callback may write with; it commits together with the settlement, or not at all. */
export interface BaseTx<Event extends NewEvent = NewEvent, Work extends FollowUp = FollowUp> {
  readonly now: number;
  /** Appends a fact to the ledger and returns it as stored. */
  insertEvent<E extends Event>(event: E): LedgerEvent<E["payload"]>;
  /** Schedules follow-up work; it exists only if this transaction commits. */
  enqueue(work: Work): { readonly id: number };
  /** The Durable Object's SQL storage, for side tables written in the same transaction. */
  readonly sql: SqlStorage;
}

/** The transaction that settles an intent. */
export interface Tx<Event extends NewEvent = NewEvent, Work extends FollowUp = FollowUp> extends BaseTx<Event, Work> {
  readonly intentEventId: number;
  readonly acquireMode: AcquireMode;
}

export interface CancellationInfo {
  /** The reason given with the first cancel request, if any. */
  readonly reason?: string;
  readonly requestedAt: number;
}

export interface FailureInfo {
  readonly error: { readonly name: string; readonly message: string };
  readonly attempts: number;
}

/**
 * A kind of durable background work. `acquire` does the external work;
 * the `commit…` callbacks write its facts, synchronously, in one transaction.
 */
export interface DurableTrigger<
  Intent,
  Outcome,
  Env = unknown,
  Event extends NewEvent = NewEvent,
  Progress = unknown,
  Work extends FollowUp = FollowUp,
> {
  readonly kind: KindName;
  readonly intentEventKind: KindName;
  /** The spec's description, for tools that list triggers (the operator console). */
  readonly description?: string;
  readonly cancellation: Cancellation;
  /** How long one claim lasts before another drain may redrive it. Default 60 000. */
  readonly acquireDeadlineMs?: number;
  readonly retry?: Partial<RetryPolicy>;
  /** Acquires of this kind in flight at once in one scope. Default 1. */
  readonly concurrency?: number;
  /** The version of the intent's schema, as the generator's version record numbers it. Default 1. */
  readonly intentVersion?: number;
  /**
   * Stored intents of versions before this one are dropped: they settle
   * `rejected` when they run (the spec's `dropIntentsBefore`, as recorded).
   */
  readonly intentsDroppedBefore?: number;
  /**
   * How stored intents cross a breaking change of the intent schema: the
   * version an upgrade leads to → the upgrade, which turns an intent as the
   * version before stored it into one of that version (for the last, one
   * `parseIntent` accepts). Run in order, from the intent's own version on,
   * each time a stored intent is read; generated code fills it in from the
   * handlers' `upgradeToV<n>` members.
   */
  readonly intentUpgrades?: Readonly<Record<number, (old: never) => unknown>>;
  /** The intent's JSON Schema, for tools such as the operator console; generated code fills it in. */
  readonly intentSchema?: JsonObject;
  /** Cancels this trigger's unsettled intents when a matching fact is appended in the scope (see the contract). */
  readonly cancelOn?: readonly CancelOnRule[];
  /** Work not started, or not finished, in time is cancelled (reasons "timeout:start", "timeout:finish"). */
  readonly timeouts?: TriggerTimeouts;
  /** Default schedules, installed by key (idempotently) when an object starts. */
  readonly schedules?: readonly DeclaredSchedule[];
  /** Its result may name the input type it accepts (`ParseResult<Intent, Input>`), which then types `enqueueTrigger`. */
  parseIntent(raw: unknown): ParseResult<Intent, unknown>;
  acquire(intent: Intent, ctx: AcquireContext<Env, Progress>): Outcome | Promise<Outcome>;
  commit(outcome: Outcome, tx: Tx<Event, Work>): void;
  commitCancelled(intent: Intent, cancellation: CancellationInfo, tx: Tx<Event, Work>): void;
  commitFailed?(intent: Intent, failure: FailureInfo, tx: Tx<Event, Work>): void;
}

/** Any trigger, whatever its types; what registration accepts. */
// `any` is deliberate: parameters are contravariant, so no narrower type admits every trigger.
export type AnyTrigger = DurableTrigger<any, any, any, any, any, any>;

export type IntentOf<T> = T extends DurableTrigger<infer I, any, any, any, any, any> ? I : never;
/** What `enqueueTrigger` takes for a trigger: its parser's input type, which may leave out fields with defaults. */
export type IntentInputOf<T> = "~input" extends keyof AcceptedOf<T>
  ? Exclude<AcceptedOf<T>["~input" & keyof AcceptedOf<T>], undefined>
  : IntentOf<T>;
type AcceptedOf<T> = T extends { parseIntent(raw: unknown): infer R } ? Extract<R, { readonly ok: true }> : never;
export type OutcomeOf<T> = T extends DurableTrigger<any, infer O, any, any, any, any> ? O : never;

export interface EnqueueOptions {
  /**
   * When the work becomes due, in milliseconds since the epoch. A time no
   * JavaScript Date can hold (beyond ±8.64e15) is refused; a fraction of a
   * millisecond rounds up. Default: now.
   */
  readonly at?: number;
  /** The same key for the same trigger kind returns the first intent's id and writes nothing. */
  readonly idempotencyKey?: string;
}

/** One `enqueueTrigger` request per registered trigger: the kind decides the payload type. */
export type EnqueueRequest<T extends AnyTrigger = AnyTrigger> = T extends AnyTrigger
  ? EnqueueOptions & { readonly triggerKind: T["kind"]; readonly payload: IntentInputOf<T> }
  : never;

/** What a declared payload parser answers (like `ParseResult`, for event payloads). */
export type PayloadParseResult<Payload, Input = Payload> =
  | { readonly ok: true; readonly payload: Payload; readonly "~input"?: Input }
  | { readonly ok: false; readonly reason: string };

/** A fact kind a spec declares on its own: facts from outside (a webhook), appended by `emitEvent`. */
export interface DeclaredEvent<Payload = unknown> {
  readonly kind: KindName;
  readonly description?: string;
  /** The payload's JSON Schema, for tools such as the operator console; generated code fills it in. */
  readonly payloadSchema?: JsonObject;
  /** Its result may name the input type it accepts (`PayloadParseResult<Payload, Input>`), which then types `emitEvent`. */
  parsePayload(raw: unknown): PayloadParseResult<Payload, unknown>;
}

/** Any declared event, whatever its payload; what registration accepts. */
export type AnyDeclaredEvent = DeclaredEvent<any>;

type AcceptedPayloadOf<E> = E extends { parsePayload(raw: unknown): infer R } ? Extract<R, { readonly ok: true }> : never;
/** What a declared event's parser answers. */
export type EventPayloadOf<E> = AcceptedPayloadOf<E> extends { readonly payload: infer P } ? P : never;
/** What `emitEvent` takes for a declared event: its parser's input type, which may leave out fields with defaults. */
export type EventPayloadInputOf<E> = "~input" extends keyof AcceptedPayloadOf<E>
  ? Exclude<AcceptedPayloadOf<E>["~input" & keyof AcceptedPayloadOf<E>], undefined>
  : EventPayloadOf<E>;

/** One `emitEvent` request per declared event: the kind decides the payload type. */
export type EmitEventRequest<E extends AnyDeclaredEvent = AnyDeclaredEvent> = E extends AnyDeclaredEvent
  ? {
      readonly kind: E["kind"];
      readonly payload: EventPayloadInputOf<E>;
      /** The same key for the same kind answers the first event's id and writes nothing. */
      readonly idempotencyKey?: string;
    }
  : never;

/** What `emitEvent` answers: the stored event's id; `duplicate` when an idempotency key answered an earlier one. */
export interface EmitEventResult {
  readonly id: number;
  readonly duplicate: boolean;
}

/** On a trigger: cancel its unsettled intents when a matching fact is appended in the scope. */
export interface CancelOnRule {
  /** The fact kind: a declared event, or any kind a commit writes. */
  readonly event: string;
  /** intent field path → event payload field path (dotted, e.g. "customer.id"); every pair must be equal. */
  readonly match: Readonly<Record<string, string>>;
}

export interface TriggerTimeouts {
  /** Work not claimed within this many ms of its due time settles cancelled, reason "timeout:start". */
  readonly startMs?: number;
  /** Work not settled within this many ms of its first claim gets a cancel request, reason "timeout:finish". */
  readonly finishMs?: number;
}

/** A schedule: exactly one of cron or everyMs. */
export type ScheduleTiming =
  | { readonly cron: string; readonly timezone?: string; readonly everyMs?: never }
  | { readonly everyMs: number; readonly cron?: never; readonly timezone?: never };

/** A default schedule a trigger declares; `payload` is what each firing enqueues. */
export type DeclaredSchedule = ScheduleTiming & { readonly key: string; readonly payload: unknown };

/** One `scheduleTrigger` request per registered trigger: the kind decides the payload type. */
export type ScheduleRequest<T extends AnyTrigger = AnyTrigger> = T extends AnyTrigger
  ? ScheduleTiming & { readonly key: string; readonly triggerKind: T["kind"]; readonly payload: IntentInputOf<T> }
  : never;

export interface ScheduleSummary {
  readonly key: string;
  readonly triggerKind: string;
  readonly cron: string | null;
  readonly timezone: string | null;
  readonly everyMs: number | null;
  /** When it fires next, in milliseconds since the epoch. */
  readonly nextFireAt: number;
  /** The fire time of its last firing (a catch-up firing carries the first fire time it missed). */
  readonly lastFiredAt: number | null;
  /** "spec": installed from the trigger's declared defaults; "api": by scheduleTrigger. */
  readonly origin: "spec" | "api";
}

export type Settlement = "completed" | "cancelled" | "failed" | "rejected";

export interface CancelRequest<Kind extends string = string> {
  readonly triggerKind: Kind;
  readonly intentEventId: number;
  /** At most 1 024 bytes of UTF-8, counted in bytes, not characters; a longer reason is refused and nothing is written. */
  readonly reason?: string;
}

export type CancelResult =
  | { readonly status: "cancelled"; readonly intentEventId: number }
  | { readonly status: "requested"; readonly intentEventId: number; readonly requestedAt: number }
  | { readonly status: "ignored"; readonly intentEventId: number }
  | { readonly status: "not_found"; readonly intentEventId: number }
  | { readonly status: "already_completed"; readonly intentEventId: number; readonly settled: Settlement };

export type CancelStatus = CancelResult["status"];

export type IntentPhase =
  | "scheduled"
  | "claimed"
  | "redriven"
  | "retry_scheduled"
  | "cancel_requested"
  | "completed"
  | "completed_after_cancel_requested"
  | "cancelled"
  | "failed"
  | "rejected";

/** One intent as the ops view lists it. */
export interface IntentSummary {
  readonly intentEventId: number;
  readonly triggerKind: string;
  readonly phase: IntentPhase;
  readonly attempts: number;
  /** When it is due: its first run, or the next attempt after a retry's backoff. */
  readonly fireAt: number;
  readonly settledAt: number | null;
  /** The version of the trigger's intent schema it was stored under. */
  readonly intentVersion: number;
  /** The last attempt's error, when one failed: why a retry is waiting, or why the intent failed. */
  readonly lastError: { readonly name: string; readonly message: string } | null;
  /** Why a cancel was asked for (`timeout:finish`, `event:…`, or the caller's reason), once one was. */
  readonly cancelReason: string | null;
}

/** What a watcher of an intent receives: its phase, progress, then exactly one terminal frame. */
export type IntentFrame =
  | { readonly event: "phase"; readonly data: { readonly intentEventId: number; readonly phase: IntentPhase } }
  | { readonly event: "progress"; readonly data: { readonly intentEventId: number; readonly payload: unknown } }
  | {
      readonly event: Settlement;
      readonly data: {
        readonly intentEventId: number;
        readonly triggerKind: string;
        readonly phase: IntentPhase;
        readonly settledAt: number;
        /** The last error, as JSON `{ name, message }`, when the intent failed. */
        readonly error: string | null;
        /** The cancel request, when one was made: its time and reason (`timeout:finish`, `event:…`, the caller's). */
        readonly cancel: { readonly requestedAt: number; readonly reason: string | null } | null;
      };
    };

export type StartParseResult<Start> = { readonly ok: true; readonly start: Start } | { readonly ok: false; readonly reason: string };

/** A frame an attached stream's `run` yields: any number of progress and output frames, then one terminal. */
export type StreamFrame<Progress = unknown, Output = unknown, Result = unknown> =
  | { readonly type: "progress"; readonly payload: Progress }
  | { readonly type: "output"; readonly payload: Output }
  | StreamTerminal<Result>;

export type StreamTerminal<Result = unknown> =
  | { readonly type: "completed"; readonly payload: Result }
  | { readonly type: "failed"; readonly error: { readonly name: string; readonly message: string } }
  | { readonly type: "cancelled"; readonly reason: string | null };

export interface StreamContext<Env = unknown> {
  readonly scope: string;
  readonly streamRef: string;
  /** Aborted by `cancelStream` (cooperative streams), or by a detach when `onDetach` is `"abort"`. */
  readonly signal: AbortSignal;
  readonly now: number;
  readonly env: Env;
  events(query?: EventQuery): LedgerEvent[];
}

/** The transaction that writes a stream's terminal facts. */
export interface StreamTx<Event extends NewEvent = NewEvent, Work extends FollowUp = FollowUp> extends BaseTx<Event, Work> {
  readonly streamRef: string;
}

/**
 * An output-only attached stream: work whose frames go straight to the
 * client that opened it. Only its terminal facts are stored.
 */
export interface AttachedStream<
  Start,
  Progress,
  Output,
  Result,
  Env = unknown,
  Event extends NewEvent = NewEvent,
  Work extends FollowUp = FollowUp,
> {
  readonly kind: KindName;
  readonly mode: "output_only";
  readonly cancellation: Cancellation;
  /** What a client disconnect does: abort the run, or let it finish unwatched. */
  readonly onDetach: "abort" | "continue";
  /** The start payload's JSON Schema, for tools such as the operator console; generated code fills it in. */
  readonly startSchema?: JsonObject;
  parseStart(raw: unknown): StartParseResult<Start>;
  run(start: Start, ctx: StreamContext<Env>): AsyncIterable<StreamFrame<Progress, Output, Result>>;
  commitTerminal(start: Start, terminal: StreamTerminal<Result>, tx: StreamTx<Event, Work>): void;
}

export type AnyStream = AttachedStream<any, any, any, any, any, any, any>;
export type StartOf<S> = S extends AttachedStream<infer Start, any, any, any, any, any, any> ? Start : never;

export type OpenStreamRequest<S extends AnyStream = AnyStream> = S extends AnyStream
  ? { readonly streamKind: S["kind"]; readonly start: StartOf<S> }
  : never;

export interface CancelStreamRequest {
  readonly streamRef: string;
  /** At most 1 024 bytes of UTF-8, as for `cancelTrigger`; a longer reason is refused and the stream is not told. */
  readonly reason?: string;
}

export interface CancelStreamResult {
  readonly status: "requested" | "ignored" | "not_found" | "already_completed";
  readonly streamRef: string;
}

/**
 * The frames of an attached stream on the wire: `event: <type>`, `data: <json>`.
 * `cancel_ignored` says that `cancelStream` was asked to stop a stream that
 * declares `cancellation: "ignored"`, with the request's reason; the stream runs on.
 */
export type StreamWireFrame =
  | { readonly event: "opened"; readonly data: { readonly streamRef: string; readonly seq: number; readonly streamKind: string } }
  | {
      readonly event: "progress" | "output";
      readonly data: { readonly streamRef: string; readonly seq: number; readonly payload: unknown };
    }
  | { readonly event: "completed"; readonly data: { readonly streamRef: string; readonly seq: number; readonly payload: unknown } }
  | {
      readonly event: "failed";
      readonly data: {
        readonly streamRef: string;
        readonly seq: number;
        readonly error: { readonly name: string; readonly message: string };
      };
    }
  | { readonly event: "cancelled"; readonly data: { readonly streamRef: string; readonly seq: number; readonly reason: string | null } }
  | {
      readonly event: "cancel_ignored";
      readonly data: { readonly streamRef: string; readonly seq: number; readonly reason: string | null };
    };

/** What a class built by `defineAgentDO` runs, as plain data: what an operator's console lists. */
export interface Registration {
  readonly triggers: readonly {
    readonly kind: string;
    readonly intentEventKind: string;
    /** The spec's description; null for none. */
    readonly description: string | null;
    readonly cancellation: Cancellation;
    readonly concurrency: number;
    readonly acquireDeadlineMs: number;
    readonly retry: RetryPolicy;
    readonly intentVersion: number;
    readonly intentSchema: JsonObject | null;
    /** Its cancel-on-event rules; empty for none. */
    readonly cancelOn: readonly CancelOnRule[];
    /** Its declared timeouts, in ms (null for none). */
    readonly timeouts: { readonly startMs: number | null; readonly finishMs: number | null };
    /** Its declared default schedules, with their payloads as plain JSON. */
    readonly schedules: readonly (ScheduleTiming & { readonly key: string; readonly payload: JsonValue })[];
  }[];
  readonly streams: readonly {
    readonly kind: string;
    readonly cancellation: Cancellation;
    readonly onDetach: "abort" | "continue";
    readonly startSchema: JsonObject | null;
  }[];
  /** The declared event kinds `emitEvent` accepts. */
  readonly events: readonly {
    readonly kind: string;
    readonly description: string | null;
    readonly payloadSchema: JsonObject | null;
  }[];
}
