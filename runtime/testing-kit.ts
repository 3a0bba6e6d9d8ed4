/**
 * The test kit, as `durable-triggers/testing/kit`: time travel, stand-ins,
 * settlements with their facts, and a cancel at every `await`. It runs inside
 * `@cloudflare/vitest-pool-workers` only (it reaches an object through
 * `runInDurableObject`, so a stub's RPC surface stays what production has);
 * `durable-triggers/testing` is what a Node vitest config may import.
 */
import { runInDurableObject } from "cloudflare:test";
import { clockOf } from "./store/clock.ts";
import { FAILED_EVENT } from "./definition/registry.ts";
import { portOf, type Observed, type StandIn } from "./drain/test-port.ts";
import type { EnqueueRequest, IntentSummary, LedgerEvent } from "./contract/types.ts";

export type { StandIn } from "./drain/test-port.ts";

/** A stub to a Durable Object whose class `defineAgentDO` built, in the Worker under test. */
export type AgentStub = DurableObjectStub<Rpc.DurableObjectBranded>;

/** What the kit calls on the instance itself (no RPC): the object's own reads and its enqueue. */
interface AgentReads {
  intent(intentEventId: number): IntentSummary | null;
  events(query?: { afterId?: number }): LedgerEvent[];
  enqueueTrigger(request: EnqueueRequest): Promise<{ id: number }>;
}

/**
 * Runs `body` with the object's instance: the clock, the port and the
 * object's own methods, without RPC. Every call of the kit arms the scope's
 * port: from then on the kit sees its attempts (`Settlement.observed`).
 */
function inside<T>(stub: AgentStub, body: (instance: AgentReads & object) => T | Promise<T>): Promise<T> {
  return runInDurableObject(stub, (instance) => {
    portOf(instance);
    return body(instance as unknown as AgentReads & object);
  });
}

/**
 * Moves the scope's time forward by `ms` and answers its new time: work due
 * by then, retries whose backoff ended, timeouts passed and schedules due
 * (cron or every) all run at once, as the alarm would after waiting.
 */
export function advance(stub: AgentStub, ms: number): Promise<number> {
  return inside(stub, (instance) => {
    const clock = clockOf(instance);
    clock.advance(ms);
    return clock.now();
  });
}

/** The scope's time: the system's, plus however far `advance` moved it. */
export function now(stub: AgentStub): Promise<number> {
  return inside(stub, (instance) => clockOf(instance).now());
}

/**
 * Answers for `triggerKind`'s acquire from now on, without editing its
 * handler: `{ result }` is what it returns, `{ error }` what it throws (a
 * `NonRetryableError` fails at once, any other error is retried, and the
 * last attempt's failure reaches `commitFailed`), a function answers per
 * intent (`(intent, ctx) => …`, `ctx.attempt` says which attempt). `null`
 * gives the handler back.
 */
export function standIn(stub: AgentStub, triggerKind: string, answer: StandIn | null): Promise<void> {
  return inside(stub, (instance) => {
    const { standIns } = portOf(instance);
    if (answer === null) standIns.delete(triggerKind);
    else standIns.set(triggerKind, answer);
  });
}

/** Has the next intent of `triggerKind` to start cancelled at its `n`th `await` (its `n`th read of `ctx.signal`, counted over its attempts). */
export function cancelAt(stub: AgentStub, triggerKind: string, n: number): Promise<void> {
  if (!Number.isSafeInteger(n) || n < 1) throw new RangeError(`cancelAt: n must be a positive integer (got ${n})`);
  return inside(stub, (instance) => void portOf(instance).cancelAt.set(triggerKind, n));
}

/** An intent as it settled: its summary, the facts its settlement wrote, and what the kit saw of its attempts. */
export interface Settlement {
  readonly intent: IntentSummary;
  /** The ledger events the settlement's transaction wrote (they carry its `settledAt` as `ts`), by id. */
  readonly facts: LedgerEvent[];
  /** Settlement callbacks called, and reads of the signal (recorded once the kit reached the scope). */
  readonly observed: Readonly<Observed>;
}

const TERMINAL: ReadonlySet<string> = new Set(["completed", "completed_after_cancel_requested", "cancelled", "failed", "rejected"]);

export interface SettlementOptions {
  /** How long to wait, in real time; default 10 000 ms. */
  readonly timeoutMs?: number;
  /** Travel in time to the intent's next fire time (a later `at`, a retry's backoff) instead of waiting for it; default true. */
  readonly travel?: boolean;
}

/**
 * Waits until intent `intentEventId` settles and answers how (`Settlement`).
 * A retry's backoff, or a fire time ahead, is travelled to, not waited for.
 * Rejects for an unknown intent, or after `timeoutMs` of real time.
 */
export async function settlement(stub: AgentStub, intentEventId: number, options: SettlementOptions = {}): Promise<Settlement> {
  const { timeoutMs = 10_000, travel = true } = options;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const seen = await inside(stub, (instance) => {
      const intent = instance.intent(intentEventId);
      if (intent === null || !TERMINAL.has(intent.phase)) {
        const clock = clockOf(instance);
        // Due later: move there rather than wait (a running attempt is left to end).
        if (
          travel &&
          intent !== null &&
          (intent.phase === "scheduled" || intent.phase === "retry_scheduled") &&
          intent.fireAt > clock.now()
        )
          clock.advance(intent.fireAt - clock.now());
        return { intent, facts: [], observed: null };
      }
      const facts = instance.events({ afterId: intentEventId }).filter((event) => event.ts === intent.settledAt);
      const observed = portOf(instance).observe(intentEventId);
      return { intent, facts, observed: { ...observed, callbacks: [...observed.callbacks] } };
    });
    if (seen.intent === null) throw new Error(`settlement: no intent ${intentEventId} in this scope`);
    if (seen.observed !== null) return seen as Settlement;
    if (Date.now() >= deadline) throw new Error(`settlement: intent ${intentEventId} is still ${seen.intent.phase} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/**
 * What the contract asks of one settled intent, as problems (none: kept):
 * exactly one settlement callback returned, and it is the one its phase says
 * (`commit` for completed, `commitCancelled` for cancelled, `commitFailed`,
 * when the trigger has one, for failed), never both the outcome and the
 * cancel; its facts agree (the runtime's failure fact exactly when a failure
 * had no commitFailed); and an acquire that saw its signal aborted did not go on to commit
 * an outcome, nor to another await: cooperative means it stops at the first
 * check that sees the cancel.
 */
export function contractProblems({ intent, facts, observed }: Settlement): string[] {
  const problems: string[] = [];
  const returned = observed.callbacks.filter((call) => call.returned).map((call) => call.callback);
  const expected =
    intent.phase === "cancelled"
      ? "commitCancelled"
      : intent.phase === "failed"
        ? "commitFailed"
        : intent.phase === "rejected"
          ? null
          : "commit";
  if (returned.length > 1)
    problems.push(`settled ${returned.length} times (${returned.join(", ")}); exactly one settlement callback may commit`);
  // A failed intent's commitFailed is optional: without one, the runtime's own failure fact settles it.
  else if (returned.length === 1 ? returned[0] !== expected : expected !== null && expected !== "commitFailed") {
    problems.push(
      `phase ${intent.phase}, but ${returned.length === 0 ? "no settlement callback committed" : `${returned[0]} committed`} (expected ${expected})`,
    );
  }
  // The facts agree: the runtime's own failure fact is written exactly when a failure had no commitFailed to write its own.
  const runtimeFailure = facts.some((fact) => fact.kind === FAILED_EVENT);
  const owesRuntimeFailure = intent.phase === "failed" && !returned.includes("commitFailed");
  if (runtimeFailure !== owesRuntimeFailure) {
    problems.push(
      `phase ${intent.phase}, ${returned.length === 0 ? "no callback" : returned.join(", ")} committed, yet the settlement's facts ${runtimeFailure ? "hold" : "lack"} ${FAILED_EVENT}`,
    );
  }
  const { sawAbortAt, signalReads } = observed;
  if (sawAbortAt !== null && (returned.includes("commit") || signalReads > sawAbortAt)) {
    const wentOn = returned.includes("commit") ? "went on to an outcome (commit)" : `went on to await ${signalReads}`;
    problems.push(`the acquire saw its signal aborted at await ${sawAbortAt}, and ${wentOn} instead of stopping there`);
  }
  return problems;
}

/** One run of `cancelAtEveryAwait`: where it was cancelled (null: not at all), how it settled, and what broke the contract. */
export interface CancelRun {
  readonly cancelAt: number | null;
  readonly settlement: Settlement;
  readonly problems: string[];
}

/**
 * Runs `request`'s acquire once to the end, counting the `await`s it passes
 * (its reads of `ctx.signal`), then once more per `await`, cancelling at that
 * point, and checks the contract each time (`contractProblems`). Rejects with
 * every broken run listed; answers the runs when all kept it. Each run is a
 * new intent in `stub`'s scope (an `idempotencyKey` is dropped).
 */
export async function cancelAtEveryAwait(stub: AgentStub, request: EnqueueRequest, options: SettlementOptions = {}): Promise<CancelRun[]> {
  const { idempotencyKey: _, ...once } = request as EnqueueRequest & { idempotencyKey?: string };
  const run = async (n: number | null): Promise<CancelRun> => {
    if (n !== null) await cancelAt(stub, request.triggerKind, n);
    const { id } = await inside(stub, (instance) => instance.enqueueTrigger(once as EnqueueRequest));
    const settled = await settlement(stub, id, options);
    return { cancelAt: n, settlement: settled, problems: contractProblems(settled) };
  };
  const first = await run(null);
  const runs = [first];
  for (let n = 1; n <= first.settlement.observed.signalReads; n++) runs.push(await run(n));
  const broken = runs.filter((r) => r.problems.length > 0);
  if (broken.length > 0) {
    const lines = broken.map(
      (r) => `  ${r.cancelAt === null ? "not cancelled" : `cancelled at await ${r.cancelAt}`}: ${r.problems.join("; ")}`,
    );
    throw new Error(
      `cancelAtEveryAwait(${request.triggerKind}): the contract broke in ${broken.length} of ${runs.length} runs\n${lines.join("\n")}`,
    );
  }
  return runs;
}
