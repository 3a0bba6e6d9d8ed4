import { hiddenSlot } from "../contract/hidden-slot.ts";

/**
 * The one place the runtime reads time. Every "now" of an object (a fire
 * time, a claim's deadline, a backoff, `tx.now`, the drain's sleep) is its
 * clock's `now()`, so that a test can move that object's time without
 * waiting for it.
 */
export interface Clock {
  now(): number;
}

/** The system's time, unmoved. */
export const systemClock: Clock = { now: () => Date.now() };

/**
 * An object's clock: the system's time, plus however far a test moved it.
 *
 * Time travel (for the test kit): reach the object's clock through
 * `runInDurableObject(stub, (instance) => clockOf(instance).advance(ms))`.
 * `advance` moves that object's time forward and has its drain look at every
 * kind at once, as the alarm would: deadlines that passed, schedules due,
 * retries whose backoff ended and work due by then all run without real
 * waiting. The alarm, armed in the moved time, stays a backstop; an alarm the
 * test runs (`runDurableObjectAlarm`) drains as well. Time never moves back.
 */
export class ObjectClock implements Clock {
  #offset = 0;
  readonly #advanced: (() => void)[] = [];

  now(): number {
    return Date.now() + this.#offset;
  }

  /** Moves this object's time forward by `ms`, then tells whoever asked (`onAdvance`): the drain looks at every kind. */
  advance(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0)
      throw new RangeError(`clock.advance: ms must be a finite number of milliseconds, at least 0 (got ${ms})`);
    this.#offset += ms;
    for (const advanced of this.#advanced) advanced();
  }

  /** Runs `advanced` after every `advance`. */
  onAdvance(advanced: () => void): void {
    this.#advanced.push(advanced);
  }
}

const clockSlot = hiddenSlot<ObjectClock>("clock");

/** Gives `object` (an instance of a class built by `defineAgentDO`) its clock. */
export const keepClock: (object: object, clock: ObjectClock) => void = clockSlot.keep;

/** The clock of an instance of a class built by `defineAgentDO` (inside `runInDurableObject`). */
export const clockOf: (object: object) => ObjectClock = clockSlot.of;
