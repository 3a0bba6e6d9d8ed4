import type { Settlement } from "../contract/types.ts";
import { CancelOnTable } from "./cancel-on-table.ts";
import type { Change, ChangeListener } from "./changes.ts";
import { systemClock, type Clock } from "./clock.ts";
import { ScheduleTable, type ScheduleReads, type ScheduleRow } from "./schedule-table.ts";
import { WorkQueries } from "./work-queries.ts";
import { newDueRow, WorkTable, type Attempt, type Claim, type NewWork, type WorkRow } from "./work-table.ts";

/** What one open transaction wrote, held until the outermost one commits. */
interface Open {
  readonly changes: Change[];
  /** What waits for the commit (`afterCommit`), in order. */
  readonly then: (() => void)[];
}

/**
 * The unit of work, and the only writer of the work, schedule and
 * cancel-on tables. Every write records one typed change (see `changes.ts`)
 * and publishes it to the listeners: at once as written, and with the rest
 * of its transaction once the outermost transaction commits; a rolled-back
 * transaction's changes are dropped. The store keeps nothing about what the
 * changes mean: the drain's memory, the waker and the watchers each listen.
 *
 * The clock is the store's port to time (`clock.ts`): every time a write
 * stamps, and every "now" the runtime reads, is `store.clock.now()`.
 */
export class Store {
  readonly #storage: DurableObjectStorage;
  readonly #work: WorkTable;
  readonly #schedules: ScheduleTable;
  readonly #cancelOn: CancelOnTable;
  readonly #listeners: ChangeListener[] = [];
  /** What each open transaction wrote, innermost last: a nested one merges into its parent when it commits. */
  readonly #open: Open[] = [];
  /** Stamps every claim token this instance issues, so that a claim it did not make is known for what it is. */
  readonly #instance = crypto.randomUUID();
  #claims = 0;

  /** Reads of the work table (no write goes through them). */
  readonly work: WorkQueries;
  /** Reads of the schedules table. */
  readonly schedules: ScheduleReads;
  /** Reads of the cancel-on keys. */
  readonly cancelOn: Pick<CancelOnTable, "matching">;

  constructor(
    storage: DurableObjectStorage,
    /** Trigger kinds whose work may have cancel-on-event keys: settling their work deletes its keys. */
    private readonly keyedKinds: ReadonlySet<string> = new Set(),
    /** The object's time: the only time the runtime reads. */
    readonly clock: Clock = systemClock,
  ) {
    this.#storage = storage;
    this.#work = new WorkTable(storage.sql);
    this.#schedules = new ScheduleTable(storage.sql);
    this.#cancelOn = new CancelOnTable(storage.sql);
    this.work = new WorkQueries(storage.sql);
    this.schedules = this.#schedules;
    this.cancelOn = this.#cancelOn;
  }

  /** Adds a listener to every change from now on; listeners hear a commit in the order they were added. */
  listen(listener: ChangeListener): void {
    this.#listeners.push(listener);
  }

  /**
   * Runs `write` in one SQL transaction (a savepoint when nested); its
   * changes are published once the outermost one commits, and what a
   * rolled-back one wrote is forgotten.
   */
  transaction<T>(write: () => T): T {
    const open: Open = { changes: [], then: [] };
    this.#open.push(open);
    let committed = false;
    try {
      const result = this.#storage.transactionSync(write);
      committed = true;
      return result;
    } finally {
      this.#open.pop();
      if (committed) {
        const parent = this.#open.at(-1);
        if (parent === undefined) this.#publish(open);
        else {
          parent.changes.push(...open.changes);
          parent.then.push(...open.then);
        }
      }
    }
  }

  /**
   * Runs `effect` once the outermost transaction commits, and never if it
   * rolls back; outside a transaction, at once. For what must not happen for
   * a write that did not stand, such as aborting a running acquire.
   */
  afterCommit(effect: () => void): void {
    const open = this.#open.at(-1);
    if (open === undefined) effect();
    else open.then.push(effect);
  }

  // Writes of work.

  /** A new intent's work row (see `NewWork`). */
  add(work: NewWork): void {
    this.#work.insert(work);
    this.#cancelOn.insert(work.intentId, work.cancelOnKeys);
    const { intentId: row, triggerKind, fireAt, startDeadline } = work;
    // Due at once and with no deadline: the drain can be handed it from memory.
    const fresh = startDeadline === null && fireAt <= this.clock.now();
    this.#record({ kind: "added", row, triggerKind, fireAt, deadlines: [startDeadline], due: newDueRow(work), fresh });
  }

  /** Clears a row's timeout deadlines once a timeout has answered, so that it is not answered again. */
  clearDeadlines(intentId: number): void {
    this.#work.clearDeadlines(intentId);
    this.#record({ kind: "deadlinesCleared", row: intentId });
  }

  /** Brings unclaimed work forward to `at` if it was due later. */
  bringForward(intentId: number, triggerKind: string, at: number): void {
    this.#work.fireNoLaterThan(intentId, at);
    this.#record({ kind: "broughtForward", row: intentId, triggerKind, fireAt: at });
  }

  /** Ends a failed attempt that has attempts left; the row fires again at `fireAt` (see `WorkTable.release`). */
  release(
    attempt: Pick<Attempt, "intentId" | "triggerKind" | "token" | "attempt">,
    fireAt: number,
    error: string,
    finishDeadline: number | null,
  ): void {
    this.#work.release(attempt, fireAt, error, finishDeadline);
    this.#record({ kind: "released", row: attempt.intentId, triggerKind: attempt.triggerKind, fireAt, deadlines: [finishDeadline] });
  }

  /** Records a cancel request; the first request's time and reason are kept. */
  requestCancel(intentId: number, now: number, reason: string | null): { requestedAt: number } {
    const answer = this.#work.requestCancel(intentId, now, reason);
    this.#record({ kind: "cancelRequested", row: intentId });
    return answer;
  }

  /** Settles a row; `attempts` is how many ran, counting one that ended without writing a claim. */
  settle(intentId: number, settlement: Settlement, now: number, error: string | null, attempts: number): void {
    // Only kinds with cancel-on-event rules have keys: without any, settling pays nothing for them.
    const kind = this.#work.settle(intentId, settlement, now, error, attempts, this.keyedKinds.size > 0);
    if (kind !== null && this.keyedKinds.has(kind)) this.#cancelOn.forget(intentId);
    this.#record({ kind: "settled", row: intentId });
  }

  /**
   * Claims due rows for this instance, in one statement; a row another claim got first is left out.
   * `finishMs` starts a row's finish timeout at its first claim.
   */
  claim(rows: readonly WorkRow[], now: number, deadlineMs: number, finishMs: number | null = null): Claim[] {
    const claims = this.#work.claim(rows, `${this.#instance}:${++this.#claims}:`, now, deadlineMs, finishMs);
    // Once its deadline passes, a claimed row is due again.
    const deadlines = [now + deadlineMs, finishMs === null ? null : now + finishMs];
    for (const claim of claims) this.#record({ kind: "claimed", row: claim.intentId, token: claim.token, deadlines });
    return claims;
  }

  /**
   * Ends every claim now. A Durable Object runs as one instance at a time, so
   * claims in storage when it starts were made by an instance that is gone:
   * its acquires will never answer. Answers how many there were.
   */
  expireClaims(): number {
    const expired = this.#work.expireClaims(this.clock.now());
    if (expired > 0) this.#record({ kind: "claimsExpired" });
    return expired;
  }

  /** Whether this instance made the claim with this token; any other belongs to a dead instance. */
  issued(token: string): boolean {
    return token.startsWith(`${this.#instance}:`);
  }

  // Writes of schedules.

  putSchedule(row: ScheduleRow): void {
    this.#schedules.put(row);
    this.#record({ kind: "scheduled", fireAt: row.nextFireAt });
  }

  removeSchedule(key: string): boolean {
    const removed = this.#schedules.delete(key);
    this.#record({ kind: "unscheduled" });
    return removed;
  }

  /** Records a firing; a schedule that never fires again (`next` null) is removed. */
  scheduleFired(key: string, firedAt: number, next: number | null): void {
    if (next === null) this.#schedules.delete(key);
    else this.#schedules.fired(key, firedAt, next);
    this.#record({ kind: "scheduled", fireAt: next });
  }

  /** Tells the listeners of a change as written, and publishes it now or with its transaction. */
  #record(change: Change): void {
    for (const listener of this.#listeners) listener.written?.(change);
    const open = this.#open.at(-1);
    if (open === undefined) this.#publish({ changes: [change], then: [] });
    else open.changes.push(change);
  }

  #publish({ changes, then }: Open): void {
    for (const effect of then) effect();
    if (changes.length === 0) return;
    for (const listener of this.#listeners) listener.committed?.(changes);
  }
}
