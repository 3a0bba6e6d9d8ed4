import type { DurableObject } from "cloudflare:workers";
import type { Outcome } from "./refusal.ts";
import type {
  AnyDeclaredEvent,
  AnyTrigger,
  CancelRequest,
  CancelResult,
  CancelStreamRequest,
  CancelStreamResult,
  EmitEventRequest,
  EmitEventResult,
  EnqueueRequest,
  EventQuery,
  IntentPhase,
  IntentSummary,
  LedgerEvent,
  Registration,
  ScheduleRequest,
  ScheduleSummary,
} from "./types.ts";

/**
 * The RPC methods of a class built by `defineAgentDO`; `Trigger` is the union
 * of its registered triggers, `Event` of its declared events (none by default).
 */
export interface AgentMethods<Trigger extends AnyTrigger = AnyTrigger, Event extends AnyDeclaredEvent = never> {
  /** Validates the payload, writes the intent and its work in one transaction, and starts it when due. */
  enqueueTrigger(request: EnqueueRequest<Trigger>): Promise<{ id: number }>;
  /** One of five answers; see `CancelResult`. */
  cancelTrigger(request: CancelRequest<Trigger["kind"]>): Promise<CancelResult>;
  /** Validates a fact from outside against its declared kind and appends it; the same idempotency key answers the first id. */
  emitEvent(request: EmitEventRequest<Event>): Promise<EmitEventResult>;
  /** The ledger, ascending by id. */
  events(query?: EventQuery): LedgerEvent[];
  /** The intent's lifecycle phase, or `null` when this scope has no such intent; `intent` answers the whole summary. */
  intentState(intentEventId: number): IntentPhase | null;
  /** One intent's summary, as `intents` lists it and `GET /scopes/:scope/intents/:id` answers it, or `null`. */
  intent(intentEventId: number): IntentSummary | null;
  /** The newest intents first, for an operator's view. */
  intents(query?: { limit?: number; beforeId?: number }): IntentSummary[];
  /** Upserts a schedule by key: each fire time enqueues one intent of the trigger, with this payload. */
  scheduleTrigger(request: ScheduleRequest<Trigger>): Promise<ScheduleSummary>;
  /** Removes a schedule made by `scheduleTrigger`; a spec's default is refused. */
  unscheduleTrigger(key: string): Promise<{ removed: boolean }>;
  /** Every schedule, soonest first, with its next fire time. */
  schedules(): ScheduleSummary[];
  /** Asks a running attached stream to stop (cooperative) or answers why not. */
  cancelStream(request: CancelStreamRequest): CancelStreamResult;
  /** The registered triggers and streams, with their settings and JSON Schemas, as plain data. */
  registration(): Registration;
  /** Server-sent events: watch an intent, tail the ledger, open an attached stream. */
  fetch(request: Request): Promise<Response>;
  /**
   * Calls `method` with `argument`, answering a refusal as `{ ok: false, refused }` instead of a
   * rejection: a rejection's name crosses RPC only under `enhanced_error_serialization`, a value
   * on every compatibility date. The operator API calls through it.
   */
  attempt<M extends RefusableMethod>(
    method: M,
    argument: Parameters<AgentMethods<Trigger, Event>[M]>[0],
  ): Promise<Outcome<Awaited<ReturnType<AgentMethods<Trigger, Event>[M]>>>>;
  alarm(): Promise<void>;
}

/** The methods `attempt` calls: the ones that refuse bad input. */
export const REFUSABLE_METHODS = new Set([
  "enqueueTrigger",
  "cancelTrigger",
  "emitEvent",
  "events",
  "intents",
  "scheduleTrigger",
  "unscheduleTrigger",
  "cancelStream",
] as const);
export type RefusableMethod = typeof REFUSABLE_METHODS extends Set<infer M> ? M : never;

/** An instance of a class built by `defineAgentDO`: what `DurableObjectNamespace<…>` and its stubs are typed with. */
export type AgentObject<
  Trigger extends AnyTrigger = AnyTrigger,
  Env = Cloudflare.Env,
  Event extends AnyDeclaredEvent = never,
> = DurableObject<Env> & AgentMethods<Trigger, Event>;

/** The class `defineAgentDO` returns; export it from the Worker under the binding's `class_name`. */
export type AgentClass<Trigger extends AnyTrigger = AnyTrigger, Env = Cloudflare.Env, Event extends AnyDeclaredEvent = never> = new (
  ctx: DurableObjectState,
  env: Env,
) => AgentObject<Trigger, Env, Event>;
