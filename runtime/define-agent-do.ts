import { DurableObject } from "cloudflare:workers";
import { cancelIntent } from "./cancel.ts";
import { RegistrationError, RequestError } from "./errors.ts";
import { enqueueIntent } from "./intents.ts";
import { serveEventStreams } from "./http.ts";
import { MAX_EVENTS_PER_READ } from "./ledger.ts";
import { Pump } from "./pump.ts";
import { createRegistry, createStreamRegistry } from "./registry.ts";
import { summarizeSchedule } from "./schedule-table.ts";
import { fireDueSchedules, installSpecSchedules, scheduleTrigger, unscheduleTrigger } from "./schedules.ts";
import { answerTimeouts } from "./timeouts.ts";
import { StreamRunner } from "./streams.ts";
import { openScope, type Scope } from "./scope.ts";
import { phaseOf } from "./work.ts";
import type {
  AnyStream,
  AnyTrigger,
  CancelStreamRequest,
  CancelStreamResult,
  CancelRequest,
  CancelResult,
  EnqueueRequest,
  EventQuery,
  IntentPhase,
  IntentSummary,
  JsonValue,
  LedgerEvent,
  Registration,
  ScheduleRequest,
  ScheduleSummary,
} from "./types.ts";

export interface AgentDefinition<Triggers extends readonly AnyTrigger[], Streams extends readonly AnyStream[], Env> {
  /** Names of the environment bindings the triggers need; a missing one fails at construction. */
  readonly bindings?: readonly (keyof Env & string)[];
  readonly triggers: Triggers;
  /** Output-only attached streams. */
  readonly streams?: Streams;
}

/** The RPC methods of a class built by `defineAgentDO`; `Trigger` is the union of its registered triggers. */
export interface AgentMethods<Trigger extends AnyTrigger = AnyTrigger> {
  /** Validates the payload, writes the intent and its work in one transaction, and starts it when due. */
  enqueueTrigger(request: EnqueueRequest<Trigger>): Promise<{ id: number }>;
  /** One of five answers; see `CancelResult`. */
  cancelTrigger(request: CancelRequest<Trigger["kind"]>): Promise<CancelResult>;
  /** The ledger, ascending by id. */
  events(query?: EventQuery): LedgerEvent[];
  /** The intent's lifecycle phase, or `null` when this scope has no such intent. */
  intentState(intentEventId: number): IntentPhase | null;
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
  alarm(): Promise<void>;
}

/** An instance of a class built by `defineAgentDO`: what `DurableObjectNamespace<…>` and its stubs are typed with. */
export type AgentObject<Trigger extends AnyTrigger = AnyTrigger, Env = Cloudflare.Env> = DurableObject<Env> & AgentMethods<Trigger>;

/** The class `defineAgentDO` returns; export it from the Worker under the binding's `class_name`. */
export type AgentClass<Trigger extends AnyTrigger = AnyTrigger, Env = Cloudflare.Env> = new (
  ctx: DurableObjectState,
  env: Env,
) => AgentObject<Trigger, Env>;

/**
 * Builds the Durable Object class that runs `triggers`. Registration is
 * checked here, once, when the Worker module loads: a bad definition never
 * deploys quietly.
 *
 * `enqueueTrigger` and `cancelTrigger` are typed from the triggers, so a wrong
 * kind or a payload of the wrong shape does not compile; on a stub as well,
 * since the RPC types follow the class.
 */
export function defineAgentDO<
  Env = Cloudflare.Env,
  const Triggers extends readonly AnyTrigger[] = readonly AnyTrigger[],
  const Streams extends readonly AnyStream[] = readonly [],
>(definition: AgentDefinition<Triggers, Streams, Env>): AgentClass<Triggers[number], Env> {
  const registry = createRegistry(definition.triggers);
  const streamRegistry = createStreamRegistry(definition.streams ?? []);
  const bindings = definition.bindings ?? [];
  const registration: Registration = {
    triggers: [...registry.values()].map(({ trigger, kind, concurrency, acquireDeadlineMs, retry, intentVersion, timeouts, schedules }) => ({
      kind,
      intentEventKind: trigger.intentEventKind,
      cancellation: trigger.cancellation,
      concurrency,
      acquireDeadlineMs,
      retry,
      intentVersion,
      intentSchema: trigger.intentSchema ?? null,
      timeouts,
      // Checked as plain JSON at registration.
      schedules: schedules.map(({ timing: _, ...schedule }) => schedule as typeof schedule & { payload: JsonValue }),
    })),
    streams: [...streamRegistry.values()].map((stream) => ({
      kind: stream.kind,
      cancellation: stream.cancellation,
      onDetach: stream.onDetach,
      startSchema: stream.startSchema ?? null,
    })),
  };
  type Trigger = Triggers[number];

  return class AgentDO extends DurableObject<Env> implements AgentMethods<Trigger> {
    readonly #scope: Scope;
    readonly #pump: Pump;
    readonly #streams: StreamRunner;

    constructor(state: DurableObjectState, env: Env) {
      super(state, env);
      const missing = bindings.filter((name) => (env as Record<string, unknown>)[name] === undefined);
      if (missing.length > 0) throw new RegistrationError(missing.map((name) => `binding "${name}" is missing from the environment`));
      this.#scope = openScope(state, env, registry);
      // What time brings, in the drain: deadlines passed, then schedules due (which may enqueue work).
      this.#pump = new Pump(this.#scope, (now) => {
        answerTimeouts(this.#scope, this.#pump, now);
        fireDueSchedules(this.#scope, now);
      });
      this.#streams = new StreamRunner(this.#scope, streamRegistry);
      installSpecSchedules(this.#scope, registry, Date.now());
      this.#scope.work.start((load) => state.blockConcurrencyWhile(load));
    }

    // Both validate and write synchronously, and the work's owner arms the alarm and starts
    // the drain: a refusal throws before anything is written, and nothing awaits storage,
    // so a burst of calls shares one commit.
    enqueueTrigger(request: EnqueueRequest<Trigger>): Promise<{ id: number }> {
      const scope = this.#scope;
      const { id } = scope.work.transaction(() => enqueueIntent(scope, request, Date.now()));
      return Promise.resolve({ id });
    }

    cancelTrigger(request: CancelRequest<Trigger["kind"]>): Promise<CancelResult> {
      return Promise.resolve(cancelIntent(this.#scope, this.#pump, request));
    }

    events(query: EventQuery = {}): LedgerEvent[] {
      return this.#scope.ledger.read(query);
    }

    intentState(intentEventId: number): IntentPhase | null {
      const row = this.#scope.work.get(intentEventId);
      return row === null ? null : phaseOf(row);
    }

    /** Server-sent events: watch an intent, tail the ledger, open an attached stream (see `http.ts`). */
    override fetch(request: Request): Promise<Response> {
      return serveEventStreams(request, this.#scope, this.#streams);
    }

    /** Asks a running stream to stop (cooperative) or answers why not. */
    cancelStream(request: CancelStreamRequest): CancelStreamResult {
      return this.#streams.cancel(request);
    }

    registration(): Registration {
      return registration;
    }

    /** The newest intents first, for an operator's view. A summary carries no payload: a page of 1 000 stays small. */
    intents({ limit = 100, beforeId }: { limit?: number; beforeId?: number } = {}): IntentSummary[] {
      if (!Number.isSafeInteger(limit) || limit < 1) throw new RequestError("intents: limit must be a positive integer");
      if (beforeId !== undefined && !Number.isSafeInteger(beforeId)) throw new RequestError("intents: beforeId must be an integer");
      return this.#scope.work.list(Math.min(limit, MAX_EVENTS_PER_READ), beforeId ?? null);
    }

    scheduleTrigger(request: ScheduleRequest<Trigger>): Promise<ScheduleSummary> {
      return Promise.resolve(scheduleTrigger(this.#scope, request, Date.now()));
    }

    unscheduleTrigger(key: string): Promise<{ removed: boolean }> {
      return Promise.resolve(unscheduleTrigger(this.#scope, key));
    }

    schedules(): ScheduleSummary[] {
      return this.#scope.work.listSchedules().map(summarizeSchedule);
    }

    override async alarm(): Promise<void> {
      this.#scope.work.alarmFired();
      await this.#pump.drain();
    }
  };
}
