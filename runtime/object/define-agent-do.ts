import { DurableObject } from "cloudflare:workers";
import { cancelIntent } from "../cancel/cancel.ts";
import { cancelOnFact } from "../cancel/cancel-on-event.ts";
import { createEventRegistry, emitEvent } from "../lifecycle/declared-events.ts";
import { keepClock } from "../store/clock.ts";
import { keepPort } from "../drain/test-port.ts";
import { describeError, RegistrationError, RequestError } from "../contract/errors.ts";
import { enqueueIntent } from "../lifecycle/intents.ts";
import { outcomeOf, type Outcome } from "../contract/refusal.ts";
import { REFUSABLE_METHODS, type AgentClass, type AgentMethods, type RefusableMethod } from "../contract/agent.ts";

export type { AgentClass, AgentMethods, AgentObject, RefusableMethod } from "../contract/agent.ts";
import { serveEventStreams } from "../live/http.ts";
import { MAX_EVENTS_PER_READ } from "../store/ledger.ts";
import { Pump } from "../drain/pump.ts";
import { createRegistry, createStreamRegistry } from "../definition/registry.ts";
import { describeRegistration } from "../definition/registration.ts";
import { summarizeSchedule } from "../store/schedule-table.ts";
import type { CronEngine } from "../definition/schedule-time.ts";
import { fireDueBatch, scheduleTrigger, SpecDefaults, unscheduleTrigger } from "../time/schedules.ts";
import { inOrder } from "../time/steps.ts";
import { answerTimeoutBatch } from "../time/timeouts.ts";
import { StreamRunner } from "../live/streams.ts";
import { openScope, type Scope } from "./scope.ts";
import { phaseOf, summarize } from "../store/work-queries.ts";
import type {
  AnyDeclaredEvent,
  AnyStream,
  AnyTrigger,
  CancelStreamRequest,
  CancelStreamResult,
  CancelRequest,
  CancelResult,
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
} from "../contract/types.ts";

export interface AgentDefinition<
  Triggers extends readonly AnyTrigger[],
  Streams extends readonly AnyStream[],
  Env,
  Events extends readonly AnyDeclaredEvent[] = readonly [],
> {
  /** Names of the environment bindings the triggers need; a missing one fails at construction. */
  readonly bindings?: readonly (keyof Env & string)[];
  readonly triggers: Triggers;
  /** Output-only attached streams. */
  readonly streams?: Streams;
  /** Declared event kinds: facts from outside, appended by `emitEvent`. */
  readonly events?: Events;
  /** Cron schedules' pattern reader, `cron` from `durable-triggers/cron`; without it a cron schedule is refused (`everyMs` needs none). */
  readonly cron?: CronEngine;
}

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
  const Events extends readonly AnyDeclaredEvent[] = readonly [],
>(definition: AgentDefinition<Triggers, Streams, Env, Events>): AgentClass<Triggers[number], Env, Events[number]> {
  const registry = createRegistry(definition.triggers, definition.cron ?? null);
  const eventRegistry = createEventRegistry(definition.events ?? [], registry);
  const streamRegistry = createStreamRegistry(definition.streams ?? []);
  const bindings = definition.bindings ?? [];
  const registration = describeRegistration(registry, streamRegistry, eventRegistry);
  type Trigger = Triggers[number];
  type Event = Events[number];

  return class AgentDO extends DurableObject<Env> implements AgentMethods<Trigger, Event> {
    readonly #scope: Scope;
    readonly #pump: Pump;
    readonly #streams: StreamRunner;
    readonly #defaults: SpecDefaults;

    constructor(state: DurableObjectState, env: Env) {
      super(state, env);
      const missing = bindings.filter((name) => (env as Record<string, unknown>)[name] === undefined);
      if (missing.length > 0) throw new RegistrationError(missing.map((name) => `binding "${name}" is missing from the environment`));
      this.#scope = openScope(state, env, registry, eventRegistry, (fact) => {
        this.#defaults.written(this.#scope.clock.now());
        // The drain's abort, for a cancel-on-event that commits: the drain exists once the scope does.
        cancelOnFact(this.#scope, (intentId, reason) => this.#pump.abort(intentId, reason), fact);
      });
      // What time brings, in the drain, a batch a look: deadlines passed, then schedules due (which may enqueue work).
      this.#pump = new Pump(
        this.#scope,
        inOrder(
          (now) => answerTimeoutBatch(this.#scope, this.#pump, now),
          (now) => fireDueBatch(this.#scope, now),
        ),
      );
      this.#streams = new StreamRunner(this.#scope, streamRegistry);
      this.#defaults = new SpecDefaults(this.#scope, registry);
      this.#defaults.start(this.#scope.clock.now());
      // Time travel: a test that moves the clock (see `clock.ts`) has the drain look at every kind, as the alarm would.
      keepClock(this, this.#scope.clock);
      keepPort(this, this.#pump.port);
      this.#scope.clock.onAdvance(
        () => void this.#pump.drain().catch((error) => console.error("durable trigger drain failed", describeError(error))),
      );
      // Claims in storage now were made by an instance that is gone: they end now, and a drain takes them over.
      this.#scope.store.expireClaims();
      this.#scope.waker.start((load) => state.blockConcurrencyWhile(load));
    }

    // Both validate and write synchronously, and the waker, hearing the commit, arms the alarm and
    // starts the drain: a refusal throws before anything is written, and nothing awaits storage,
    // so a burst of calls shares one commit.
    enqueueTrigger(request: EnqueueRequest<Trigger>): Promise<{ id: number }> {
      const scope = this.#scope;
      const { id } = scope.store.transaction(() => enqueueIntent(scope, request, scope.clock.now()));
      return Promise.resolve({ id });
    }

    cancelTrigger(request: CancelRequest<Trigger["kind"]>): Promise<CancelResult> {
      return Promise.resolve(cancelIntent(this.#scope, this.#pump, request));
    }

    emitEvent(request: EmitEventRequest<Event>): Promise<EmitEventResult> {
      const scope = this.#scope;
      return Promise.resolve(scope.store.transaction(() => emitEvent(scope, request as EmitEventRequest, scope.clock.now())));
    }

    events(query: EventQuery = {}): LedgerEvent[] {
      return this.#scope.ledger.read(query);
    }

    intentState(intentEventId: number): IntentPhase | null {
      const row = this.#scope.store.work.get(intentEventId);
      return row === null ? null : phaseOf(row);
    }

    intent(intentEventId: number): IntentSummary | null {
      const row = this.#scope.store.work.get(intentEventId);
      return row === null ? null : summarize(row);
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
      return this.#scope.store.work.list(Math.min(limit, MAX_EVENTS_PER_READ), beforeId ?? null);
    }

    scheduleTrigger(request: ScheduleRequest<Trigger>): Promise<ScheduleSummary> {
      return Promise.resolve(scheduleTrigger(this.#scope, request, this.#scope.clock.now(), (now) => this.#defaults.written(now)));
    }

    unscheduleTrigger(key: string): Promise<{ removed: boolean }> {
      return Promise.resolve(unscheduleTrigger(this.#scope, key));
    }

    schedules(): ScheduleSummary[] {
      return this.#scope.store.schedules.list().map(summarizeSchedule);
    }

    attempt<M extends RefusableMethod>(method: M, argument: Parameters<AgentMethods<Trigger, Event>[M]>[0]) {
      return outcomeOf(() => {
        // RPC input is untyped: only the refusable calls are reachable through here.
        if (!REFUSABLE_METHODS.has(method))
          throw new RequestError(`attempt: ${JSON.stringify(String(method))} is not one of ${[...REFUSABLE_METHODS].join(", ")}`);
        return (this[method] as (argument: unknown) => unknown).call(this, argument);
      }) as Promise<Outcome<Awaited<ReturnType<AgentMethods<Trigger, Event>[M]>>>>;
    }

    override async alarm(): Promise<void> {
      this.#scope.waker.alarmFired();
      await this.#pump.drain();
    }
  };
}
