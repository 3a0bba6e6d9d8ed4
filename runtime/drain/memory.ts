import { dueKindOf, earlier, fireTimeOf, rowOf, type Change, type ChangeListener } from "../store/changes.ts";
import type { Clock } from "../store/clock.ts";
import type { ScheduleReads } from "../store/schedule-table.ts";
import type { WorkQueries } from "../store/work-queries.ts";
import type { Claim, DueRow, WorkRow } from "../store/work-table.ts";
import { FreshRows } from "./fresh-rows.ts";
import { READ_AHEAD_ROWS, ReadAhead } from "./read-ahead.ts";

/** What the drain's memory asks of the store: its reads, its clock, and its changes. */
export interface MemoryStore {
  readonly clock: Clock;
  readonly work: Pick<WorkQueries, "due" | "earliestClaimDeadline" | "nextWake" | "owned">;
  readonly schedules: Pick<ScheduleReads, "nextFireAt">;
  listen(listener: ChangeListener): void;
}

/**
 * What is known of due work without asking storage, from the end of a
 * drain that asked until the next time anything becomes due by time
 * (`until`; null for never): the only due rows are `fresh`, the rows this
 * instance has written since, due at once and with no deadline. A look at
 * due work is then answered from memory, so that a steady trickle of work
 * that answers at once costs its writes and no reads. Every change it cannot
 * account for forgets it, and a look at every kind (the alarm, a timed wake)
 * never trusts it, so the alarm stays the backstop.
 */
interface Calm {
  readonly until: number | null;
  readonly fresh: FreshRows;
  /** Fresh rows handed to the drain and not yet settled: their settlement is accounted for. */
  readonly served: Set<number>;
}

/**
 * How much work `Calm` holds at most, rows and payloads counted in bytes;
 * past it, looks ask storage again. About 14 000 small intents: a burst of
 * enqueues is then run from memory, without reading back what it just wrote.
 */
const MAX_FRESH_BYTES = 4 * 1024 * 1024;

/**
 * The drain's memory: what it read ahead, what is due without asking
 * (`Calm`), the next wake, the kinds with new work and the claims nothing
 * has written since. It listens to the store's changes, and forgets what a
 * change may have made stale; no write method tells it anything.
 */
export class DrainMemory implements ChangeListener {
  #calm: Calm | null = null;
  readonly #ahead = new ReadAhead();
  /** The rows written while `trackingWrites` runs, committed or not. */
  #tracked: Set<number> | null = null;
  /** Kinds that got work since the drain last looked (see `takeNewKinds`). */
  readonly #newKinds = new Set<string>();
  /**
   * The last answer to "when after `after` does anything next need a drain",
   * kept while each change since has folded its new times in (`#mayWakeAt`).
   */
  #wakeKnown: { readonly after: number; at: number | null } | null = null;
  /** Claims this instance made and nothing has written since, by intent id: their rows are as the claim left them. */
  readonly #untouched = new Map<number, string>();

  constructor(private readonly store: MemoryStore) {
    store.listen(this);
  }

  // What changes tell it.

  written(change: Change): void {
    const now = this.store.clock.now();
    const row = rowOf(change);
    if (row !== null) {
      this.#tracked?.add(row);
      this.#untouched.delete(row);
      this.#ahead.forget(row);
    }
    const kind = dueKindOf(change);
    const fireAt = fireTimeOf(change);
    // A row due now may come before what was read ahead of its kind: a new one is placed by the due
    // order (`firesBefore`), any other drops it. One due later needs nothing here: what was read
    // ahead holds only until then (`#mayWakeAt`).
    if (kind !== null && fireAt !== null && fireAt <= now) {
      if (change.kind === "added") this.#ahead.rowDue(change.due);
      else this.#ahead.drop(kind);
    }
    // Work due now is looked at through its kind (`takeNewKinds`); only a later time, or a schedule's, needs the clock.
    if (fireAt !== null && (kind === null || fireAt > now)) this.#mayWakeAt(fireAt);
    if ("deadlines" in change) for (const deadline of change.deadlines) if (deadline !== null) this.#mayWakeAt(deadline);
    if (change.kind === "claimsExpired") this.distrust();
    else if (!this.#accountedFor(change)) this.#calm = null;
  }

  committed(changes: readonly Change[]): void {
    for (const change of changes) {
      const kind = dueKindOf(change);
      if (kind !== null) this.#newKinds.add(kind);
      if (change.kind === "added" && change.fresh && this.#calm !== null && !this.#calm.fresh.add(change.due)) this.#calm = null;
      // A claim that stood: its row is as it left it until the next change to it, here or later.
      if (change.kind === "claimed") this.#untouched.set(change.row, change.token);
      else if (rowOf(change) !== null) this.#untouched.delete(rowOf(change)!);
    }
  }

  /** Whether `Calm` still holds after a change: a fresh row joins it, and a row it handed to the drain may settle or be cancelled. */
  #accountedFor(change: Change): boolean {
    const served = this.#calm?.served;
    if (change.kind === "added") return change.fresh;
    if (change.kind === "settled") return served?.delete(change.row) ?? false;
    if (change.kind === "cancelRequested") return served?.has(change.row) ?? false;
    return false;
  }

  /** A change made `at` a time that needs a drain: the next wake known comes no later, nor does what was read ahead hold past it. */
  #mayWakeAt(at: number): void {
    const known = this.#wakeKnown;
    if (known !== null && at > known.after) known.at = earlier(known.at, at);
    this.#ahead.mayWakeAt(at);
  }

  // What the drain asks.

  /**
   * Due rows of one kind, in the order they fire; without their intents'
   * payloads when the caller will not run them. From memory when what is due
   * is known (see `Calm`), else from what was read ahead, else from storage.
   */
  due(triggerKind: string, now: number, limit: number, withPayload = true): { rows: DueRow[]; more: boolean } {
    const calm = this.#calm;
    if (calm === null || (calm.until !== null && now >= calm.until)) {
      this.#calm = null;
      return withPayload ? this.#dueAhead(triggerKind, now, limit) : this.store.work.due(triggerKind, now, limit, false);
    }
    const { rows, more } = calm.fresh.take(triggerKind, limit);
    for (const row of rows) calm.served.add(row.intentId);
    return { rows: withPayload ? rows : rows.map((row) => ({ ...row, intentPayload: null })), more };
  }

  /** Rows read ahead while they hold, even fewer than `limit` (`more` sends the caller back); else storage, keeping what is beyond `limit`. */
  #dueAhead(triggerKind: string, now: number, limit: number): { rows: DueRow[]; more: boolean } {
    const rows = this.#ahead.take(triggerKind, now, limit);
    if (rows !== null) return { rows, more: true };
    this.#ahead.drop(triggerKind);
    const read = this.store.work.due(triggerKind, now, Math.max(limit, READ_AHEAD_ROWS), true);
    if (read.rows.length <= limit) return read;
    this.#ahead.keep(triggerKind, read.rows.slice(limit), this.store.work.earliestClaimDeadline(now));
    return { rows: read.rows.slice(0, limit), more: true };
  }

  /**
   * Runs `read` with the set of rows written meanwhile, by anyone, whether or
   * not the write commits: what the drain read about a row is still true
   * while that row is not in it.
   */
  trackingWrites<T>(read: (written: ReadonlySet<number>) => T): T {
    const outer = this.#tracked;
    const written = new Set<number>();
    this.#tracked = written;
    try {
      return read(written);
    } finally {
      this.#tracked = outer;
      if (outer) for (const id of written) outer.add(id);
    }
  }

  /**
   * The row's cancel request, if `claim` still owns it; a lost claim answers
   * null. A claim nothing has written since is answered from memory.
   */
  owned(claim: Pick<Claim, "intentId" | "token" | "cancel">): Pick<WorkRow, "cancel"> | null {
    if (this.#untouched.get(claim.intentId) === claim.token) return claim;
    return this.store.work.owned(claim.intentId, claim.token);
  }

  /** Forgets what is known of due work without storage (`Calm`, what was read ahead, the next wake): the next look asks storage. */
  distrust(): void {
    this.#calm = null;
    this.#ahead.forget();
    this.#wakeKnown = null;
  }

  get hasNewKinds(): boolean {
    return this.#newKinds.size > 0;
  }

  /** The kinds that got work since the drain last looked; taking them clears them. */
  takeNewKinds(): string[] {
    const kinds = [...this.#newKinds];
    this.#newKinds.clear();
    return kinds;
  }

  /** The earliest time after `after` that needs a drain, kept while changes fold their times in. */
  nextWakeAfter(after: number): number | null {
    let known = this.#wakeKnown;
    if (known?.after !== after) this.#wakeKnown = known = { after, at: this.nextWake(after) };
    return known.at;
  }

  /** The earliest time after `after` that needs a drain, asked of storage: work's fire times and deadlines, and schedules'. */
  nextWake(after?: number): number | null {
    return earlier(this.store.work.nextWake(after), this.store.schedules.nextFireAt(after ?? Number.MIN_SAFE_INTEGER));
  }

  /**
   * A drain ended: answers the time of the next drain (the alarm's), asked of
   * storage unless it is known (`Calm`: then every row the drain was handed
   * has settled, and nothing written since changed it).
   */
  drainEnded(now: number): number | null {
    // What it read ahead is of no use to the next drain, which starts with a look at every kind or at fresh work.
    this.#ahead.forget();
    const calm = this.#calm;
    if (calm !== null && (calm.until === null || now < calm.until) && calm.fresh.size === 0 && calm.served.size === 0) return calm.until;
    const until = this.nextWake();
    this.#calm = until !== null && until <= now ? null : { until, fresh: new FreshRows(MAX_FRESH_BYTES), served: new Set() };
    return until;
  }
}
