import { CancellationError, describeError } from "./errors.ts";
import { storedIntent } from "./intents.ts";
import type { Ledger } from "./ledger.ts";
import type { RegisteredTrigger } from "./registry.ts";
import type { Scheduler } from "./scheduler.ts";
import { settleLostClaim, settleOutcome, settleRejected, type AcquireResult, type SettleHost } from "./settle.ts";
import type { AcquireContext } from "./types.ts";
import type { Watchers } from "./watch.ts";
import type { Claim, DueRow } from "./work.ts";

/** What the drain needs: the work it claims and settles, and what an acquire's `ctx` hands out. */
export interface DrainHost extends SettleHost {
  readonly name: string;
  readonly env: unknown;
  readonly ledger: SettleHost["ledger"] & Pick<Ledger, "read">;
  readonly watchers: Pick<Watchers, "progress">;
  readonly work: SettleHost["work"] &
    Pick<Scheduler, "drainWith" | "due" | "unsettledKinds" | "claim" | "hasNewKinds" | "takeNewKinds" | "sleepUntilNextWake" | "wake" | "drainEnded">;
}

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

/**
 * The drain. One loop per object, started by new due work or by the alarm:
 * it claims due rows up to each kind's concurrency, runs their acquires,
 * settles each as it ends, sleeps until a slot frees or the next due time or
 * claim deadline, and when nothing it started is still running and nothing
 * is left to look at, re-arms the alarm and returns.
 */
export class Pump {
  private readonly running = new Map<number, Running>();
  private loop: Promise<void> | null = null;
  /**
   * Which kinds the next look must query. Every kind after an alarm or a
   * timed wake (time itself made work due); otherwise only the kinds that got
   * new work (`work.takeNewKinds`) and those in `lookAgain`, so that a drain's
   * cost per intent does not grow with the number of registered kinds.
   */
  private lookAtEveryKind = true;
  /** Kinds with a slot just freed, or whose last look settled rows without running them: there may be more. */
  private readonly lookAgain = new Set<string>();

  constructor(private readonly host: DrainHost) {
    host.work.drainWith(() => this.kick());
  }

  /** The alarm's drain: looks at every kind, joining the drain already running, if any. */
  drain(): Promise<void> {
    this.lookAtEveryKind = true;
    return this.loopNow();
  }

  /** New due work: a sleeping drain looks again now, or a drain starts now rather than when the alarm fires. */
  private kick(): void {
    this.loopNow().catch((error) => console.error("durable trigger drain failed", describeError(error)));
  }

  private loopNow(): Promise<void> {
    if (this.loop) {
      this.host.work.wake();
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
    const { work } = this.host;
    try {
      for (let handled = 0; ; ) {
        handled += this.startDue(Date.now());
        const moreToLookAt = this.lookAgain.size > 0 || work.hasNewKinds;
        if (this.running.size === 0 && !moreToLookAt) return;
        if (handled >= YIELD_EVERY) {
          handled = 0;
          await nextTurn();
        } else if (!moreToLookAt && (await work.sleepUntilNextWake()) === "timer") {
          this.lookAtEveryKind = true;
        }
      }
    } finally {
      work.drainEnded();
    }
  }

  /** Starts or settles every row it can now; answers how many it handled. */
  private startDue(now: number): number {
    const { registry, work } = this.host;
    const newKinds = work.takeNewKinds();
    const kinds = this.lookAtEveryKind ? work.unsettledKinds() : [...newKinds, ...this.lookAgain];
    this.lookAtEveryKind = false;
    this.lookAgain.clear();
    let handled = 0;
    for (const kind of new Set(kinds)) {
      const registered = registry.get(kind);
      if (registered === undefined) {
        // Only an earlier deployment can have left these: enqueue refuses unknown kinds.
        const rows = work.due(kind, now, 100, false);
        for (const row of rows) settleRejected(this.host, row, `no trigger of kind "${kind}" is registered`);
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
    const { host } = this;
    const parsed = storedIntent(registered, row.intentId, row.intentPayload);
    if (!parsed.ok) {
      settleRejected(host, row, parsed.reason);
      return "settled";
    }
    if (row.claim !== null && row.attempts >= registered.retry.maxAttempts) {
      // The last allowed attempt lost its claim: settle rather than redrive forever.
      settleLostClaim(host, registered, row, parsed.intent);
      return "settled";
    }
    const claim = host.work.claim(row, now, registered.acquireDeadlineMs);
    if (claim === null) return "taken";
    void this.attempt(registered, claim, parsed.intent, now);
    return "started";
  }

  private async attempt(registered: RegisteredTrigger, claim: Claim, intent: unknown, now: number): Promise<void> {
    const { host } = this;
    const controller = new AbortController();
    if (claim.cancel !== null && registered.trigger.cancellation === "cooperative") {
      controller.abort(new CancellationError(claim.cancel.reason ?? undefined));
    }
    this.running.set(claim.intentId, { token: claim.token, kind: claim.triggerKind, deadline: claim.deadline, controller });

    const ctx: AcquireContext = {
      scope: host.name,
      intentEventId: claim.intentId,
      attempt: claim.attempt,
      acquireMode: claim.mode,
      signal: controller.signal,
      now,
      env: host.env,
      events: (query) => host.ledger.read(query),
      progress: (payload) => host.watchers.progress(claim.intentId, payload),
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
      settleOutcome(host, registered, claim, intent, result, controller.signal);
    } catch (error) {
      // Only storage itself fails here; the claim stays and its deadline brings a redrive.
      console.error(`durable trigger "${claim.triggerKind}" intent ${claim.intentId}: settling failed`, describeError(error));
    }
    host.work.wake();
  }
}
