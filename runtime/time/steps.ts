/**
 * Time's work in steps: what time itself brings (deadlines passed, schedules
 * due) is done a batch at a time, so that the drain can let requests in
 * between batches, and each batch commits on its own, so that an object lost
 * between two batches leaves the rest to do, each once, for the next instance.
 */

/** What one step of time's work did: how much it handled, and whether more may be left for the next step. */
export interface TimeStep {
  readonly handled: number;
  readonly more: boolean;
}

/** One batch of time's work at `now`. */
export type TimeBatch = (now: number) => TimeStep;

/**
 * Handles one batch of `rows`, just read (a bounded read: at most a batch),
 * in the same synchronous step, so that no other code can change a row
 * between its read and its handling. More may be left while a read finds any.
 */
export function batchOf<Row>(rows: readonly Row[], handle: (row: Row) => void): TimeStep {
  for (const row of rows) handle(row);
  return { handled: rows.length, more: rows.length > 0 };
}

/**
 * Several kinds of time's work as one step, in order: a step runs a batch of
 * the first that has more, and of those after it only once all before it are
 * done, so each kind is done before the next starts, as if done all at once.
 */
export function inOrder(...batches: readonly TimeBatch[]): TimeBatch {
  return (now) => {
    let handled = 0;
    for (const batch of batches) {
      const step = batch(now);
      handled += step.handled;
      if (step.more) return { handled, more: true };
    }
    return { handled, more: false };
  };
}

/** Every batch at `now`, one after another without a pause; answers how many it handled. */
export function allAt(batch: TimeBatch, now: number): number {
  let handled = 0;
  for (let more = true; more; ) {
    const step = batch(now);
    handled += step.handled;
    more = step.more;
  }
  return handled;
}
