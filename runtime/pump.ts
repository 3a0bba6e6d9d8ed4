import { CancellationError, ClaimExpiredError, describeError, isCancellationError } from "./errors";
import { parseIntent } from "./intents";
import type { RegisteredTrigger } from "./registry";
import { announce, rearmAlarm, type Scope } from "./scope";
import { cancellationInfo, failAttempt, settle, settleCancelled, settleFailed, settleRejected } from "./settle";
import type { AcquireContext, ParseResult } from "./types";
import type { Claim, WorkRow } from "./work";

interface Running {
  readonly token: string;
  readonly kind: string;
  readonly deadline: number;
  readonly controller: AbortController;
}

type AcquireResult = { readonly ok: true; readonly outcome: unknown } | { readonly ok: false; readonly error: unknown };

/**
 * The drain. One loop per object, started by the alarm: it claims due rows
 * up to each kind's concurrency, runs their acquires, settles each as it
 * ends, sleeps until the next due time or claim deadline, and when nothing it
 * started is still running, re-arms the alarm and returns.
 */
export class Pump {
  private readonly running = new Map<number, Running>();
  private wake: (() => void) | null = null;
  private loop: Promise<void> | null = null;

  constructor(private readonly scope: Scope) {}

  drain(): Promise<void> {
    this.loop ??= this.run().finally(() => {
      this.loop = null;
    });
    return this.loop;
  }

  /**
   * New due work: a sleeping drain looks again now, or a drain starts now
   * rather than when the alarm fires. The alarm stays armed regardless; when
   * it fires it joins this drain, and it is what brings the work back if the
   * object is evicted meanwhile.
   */
  kick(): void {
    if (this.loop) this.wake?.();
    else this.drain().catch((error) => console.error("durable trigger drain failed", describeError(error)));
  }

  /** Aborts the running acquire of an intent, if this object runs it. */
  abort(intentId: number, reason: string | null): void {
    this.running.get(intentId)?.controller.abort(new CancellationError(reason ?? undefined));
  }

  private async run(): Promise<void> {
    try {
      for (;;) {
        this.startDue(Date.now());
        if (this.running.size === 0) return;
        await this.sleepUntil(this.scope.work.nextWake());
      }
    } finally {
      await rearmAlarm(this.scope);
    }
  }

  private startDue(now: number): void {
    const { registry, work } = this.scope;
    for (const registered of registry.values()) {
      const free = registered.concurrency - this.busy(registered.kind, now);
      if (free > 0) for (const row of work.due(registered.kind, now, free)) this.start(registered, row, now);
    }
    for (const row of work.dueOfUnknownKinds([...registry.keys()], now, 100)) {
      settleRejected(this.scope, row, `no trigger of kind "${row.triggerKind}" is registered`);
    }
  }

  /** Claims that still hold; an expired one frees its slot for the redrive. */
  private busy(kind: string, now: number): number {
    let count = 0;
    for (const running of this.running.values()) if (running.kind === kind && running.deadline > now) count++;
    return count;
  }

  private start(registered: RegisteredTrigger, row: WorkRow, now: number): void {
    const { scope } = this;
    const parsed = this.storedIntent(registered, row.intentId);
    if (!parsed.ok) return settleRejected(scope, row, parsed.reason);
    if (row.claim !== null && row.attempts >= registered.retry.maxAttempts) {
      // The last allowed attempt lost its claim: settle rather than redrive forever.
      const error = new ClaimExpiredError(`attempt ${row.attempts} held its claim past the deadline without a result`);
      return settleFailed(scope, registered, row.intentId, "redrive", row.attempts, parsed.intent, error);
    }
    const claim = scope.work.claim(row, crypto.randomUUID(), now, registered.acquireDeadlineMs);
    if (claim === null) return;
    announce(scope, claim.intentId);
    void this.attempt(registered, claim, parsed.intent, now);
  }

  private storedIntent(registered: RegisteredTrigger, intentId: number): ParseResult<unknown> {
    const event = this.scope.ledger.get(intentId);
    if (event === null) return { ok: false, reason: `intent event ${intentId} is missing` };
    const parsed = parseIntent(registered, event.payload);
    return parsed.ok ? parsed : { ok: false, reason: `stored intent no longer parses: ${parsed.reason}` };
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
      const cancel = row.cancel ?? { requestedAt: Date.now(), reason: null };
      refused = settleCancelled(scope, registered, claim.intentId, claim.mode, intent, cancellationInfo(cancel));
    } else {
      refused = null;
      failAttempt(scope, registered, claim, intent, result.error);
    }
    if (refused) failAttempt(scope, registered, claim, intent, refused);
  }

  private sleepUntil(at: number | null): Promise<void> {
    return new Promise((resolve) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const done = () => {
        if (timer !== undefined) clearTimeout(timer);
        this.wake = null;
        resolve();
      };
      if (at !== null) timer = setTimeout(done, Math.max(0, at - Date.now()));
      this.wake = done;
    });
  }
}
