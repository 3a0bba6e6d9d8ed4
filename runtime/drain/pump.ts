import { describeError } from "../contract/errors.ts";
import type { RegisteredTrigger } from "../definition/registry.ts";
import { settleRejected } from "../lifecycle/settle.ts";
import { Attempts, type DrainHost } from "./attempts.ts";
import { TestPort } from "./test-port.ts";

/**
 * What one step of time's work did: how much it handled, and whether more may be left for the next step
 * (the drain's port to `time/`, which answers it with `time/steps.ts`).
 */
export interface TimeStep {
  readonly handled: number;
  readonly more: boolean;
}

/**
 * Acquires that end without I/O (a cache hit, a no-op) would otherwise let one
 * drain run through its whole backlog in a single turn: every so often it
 * yields, so that storage commits and other requests get in.
 */
const YIELD_EVERY = 256;
/** How many due rows of one kind a look reads at once (and at most 8 MiB of their payloads). */
const DUE_BATCH = 64;

const nextTurn = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

/**
 * The drain. One loop per object, started by new due work or by the alarm:
 * it claims due rows up to each kind's concurrency, runs their acquires,
 * settles each as it ends (those that end together, together), sleeps
 * until a slot frees or the next due time or claim deadline, and when
 * nothing it started is still running and nothing is left to look at,
 * re-arms the alarm and returns.
 */
export class Pump {
  private readonly attempts: Attempts;
  /** The test kit's port (see `test-port.ts`): idle unless a test reached it. */
  readonly port = new TestPort();
  /** The drain that is running, or scheduled to: from when it is started until the step in which it decides to end. */
  private loop: Promise<void> | null = null;
  /**
   * Intents handled since the drain last let other work in, counted across
   * drains: with enqueues awaited one at a time, each drain may handle one
   * intent and end, and the caller's loop would then run every settlement in
   * its one turn.
   */
  private handledSinceYield = 0;
  /**
   * Which kinds the next look must query. Every kind after an alarm or a
   * timed wake (time itself made work due); otherwise only the kinds that got
   * new work (`memory.takeNewKinds`) and those in `lookAgain`, so that a drain's
   * cost per intent does not grow with the number of registered kinds.
   */
  private lookAtEveryKind = true;
  /** Kinds with a slot just freed, or whose last look settled rows without running them: there may be more. */
  private readonly lookAgain = new Set<string>();
  /** When the drain last looked at every kind: a sleep wakes for any time after it, even one that passed meanwhile. */
  private lookedAt = Number.MIN_SAFE_INTEGER;
  /** Time's work said more may be left (a batch of schedules fired, more due): the next look does another step of it. */
  private timeAgain = false;

  /**
   * `onTime` does a step of what time itself brings at `now` (timeouts, a
   * batch of schedules), before each look at every kind and again at each
   * look while it answers `more`; what it handled counts towards the drain's
   * yields, so that a crowd of schedules due at once lets requests in.
   */
  constructor(
    private readonly host: DrainHost,
    private readonly onTime: (now: number) => TimeStep = () => ({ handled: 0, more: false }),
  ) {
    this.attempts = new Attempts(host, (kind) => this.lookAgain.add(kind), this.port);
    host.waker.drainWith(() => this.kick());
  }

  /** The alarm's drain: looks at every kind, joining the drain already running, if any. */
  drain(): Promise<void> {
    this.lookAtEveryKind = true;
    return this.loopNow();
  }

  /** New due work: a sleeping drain looks again now, or a drain starts now rather than when the alarm fires. */
  private kick(): void {
    if (this.loop) this.host.waker.wake();
    else this.loopNow().catch((error) => console.error("durable trigger drain failed", describeError(error)));
  }

  private loopNow(): Promise<void> {
    if (this.loop) {
      this.host.waker.wake();
      return this.loop;
    }
    // Started from a microtask, so that it never runs inside the caller's stack, yet in the same turn.
    // It lets go of `loop` itself, in the step of its last look, so that work written after that
    // look always finds no drain and starts one (see `run`).
    this.loop = Promise.resolve().then(() => this.run());
    return this.loop;
  }

  private async run(): Promise<void> {
    const { memory, waker } = this.host;
    try {
      for (;;) {
        this.handledSinceYield += this.startDue(this.host.clock.now());
        if (this.handledSinceYield >= YIELD_EVERY) {
          this.handledSinceYield = 0;
          await nextTurn();
          continue;
        }
        const moreToLookAt = this.lookAgain.size > 0 || memory.hasNewKinds || this.timeAgain;
        if (this.attempts.running === 0 && !moreToLookAt) return;
        if (!moreToLookAt && (await waker.sleepUntilNextWake(this.lookedAt)) === "timer") this.lookAtEveryKind = true;
      }
    } finally {
      // No await since the last look: no work can have been written unseen.
      this.loop = null;
      waker.drainEnded();
    }
  }

  /** Starts or settles every row it can now; answers how many it handled. */
  private startDue(now: number): number {
    const { registry, store, memory } = this.host;
    let handled = 0;
    if (this.lookAtEveryKind) {
      // Time itself made work due: what is known without storage no longer holds.
      memory.distrust();
      this.lookedAt = now;
    }
    if (this.lookAtEveryKind || this.timeAgain) {
      const step = this.onTime(now);
      this.timeAgain = step.more;
      handled += step.handled;
    }
    const newKinds = memory.takeNewKinds();
    const kinds = this.lookAtEveryKind ? store.work.unsettledKinds() : [...newKinds, ...this.lookAgain];
    this.lookAtEveryKind = false;
    this.lookAgain.clear();
    for (const kind of new Set(kinds)) {
      const registered = registry.get(kind);
      if (registered === undefined) {
        // Only an earlier deployment can have left these: enqueue refuses unknown kinds.
        const { rows } = memory.due(kind, now, 100, false);
        for (const row of rows) settleRejected(this.host, row, `no trigger of kind "${kind}" is registered`);
        if (rows.length > 0) this.lookAgain.add(kind);
        handled += rows.length;
        continue;
      }
      handled += this.startKind(this.port.wrap(registered), now);
    }
    return handled;
  }

  /**
   * Starts due rows of one kind while it has free slots. It reads as many
   * due rows as there are free slots and claims them in one statement. An
   * acquire that answers at once (a value, or a synchronous throw) is settled
   * right there, in its own transaction, and frees its slot: when every slot
   * is still free after a look, the next look reads a batch of
   * `DUE_BATCH` rows, so that a backlog of such work costs one query per
   * batch rather than one per intent. Rows that cannot run are settled as
   * they come.
   */
  private startKind(registered: RegisteredTrigger, now: number): number {
    let free = registered.concurrency - this.attempts.busy(registered.kind, now);
    if (free <= 0) return 0;
    let handled = 0;
    for (let limit = Math.min(free, DUE_BATCH); ; limit = DUE_BATCH) {
      const { rows, more } = this.host.memory.due(registered.kind, now, limit);
      const before = free;
      free = this.attempts.startRows(registered, rows, free, now);
      handled += rows.length;
      // No slot left: a running attempt looks again when it ends. Nothing more due: done.
      if (free <= 0 || !more) return handled;
      if (free < before || handled >= DUE_BATCH) {
        // Some work is running, or this look was long enough: the drain looks again after a turn of its loop.
        this.lookAgain.add(registered.kind);
        return handled;
      }
    }
  }

  /** Aborts the running acquire of an intent, if this object runs it. */
  abort(intentId: number, reason: string | null): void {
    this.attempts.abort(intentId, reason);
  }

  /** Lets go of a running acquire whose intent settled without it (a timeout): its slot is free, its late result dropped. */
  abandon(intentId: number): void {
    this.attempts.abandon(intentId);
  }
}
