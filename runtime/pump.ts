import { CancellationError, cancellationReasonOf, ClaimExpiredError, describeError, isCancellationError } from "./errors.ts";
import { parseIntent } from "./intents.ts";
import type { RegisteredTrigger } from "./registry.ts";
import { announce, type Scope } from "./scope.ts";
import { cancellationInfo, failAttempt, settle, settleCancelled, settleFailed, settleRejected } from "./settle.ts";
import type { AcquireContext, ParseResult } from "./types.ts";
import type { Claim, DueRow } from "./work.ts";

interface Running {
  readonly token: string;
  readonly kind: string;
  readonly deadline: number;
  readonly controller: AbortController;
}

/**
 * Acquires that end without I/O (a cache hit, a no-op) would otherwise let one
 * drain run through its whole backlog in a single turn: every so often it
 * yields, so that storage commits and other requests get in.
 */
const YIELD_EVERY = 256;

const nextTurn = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

type AcquireResult = { readonly ok: true; readonly outcome: unknown } | { readonly ok: false; readonly error: unknown };

/**
 * The drain. One loop per object, started by new due work or by the alarm:
 * it claims due rows up to each kind's concurrency, runs their acquires,
 * settles each as it ends, sleeps until a slot frees or the next due time or
 * claim deadline, and when nothing it started is still running and nothing
 * is left to look at, re-arms the alarm and returns.
 */
export class Pump {
  private readonly running = new Map<number, Running>();
  private wake: (() => void) | null = null;
  private loop: Promise<void> | null = null;
  /**
   * Which kinds the next look must query. Every kind after an alarm or a
   * timed wake (time itself made work due); otherwise only the kinds that got
   * new work (`scope.newWork`) and those in `lookAgain`, so that a drain's
   * cost per intent does not grow with the number of registered kinds.
   */
  private lookAtEveryKind = true;
  /** Kinds with a slot just freed, or whose last look settled rows without running them: there may be more. */
  private readonly lookAgain = new Set<string>();

  /** Stamps every claim token this instance issues, so that a claim it did not make is known for what it is. */
  private readonly instance = crypto.randomUUID();
  private claims = 0;

  /**
   * A Durable Object runs as one instance at a time, so a claim in storage
   * when a pump is created (once per instance, before it has claimed
   * anything) was made by an instance that is gone: its acquire will never
   * answer. Those claims end now, rather than at their deadline, and a drain
   * takes them over at once: an alarm set for now may take seconds to fire.
   * It starts once the alarm's time is known, since a drain arms the alarm.
   */
  constructor(private readonly scope: Scope) {
    if (scope.work.expireClaims(Date.now()) > 0) void scope.alarm.load().then(() => this.kick());
  }

  /** Whether this instance made the claim with this token; any other belongs to a dead instance. */
  issued(token: string): boolean {
    return token.startsWith(`${this.instance}:`);
  }

  /** The alarm's drain: looks at every kind, joining the drain already running, if any. */
  drain(): Promise<void> {
    this.lookAtEveryKind = true;
    return this.loopNow();
  }

  /**
   * New due work: a sleeping drain looks again now, or a drain starts now
   * rather than when the alarm fires. The alarm stays armed regardless; it is
   * what brings the work back if the object is evicted meanwhile.
   */
  kick(): void {
    this.loopNow().catch((error) => console.error("durable trigger drain failed", describeError(error)));
  }

  /**
   * Work was added for later. A running drain may be asleep until a later
   * time (a running acquire's deadline), and the alarm cannot help while its
   * handler is that drain: it looks again and sleeps until the sooner time.
   */
  addedForLater(): void {
    this.wake?.();
  }

  private loopNow(): Promise<void> {
    if (this.loop) {
      this.wake?.();
      return this.loop;
    }
    // Started from a microtask, so that it never runs inside the caller's stack, yet in the same turn.
    this.loop = Promise.resolve()
      .then(() => this.run())
      .finally(() => {
        this.loop = null;
      });
    return this.loop;
  }

  /** Aborts the running acquire of an intent, if this object runs it. */
  abort(intentId: number, reason: string | null): void {
    this.running.get(intentId)?.controller.abort(new CancellationError(reason ?? undefined));
  }

  private async run(): Promise<void> {
    try {
      for (let handled = 0; ; ) {
        handled += this.startDue(Date.now());
        const moreToLookAt = this.lookAgain.size > 0 || this.scope.newWork.size > 0;
        if (this.running.size === 0 && !moreToLookAt) return;
        if (handled >= YIELD_EVERY) {
          handled = 0;
          await nextTurn();
        } else if (!moreToLookAt && (await this.sleepUntil(this.scope.work.nextWake(Date.now()))) === "timer") {
          this.lookAtEveryKind = true;
        }
      }
    } finally {
      this.scope.alarm.armExactly(this.scope.work.nextWake());
    }
  }

  /** Starts or settles every row it can now; answers how many it handled. */
  private startDue(now: number): number {
    const { registry, work, newWork } = this.scope;
    const kinds = this.lookAtEveryKind ? work.unsettledKinds() : [...newWork, ...this.lookAgain];
    this.lookAtEveryKind = false;
    newWork.clear();
    this.lookAgain.clear();
    let handled = 0;
    for (const kind of new Set(kinds)) {
      const registered = registry.get(kind);
      if (registered === undefined) {
        // Only an earlier deployment can have left these: enqueue refuses unknown kinds.
        const rows = work.due(kind, now, 100);
        for (const row of rows) settleRejected(this.scope, row, `no trigger of kind "${kind}" is registered`);
        if (rows.length > 0) this.lookAgain.add(kind);
        handled += rows.length;
        continue;
      }
      const free = registered.concurrency - this.busy(kind, now);
      if (free <= 0) continue;
      for (const row of work.due(kind, now, free)) {
        if (this.start(registered, row, now) === "settled") this.lookAgain.add(kind);
        handled++;
      }
    }
    return handled;
  }

  /** Claims that still hold; an expired one frees its slot for the redrive. */
  private busy(kind: string, now: number): number {
    let count = 0;
    for (const running of this.running.values()) if (running.kind === kind && running.deadline > now) count++;
    return count;
  }

  /** Starts an attempt on a due row, or settles the row when it cannot run. */
  private start(registered: RegisteredTrigger, row: DueRow, now: number): "started" | "settled" | "taken" {
    const { scope } = this;
    const parsed = storedIntent(registered, row);
    if (!parsed.ok) {
      settleRejected(scope, row, parsed.reason);
      return "settled";
    }
    if (row.claim !== null && row.attempts >= registered.retry.maxAttempts) {
      // The last allowed attempt lost its claim: settle rather than redrive forever.
      this.settleLostClaim(registered, row, parsed.intent);
      return "settled";
    }
    const claim = scope.work.claim(row, `${this.instance}:${++this.claims}`, now, registered.acquireDeadlineMs);
    if (claim === null) return "taken";
    announce(scope, claim.intentId);
    void this.attempt(registered, claim, parsed.intent, now);
    return "started";
  }

  /**
   * Settles a row whose last allowed attempt lost its claim. A cancel was
   * asked for and nothing will ever answer it now, so the request is what
   * ends the work: cancelled, not failed. Otherwise it failed, ClaimExpired.
   */
  private settleLostClaim(registered: RegisteredTrigger, row: DueRow, intent: unknown): void {
    const { scope } = this;
    let error: unknown = new ClaimExpiredError(`attempt ${row.attempts} held its claim past the deadline without a result`);
    if (row.cancel !== null) {
      const refused = settleCancelled(scope, registered, row.intentId, "redrive", intent, cancellationInfo(row.cancel));
      if (refused === null) return;
      error = refused; // commitCancelled was refused, and no attempt is left to try it again
    }
    settleFailed(scope, registered, row.intentId, "redrive", row.attempts, intent, error);
  }

  private async attempt(registered: RegisteredTrigger, claim: Claim, intent: unknown, now: number): Promise<void> {
    const { scope } = this;
    const controller = new AbortController();
    if (claim.cancel !== null && registered.trigger.cancellation === "cooperative") {
      controller.abort(new CancellationError(claim.cancel.reason ?? undefined));
    }
    this.running.set(claim.intentId, { token: claim.token, kind: claim.triggerKind, deadline: claim.deadline, controller });

    const ctx: AcquireContext = {
      scope: scope.name,
      intentEventId: claim.intentId,
      attempt: claim.attempt,
      acquireMode: claim.mode,
      signal: controller.signal,
      now,
      env: scope.env,
      events: (query) => scope.ledger.read(query),
      progress: (payload) => scope.watchers.progress(claim.intentId, payload),
    };
    let result: AcquireResult;
    try {
      result = { ok: true, outcome: await registered.trigger.acquire(intent, ctx) };
    } catch (error) {
      result = { ok: false, error };
    }
    if (this.running.get(claim.intentId)?.token === claim.token) this.running.delete(claim.intentId);
    this.lookAgain.add(claim.triggerKind);
    try {
      this.settleAttempt(registered, claim, intent, result, controller.signal);
    } catch (error) {
      // Only storage itself fails here; the claim stays and its deadline brings a redrive.
      console.error(`durable trigger "${claim.triggerKind}" intent ${claim.intentId}: settling failed`, describeError(error));
    }
    this.wake?.();
  }

  private settleAttempt(registered: RegisteredTrigger, claim: Claim, intent: unknown, result: AcquireResult, signal: AbortSignal): void {
    const { scope } = this;
    const row = scope.work.owned(claim.intentId, claim.token);
    if (row === null) return; // a lost claim: its late result is dropped
    const cancelled = !result.ok && (signal.aborted || isCancellationError(result.error));
    let refused: Error | null;
    if (result.ok) {
      refused = settle(scope, claim.intentId, claim.mode, "completed", (tx) => registered.trigger.commit(result.outcome, tx));
    } else if (cancelled) {
      // No request: the acquire stopped itself, and its CancellationError says why.
      const cancel = row.cancel ?? { requestedAt: Date.now(), reason: cancellationReasonOf(result.error) };
      refused = settleCancelled(scope, registered, claim.intentId, claim.mode, intent, cancellationInfo(cancel));
    } else {
      refused = null;
      failAttempt(scope, registered, claim, intent, result.error);
    }
    if (refused) failAttempt(scope, registered, claim, intent, refused);
  }

  /** Sleeps until `at` ("timer") or until `wake` is called ("woken"), whichever comes first. */
  private sleepUntil(at: number | null): Promise<"timer" | "woken"> {
    return new Promise((resolve) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const done = (why: "timer" | "woken") => {
        if (timer !== undefined) clearTimeout(timer);
        this.wake = null;
        resolve(why);
      };
      if (at !== null) timer = setTimeout(() => done("timer"), Math.max(0, at - Date.now()));
      this.wake = () => done("woken");
    });
  }
}

function storedIntent(registered: RegisteredTrigger, row: DueRow): ParseResult<unknown> {
  if (row.intentPayload === null) return { ok: false, reason: `intent event ${row.intentId} is missing` };
  const parsed = parseIntent(registered, JSON.parse(row.intentPayload));
  return parsed.ok ? parsed : { ok: false, reason: `stored intent no longer parses: ${parsed.reason}` };
}
