import { earlier, fireTimeOf, type Change, type ChangeListener } from "../store/changes.ts";
import type { Clock } from "../store/clock.ts";
import { Alarm } from "./alarm.ts";

/** What the waker asks of the drain's memory: when a drain is next needed. */
export interface WakeTimes {
  /** Asked of storage. */
  nextWake(): number | null;
  /** Known from the last answer for the same `after` while changes fold their times in. */
  nextWakeAfter(after: number): number | null;
  /** A drain ended at `now`: the time of the next one (the alarm's). */
  drainEnded(now: number): number | null;
}

/**
 * What wakes the drain: the object's alarm, the drain's timer and its sleep.
 * It listens to the store's changes, so that the rule "after writing work,
 * arm the alarm and wake the drain" is carried out in one place and no
 * writer can forget it: work due now starts (or wakes) the drain, work due
 * later wakes a sleeping one, and the alarm is armed no later than either.
 * It hears only committed changes: the alarm is never armed for a write that
 * did not stand.
 */
export class Waker implements ChangeListener {
  readonly #alarm: Alarm;
  /** Starts the drain, or wakes the running one; set by the drain itself. */
  #startDrain: () => void = () => {};
  /** Ends the drain's sleep; set while it sleeps. */
  #wake: ((why: "timer" | "woken") => void) | null = null;
  /**
   * The drain's timer, kept across sleeps that wait for the same time: a
   * drain woken by every enqueue while its slots are busy then sets no timer
   * and clears none each time.
   */
  #timer: { readonly at: number; readonly handle: ReturnType<typeof setTimeout> } | null = null;

  constructor(
    storage: DurableObjectStorage,
    private readonly store: { readonly clock: Clock; listen(listener: ChangeListener): void },
    private readonly memory: WakeTimes,
  ) {
    this.#alarm = new Alarm(storage, store.clock);
    store.listen(this);
  }

  /** Runs when the object starts: pending work with no alarm (say, one deleted by hand) gets one. */
  start(blockConcurrencyWhile: (load: () => Promise<void>) => Promise<unknown>): void {
    void blockConcurrencyWhile(async () => {
      await this.#alarm.load();
      this.#alarm.armNoLaterThan(this.memory.nextWake());
    });
  }

  committed(changes: readonly Change[]): void {
    let earliest: number | null = null;
    for (const change of changes) {
      // Claims of a gone instance ended: a drain takes them over at once (an alarm set for now may take
      // seconds to fire), once the alarm's time is known, since a drain arms the alarm.
      if (change.kind === "claimsExpired") void this.#alarm.load().then(() => this.#startDrain());
      earliest = earlier(earliest, fireTimeOf(change));
    }
    if (earliest === null) return;
    this.#alarm.armNoLaterThan(earliest);
    // Due now: start the drain rather than wait for the alarm, which stays armed as the
    // backstop after an eviction. Due later: a drain asleep until a later time looks again.
    if (earliest <= this.store.clock.now()) this.#startDrain();
    else this.wake();
  }

  /** The drain registers how to start it (or wake it when it runs). */
  drainWith(start: () => void): void {
    this.#startDrain = start;
  }

  /** The alarm fired: the platform clears it once its handler succeeds, unless the handler sets it again. */
  alarmFired(): void {
    this.#alarm.fired();
  }

  /**
   * Sleeps until the next due time or claim deadline after `after` ("timer"),
   * or until `wake` is called ("woken"), whichever comes first. What is due now
   * and not started waits for a free slot, which wakes the drain, not for the clock.
   */
  sleepUntilNextWake(after = this.store.clock.now()): Promise<"timer" | "woken"> {
    const at = this.memory.nextWakeAfter(after);
    if (this.#timer !== null && this.#timer.at !== at) this.#stopTimer();
    if (at !== null && this.#timer === null) {
      // Fired while the drain was not asleep: the next sleep wants a time already passed, and sets one for now.
      const handle = setTimeout(
        () => {
          this.#timer = null;
          this.#wake?.("timer");
        },
        Math.max(0, at - this.store.clock.now()),
      );
      this.#timer = { at, handle };
    }
    return new Promise((resolve) => {
      this.#wake = (why) => {
        this.#wake = null;
        // Woken after the time it slept for: time made work due too, so it is the timer's wake as well.
        resolve(why === "woken" && at !== null && at <= this.store.clock.now() ? "timer" : why);
      };
    });
  }

  /** Wakes a sleeping drain, if one sleeps. */
  wake(): void {
    this.#wake?.("woken");
  }

  /** What a drain leaves behind: the alarm at the next time anything needs a drain, or none. */
  drainEnded(): void {
    this.#stopTimer();
    this.#alarm.armExactly(this.memory.drainEnded(this.store.clock.now()));
  }

  #stopTimer(): void {
    if (this.#timer === null) return;
    clearTimeout(this.#timer.handle);
    this.#timer = null;
  }
}
