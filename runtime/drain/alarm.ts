import type { Clock } from "../store/clock.ts";

/**
 * The times `setAlarm` takes, found by trying: none at or before the epoch, none
 * after int64 nanoseconds end in 2262; outside, it throws. Work may be due at
 * any time a Date can hold, which reaches much further either way.
 */
const EARLIEST_ALARM_MS = 1;
const LATEST_ALARM_MS = 9_223_372_036_854;

/**
 * The object's one alarm, with its time kept in memory. The runtime is the
 * only writer of the alarm, so after one read at construction the cached time
 * is the truth, and arming costs no storage round trip when an earlier alarm
 * is already set. That matters for speed: every await on storage ends the
 * turn, and every turn that wrote commits its own SQLite transaction.
 *
 * Writes are not awaited: the output gate holds every reply until they are
 * durable, and a failed write breaks the object, which is then reset.
 */
export class Alarm {
  // undefined until `load`: never trust a time that was not read.
  private armed: number | null | undefined;

  constructor(
    private readonly storage: DurableObjectStorage,
    private readonly clock: Clock,
  ) {}

  private loading: Promise<void> | null = null;

  /** Reads the alarm once; every later call answers the same read. */
  load(): Promise<void> {
    this.loading ??= this.storage.getAlarm().then((at) => {
      this.armed = at;
    });
    return this.loading;
  }

  /** Makes sure a drain happens at `at` or sooner. */
  armNoLaterThan(wanted: number | null): void {
    if (wanted === null) return;
    const at = settable(wanted);
    if (this.armed === undefined || this.armed === null || this.armed > at) this.set(at);
  }

  /**
   * What a drain leaves behind: exactly `at`, or no alarm. One exception: with
   * nothing left, an alarm already due stays. It fires once, finds nothing,
   * and the platform clears it; deleting it instead would cost a delete now
   * and a set again for the next intent, on every intent of a steady trickle.
   */
  armExactly(wanted: number | null): void {
    const at = wanted === null ? null : settable(wanted);
    if (at === this.armed) return;
    if (at === null) {
      if (this.armed != null && this.armed <= this.clock.now()) return;
      void this.storage.deleteAlarm();
      this.armed = null;
    } else this.set(at);
  }

  /** The platform clears an alarm once its handler succeeds, unless the handler sets it again. */
  fired(): void {
    this.armed = null;
  }

  private set(at: number): void {
    void this.storage.setAlarm(at);
    this.armed = at;
  }
}

/**
 * The alarm is a backstop, so a time outside its range is brought inside:
 * a past time fires now either way, and an alarm in 2262 for work due later
 * finds nothing due and is armed again.
 */
function settable(at: number): number {
  return Math.min(LATEST_ALARM_MS, Math.max(EARLIEST_ALARM_MS, at));
}
