import { Alarm } from "../drain/alarm.ts";
import { systemClock, type Clock } from "./clock.ts";
import { CancelOnTable, type CancelOnKey } from "../definition/cancel-on.ts";
import { FreshRows, payloadBytes } from "../drain/fresh-rows.ts";
import { ScheduleTable, type ScheduleRow } from "./schedule-table.ts";
import type { IntentSummary, Settlement } from "../contract/types.ts";
import { firesBefore, WorkTable, type Attempt, type Claim, type DueRow, type TimedOut, type WorkRow } from "./work-table.ts";

/** Who hears of a row's new state (the intent's watchers); asked first, so that an unwatched intent costs no query. */
export interface RowListener {
  isWatched(intentId: number): boolean;
  changed(row: WorkRow): void;
}

/** What a transaction wrote, applied when it commits and dropped when it rolls back. */
interface Written {
  /** Kinds that got work to look at. */
  readonly kinds: Set<string>;
  /** The earliest time any of that work fires, or null for none. */
  earliest: number | null;
  /** Rows whose state changed, for their watchers. */
  readonly touched: Set<number>;
  /** What waits for the commit (`afterCommit`), in order. */
  readonly then: (() => void)[];
  /** New rows due at once, as the drain would read them (see `Calm`). */
  readonly fresh: DueRow[];
}

const nothingWritten = (): Written => ({ kinds: new Set(), earliest: null, touched: new Set(), then: [], fresh: [] });

/**
 * What the owner of work knows of due work without asking storage, from the
 * end of a drain that asked until the next time anything becomes due by time
 * (`until`; null for never): the only due rows are `fresh`, the rows this
 * instance has written since, due at once and with no deadline. A look at due
 * work is then answered from memory (`due`), so that a steady trickle of
 * work that answers at once costs its writes and no reads. Every write it
 * cannot account for forgets it, and a look at every kind (the alarm, a timed
 * wake) never trusts it, so the alarm stays the backstop.
 */
interface Calm {
  readonly until: number | null;
  readonly fresh: FreshRows;
  /** Fresh rows handed to the drain and not yet settled: their settlement is accounted for. */
  readonly served: Set<number>;
}

/** A new intent's work row, as `Scheduler.add` writes it. */
export interface NewWork {
  readonly intentId: number;
  readonly triggerKind: string;
  readonly fireAt: number;
  readonly idempotencyKey: string | null;
  /** The version of the trigger's intent schema the intent is stored under. */
  readonly intentVersion: number;
  /** When it is cancelled if still not claimed (timeout:start); null for never. */
  readonly startDeadline: number | null;
  /** The keys a matching fact will find it by (its trigger's `cancelOn`). */
  readonly cancelOnKeys: readonly CancelOnKey[];
  /** The intent event's payload as stored. */
  readonly payload: string;
}

/** A new row as a look at due work would read it. */
function newDueRow({ intentId, triggerKind, fireAt, intentVersion, payload }: NewWork): DueRow {
  return {
    intentId,
    triggerKind,
    fireAt,
    attempts: 0,
    claim: null,
    cancel: null,
    settled: null,
    settledAt: null,
    lastError: null,
    intentVersion,
    startDeadline: null,
    finishDeadline: null,
    intentPayload: payload,
  };
}

/**
 * How much work `Calm` holds at most, rows and payloads counted in bytes;
 * past it, looks ask storage again. About 14 000 small intents: a burst of
 * enqueues is then run from memory, without reading back what it just wrote.
 */
const MAX_FRESH_BYTES = 4 * 1024 * 1024;

/**
 * The head of one kind's due order, read beyond what a look asked for, so
 * that a kind whose slots free one at a time costs one read of due work per
 * batch of rows rather than one per row. It holds while no write could put
 * a row before it or change one of its rows (see `#wrote`), and until
 * `until`: the first time at which time alone could (a start deadline of one
 * of its rows, a claim's deadline, after which the claimed row is due again),
 * or any later time a write makes a drain needed at (`#mayWakeAt`).
 */
interface Ahead {
  readonly rows: DueRow[];
  until: number | null;
}

/** How many due rows a look reads ahead at most, and how many bytes of payload it keeps. */
const READ_AHEAD_ROWS = 64;
const READ_AHEAD_BYTES = 1024 * 1024;

/**
 * The one owner of work: the work table, the object's alarm, the drain's
 * wake-up and the claim bookkeeping. Every write of work goes through a
 * method here, and each one says what it wrote, so the rule "after writing
 * work, arm the alarm and wake the drain" is carried out in one place and no
 * caller can forget it: work due now starts (or wakes) the drain, work due
 * later wakes a sleeping one, and the alarm is armed no later than either.
 *
 * Inside `transaction`, what was written is held until the outermost
 * transaction commits, and dropped if it rolls back: the alarm is never
 * armed inside a transaction, and a watcher never sees a state that did not
 * commit.
 */
export class Scheduler {
  readonly #table: WorkTable;
  readonly #schedules: ScheduleTable;
  readonly #alarm: Alarm;
  /** The cancel-on-event keys of unsettled work (see `cancel-on.ts`). */
  readonly #cancelOn: CancelOnTable;
  /** Stamps every claim token this instance issues, so that a claim it did not make is known for what it is. */
  readonly #instance = crypto.randomUUID();
  #claims = 0;
  /** What each open transaction wrote, innermost last: a nested one merges into its parent when it commits. */
  readonly #open: Written[] = [];
  /** Kinds that got work since the drain last looked (see `takeNewKinds`). */
  readonly #newKinds = new Set<string>();
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
  /** The rows written while `trackingWrites` runs, committed or not. */
  #tracked: Set<number> | null = null;
  /** See `Calm`: null when a look must ask storage. */
  #calm: Calm | null = null;
  /** See `Ahead`, per kind; `#aheadIds` holds the ids of all their rows. */
  readonly #ahead = new Map<string, Ahead>();
  readonly #aheadIds = new Set<number>();
  /**
   * The last answer to "when after `after` does anything next need a drain",
   * kept while each write since has folded its new times in (`#mayWakeAt`):
   * a drain that sleeps after every acquire it starts does not ask storage each time.
   */
  #wakeKnown: { readonly after: number; at: number | null } | null = null;
  /** Claims this instance made and nothing has written since, by intent id: their rows are as the claim left them. */
  readonly #untouched = new Map<number, string>();

  constructor(
    private readonly storage: DurableObjectStorage,
    private readonly listener: RowListener,
    /** Trigger kinds whose work may have cancel-on-event keys: settling their work deletes its keys. */
    private readonly keyedKinds: ReadonlySet<string> = new Set(),
    /** The object's time: the only time this reads (see `clock.ts`). */
    readonly clock: Clock = systemClock,
  ) {
    this.#table = new WorkTable(storage.sql);
    this.#schedules = new ScheduleTable(storage.sql);
    this.#alarm = new Alarm(storage, clock);
    this.#cancelOn = new CancelOnTable(storage.sql);
  }

  /**
   * Runs when the object starts. A Durable Object runs as one instance at a
   * time, so claims in storage now were made by an instance that is gone: its
   * acquires will never answer. Those claims end now, rather than at their
   * deadline, and a drain takes them over at once (an alarm set for now may
   * take seconds to fire); it starts once the alarm's time is known, since a
   * drain arms the alarm. Pending work with no alarm (say, one deleted by
   * hand) gets one.
   */
  start(blockConcurrencyWhile: (load: () => Promise<void>) => Promise<unknown>): void {
    if (this.#table.expireClaims(this.clock.now()) > 0) {
      this.distrust();
      void this.#alarm.load().then(() => this.#startDrain());
    }
    void blockConcurrencyWhile(async () => {
      await this.#alarm.load();
      this.#alarm.armNoLaterThan(this.#nextWake());
    });
  }

  /**
   * Runs `write` in one SQL transaction (a savepoint when nested); what it
   * wrote takes effect (alarm, drain, watchers) once the outermost one
   * commits, and what a rolled-back one wrote is forgotten.
   */
  transaction<T>(write: () => T): T {
    const written = nothingWritten();
    this.#open.push(written);
    let committed = false;
    try {
      const result = this.storage.transactionSync(write);
      committed = true;
      return result;
    } finally {
      this.#open.pop();
      if (committed) {
        const parent = this.#open.at(-1);
        if (parent) merge(parent, written);
        else this.#apply(written);
      }
    }
  }

  // Writes of work. Each says what it wrote; outside a transaction, it takes effect at once.

  /** A new intent's work row (see `NewWork`). */
  add(work: NewWork): void {
    const { intentId, triggerKind, fireAt, intentVersion, startDeadline } = work;
    this.#table.insert(intentId, triggerKind, fireAt, work.idempotencyKey, intentVersion, startDeadline);
    this.#cancelOn.insert(intentId, work.cancelOnKeys);
    // Due at once and with no deadline: the drain can be handed it from memory (see `Calm`).
    const fresh = startDeadline === null && fireAt <= this.clock.now() ? newDueRow(work) : null;
    this.#wrote(triggerKind, fireAt, intentId, { fresh, deadlines: [startDeadline] });
  }

  /** Clears a row's timeout deadlines once a timeout has answered, so that it is not answered again. */
  clearDeadlines(intentId: number): void {
    this.#table.clearDeadlines(intentId);
    // Not a write its watchers hear of (no phase changed), so not through `#wrote`; the rest of what a write does.
    this.#rowWritten(intentId);
    this.#forgetCalm();
  }

  // Writes of schedules: the alarm is armed no later than each one's next fire time.

  putSchedule(row: ScheduleRow): void {
    this.#schedules.put(row);
    this.#wrote(null, row.nextFireAt, null);
  }

  removeSchedule(key: string): boolean {
    this.#forgetCalm();
    return this.#schedules.delete(key);
  }

  /** Records a firing; a schedule that never fires again (`next` null) is removed. */
  scheduleFired(key: string, firedAt: number, next: number | null): void {
    if (next === null) this.#schedules.delete(key);
    else this.#schedules.fired(key, firedAt, next);
    this.#wrote(null, next, null);
  }

  /** Brings unclaimed work forward to `at` if it was due later. */
  bringForward(intentId: number, triggerKind: string, at: number): void {
    this.#table.fireNoLaterThan(intentId, at);
    this.#wrote(triggerKind, at, intentId);
  }

  /** Ends a failed attempt that has attempts left; the row fires again at `fireAt` (see `WorkTable.release`). */
  release(attempt: Pick<Attempt, "intentId" | "triggerKind" | "token" | "attempt">, fireAt: number, error: string, finishDeadline: number | null): void {
    this.#table.release(attempt, fireAt, error, finishDeadline);
    this.#wrote(attempt.triggerKind, fireAt, attempt.intentId, { deadlines: [finishDeadline] });
  }

  /** Records a cancel request; the first request's time and reason are kept. */
  requestCancel(intentId: number, now: number, reason: string | null): { requestedAt: number } {
    const answer = this.#table.requestCancel(intentId, now, reason);
    this.#wrote(null, null, intentId, { handed: this.#calm?.served.has(intentId) ?? false });
    return answer;
  }

  /** Settles a row; `attempts` is how many ran, counting one that ended without writing a claim. */
  settle(intentId: number, settlement: Settlement, now: number, error: string | null, attempts: number): void {
    const handed = this.#calm?.served.delete(intentId) ?? false;
    // Only kinds with cancel-on-event rules have keys: without any, settling pays nothing for them.
    const kind = this.#table.settle(intentId, settlement, now, error, attempts, this.keyedKinds.size > 0);
    if (kind !== null && this.keyedKinds.has(kind)) this.#cancelOn.forget(intentId);
    this.#wrote(null, null, intentId, { handed });
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

  // Claims.

  /**
   * Claims due rows for this instance, in one statement; a row another claim got first is left out.
   * `finishMs` starts a row's finish timeout at its first claim.
   */
  claim(rows: readonly WorkRow[], now: number, deadlineMs: number, finishMs: number | null = null): Claim[] {
    const claims = this.#table.claim(rows, `${this.#instance}:${++this.#claims}:`, now, deadlineMs, finishMs);
    // Once its deadline passes, a claimed row is due again, before any row read ahead of its kind.
    const deadlines = [now + deadlineMs, finishMs === null ? null : now + finishMs];
    for (const claim of claims) {
      this.#wrote(null, null, claim.intentId, { deadlines });
      // A claim written inside a transaction may yet roll back: only one that stands is known untouched.
      if (this.#open.length === 0) this.#untouched.set(claim.intentId, claim.token);
    }
    return claims;
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

  /** Whether this instance made the claim with this token; any other belongs to a dead instance. */
  issued(token: string): boolean {
    return token.startsWith(`${this.#instance}:`);
  }

  /**
   * The row's cancel request, if `claim` still owns it; a lost claim answers
   * null. A claim nothing has written since is answered from memory: its row
   * is as the claim left it.
   */
  owned(claim: Pick<Claim, "intentId" | "token" | "cancel">): Pick<WorkRow, "cancel"> | null {
    if (this.#untouched.get(claim.intentId) === claim.token) return claim;
    return this.#table.owned(claim.intentId, claim.token);
  }

  // Reads.

  get(intentId: number): WorkRow | null {
    return this.#table.get(intentId);
  }

  idByIdempotencyKey(triggerKind: string, key: string): number | null {
    return this.#table.idByIdempotencyKey(triggerKind, key);
  }

  /** The unsettled intents a fact of `eventKind` with this match key cancels. */
  cancelOnMatching(eventKind: string, matchKey: string): number[] {
    return this.#cancelOn.matching(eventKind, matchKey);
  }

  list(limit: number, beforeId: number | null): IntentSummary[] {
    return this.#table.list(limit, beforeId);
  }

  /**
   * Due rows of one kind, in the order they fire; without their intents'
   * payloads when the caller will not run them. From memory when what is due
   * is known (see `Calm`), else from storage.
   */
  due(triggerKind: string, now: number, limit: number, withPayload = true): { rows: DueRow[]; more: boolean } {
    const calm = this.#calm;
    if (calm === null || (calm.until !== null && now >= calm.until)) {
      this.#calm = null;
      return withPayload ? this.#dueAhead(triggerKind, now, limit) : this.#table.due(triggerKind, now, limit, false);
    }
    const { rows, more } = calm.fresh.take(triggerKind, limit);
    for (const row of rows) calm.served.add(row.intentId);
    return { rows: withPayload ? rows : rows.map((row) => ({ ...row, intentPayload: null })), more };
  }

  /**
   * Due rows from what was read ahead (see `Ahead`) while it holds, even if
   * fewer than `limit` (`more` sends the caller back for the rest);
   * otherwise from storage, reading up to `READ_AHEAD_ROWS` and keeping the
   * rows beyond `limit`.
   */
  #dueAhead(triggerKind: string, now: number, limit: number): { rows: DueRow[]; more: boolean } {
    const ahead = this.#ahead.get(triggerKind);
    if (ahead !== undefined && (ahead.until === null || now < ahead.until)) {
      const rows = ahead.rows.splice(0, limit);
      for (const row of rows) this.#aheadIds.delete(row.intentId);
      if (ahead.rows.length === 0) this.#ahead.delete(triggerKind);
      return { rows, more: true };
    }
    this.#dropAhead(triggerKind);
    const read = this.#table.due(triggerKind, now, Math.max(limit, READ_AHEAD_ROWS), true);
    if (read.rows.length <= limit) return read;
    const kept: DueRow[] = [];
    let bytes = 0;
    let until = this.#table.earliestClaimDeadline(now);
    for (const row of read.rows.slice(limit)) {
      bytes += payloadBytes(row);
      if (bytes > READ_AHEAD_BYTES) break;
      kept.push(row);
      this.#aheadIds.add(row.intentId);
      until = earlier(until, earlier(row.startDeadline, row.finishDeadline));
    }
    if (kept.length > 0) this.#ahead.set(triggerKind, { rows: kept, until });
    return { rows: read.rows.slice(0, limit), more: true };
  }

  /** Forgets what is known of due work without storage (`Calm`, `Ahead`, the next wake): the next look asks storage. */
  distrust(): void {
    this.#forgetCalm();
    this.#forgetAhead();
    this.#wakeKnown = null;
  }

  unsettledKinds(): string[] {
    return this.#table.unsettledKinds();
  }

  /** Unsettled rows whose start or finish deadline has passed. */
  timedOut(now: number): TimedOut[] {
    return this.#table.timedOut(now);
  }

  getSchedule(key: string): ScheduleRow | null {
    return this.#schedules.get(key);
  }

  listSchedules(): ScheduleRow[] {
    return this.#schedules.list();
  }

  dueSchedules(now: number): ScheduleRow[] {
    return this.#schedules.due(now);
  }

  // The drain's side.

  /** The drain registers how to start it (or wake it when it runs). */
  drainWith(start: () => void): void {
    this.#startDrain = start;
  }

  /** Whether kinds got work since the drain last took them. */
  get hasNewKinds(): boolean {
    return this.#newKinds.size > 0;
  }

  /** The kinds that got work since the drain last looked; taking them clears them. */
  takeNewKinds(): string[] {
    const kinds = [...this.#newKinds];
    this.#newKinds.clear();
    return kinds;
  }

  /** The alarm fired: the platform clears it once its handler succeeds, unless the handler sets it again. */
  alarmFired(): void {
    this.#alarm.fired();
  }

  /**
   * Sleeps until the next due time or claim deadline after now ("timer"), or
   * until `wake` is called ("woken"), whichever comes first. What is due now
   * and not started waits for a free slot, which wakes the drain, not for the clock.
   */
  sleepUntilNextWake(after = this.clock.now()): Promise<"timer" | "woken"> {
    let known = this.#wakeKnown;
    if (known?.after !== after) this.#wakeKnown = known = { after, at: this.#nextWake(after) };
    const { at } = known;
    if (this.#timer !== null && this.#timer.at !== at) this.#stopTimer();
    if (at !== null && this.#timer === null) {
      // Fired while the drain was not asleep: the next sleep wants a time already passed, and sets one for now.
      const handle = setTimeout(() => ((this.#timer = null), this.#wake?.("timer")), Math.max(0, at - this.clock.now()));
      this.#timer = { at, handle };
    }
    return new Promise((resolve) => {
      this.#wake = (why) => {
        this.#wake = null;
        // Woken after the time it slept for: time made work due too, so it is the timer's wake as well.
        resolve(why === "woken" && at !== null && at <= this.clock.now() ? "timer" : why);
      };
    });
  }

  /** Wakes a sleeping drain, if one sleeps. */
  wake(): void {
    this.#wake?.("woken");
  }

  #stopTimer(): void {
    if (this.#timer === null) return;
    clearTimeout(this.#timer.handle);
    this.#timer = null;
  }

  /**
   * What a drain leaves behind: the alarm at the next due time or claim
   * deadline, or none. That time is asked of storage unless it is known
   * (see `Calm`): then every row the drain was handed has settled, and
   * nothing written since changed it.
   */
  drainEnded(): void {
    // What it read ahead is of no use to the next drain, which starts with a look at every kind or at fresh work.
    this.#forgetAhead();
    this.#stopTimer();
    const now = this.clock.now();
    const calm = this.#calm;
    if (calm !== null && (calm.until === null || now < calm.until) && calm.fresh.size === 0 && calm.served.size === 0) {
      return this.#alarm.armExactly(calm.until);
    }
    const until = this.#nextWake();
    this.#calm = until !== null && until <= now ? null : { until, fresh: new FreshRows(MAX_FRESH_BYTES), served: new Set() };
    this.#alarm.armExactly(until);
  }

  /** The earliest time after `after` that needs a drain: work's fire times and deadlines, and schedules' fire times. */
  #nextWake(after?: number): number | null {
    const work = this.#table.nextWake(after);
    const schedule = this.#schedules.nextFireAt(after ?? Number.MIN_SAFE_INTEGER);
    return earlier(work, schedule);
  }

  /**
   * Records a write, to take effect when the outermost transaction commits.
   * Every write forgets what is known of due work (`Calm`) but two: a fresh
   * row, which joins it, and a write to a row it handed to the drain. The
   * times it makes a drain needed at, its fire time and any `deadlines`,
   * fold into what is known of the next wake (`#mayWakeAt`).
   */
  #wrote(
    kind: string | null,
    fireAt: number | null,
    intentId: number | null,
    { fresh = null, handed = false, deadlines = [] }: { fresh?: DueRow | null; handed?: boolean; deadlines?: readonly (number | null)[] } = {},
  ): void {
    if (intentId !== null) this.#rowWritten(intentId);
    if (kind !== null && fireAt !== null && intentId !== null) this.#keepAheadOf(kind, fireAt, intentId);
    // Work due now is looked at through its kind (`takeNewKinds`); only a later time, or a schedule's, needs the clock.
    if (kind === null || (fireAt !== null && fireAt > this.clock.now())) this.#mayWakeAt(fireAt);
    for (const deadline of deadlines) this.#mayWakeAt(deadline);
    if (fresh === null && !handed) this.#forgetCalm();
    const open = this.#open.at(-1);
    const written = open ?? nothingWritten();
    if (kind !== null) written.kinds.add(kind);
    written.earliest = earlier(written.earliest, fireAt);
    if (intentId !== null) written.touched.add(intentId);
    if (fresh !== null) written.fresh.push(fresh);
    if (open === undefined) this.#apply(written);
  }

  /** What any write to a row ends: a batch's read of it, its claim's being untouched, and rows read ahead with it. */
  #rowWritten(intentId: number): void {
    this.#tracked?.add(intentId);
    this.#untouched.delete(intentId);
    this.#forgetAhead(intentId);
  }

  #forgetCalm(): void {
    this.#calm = null;
  }

  /** Forgets every kind's rows read ahead, or, given a row, only if it is one of them. */
  #forgetAhead(intentId?: number): void {
    if (this.#ahead.size === 0 || (intentId !== undefined && !this.#aheadIds.has(intentId))) return;
    this.#ahead.clear();
    this.#aheadIds.clear();
  }

  #dropAhead(triggerKind: string): void {
    const ahead = this.#ahead.get(triggerKind);
    if (ahead === undefined) return;
    for (const row of ahead.rows) this.#aheadIds.delete(row.intentId);
    this.#ahead.delete(triggerKind);
  }

  /** A row of `kind` is due at `fireAt`: what was read ahead of that kind holds only if the row comes after it. */
  #keepAheadOf(kind: string, fireAt: number, intentId: number): void {
    const last = this.#ahead.get(kind)?.rows.at(-1);
    if (last !== undefined && firesBefore({ fireAt, intentId }, last)) this.#dropAhead(kind);
  }

  /**
   * A write made `at` a time that needs a drain: the next wake known
   * (`#wakeKnown`) comes no later, and what was read ahead (`Ahead`) holds
   * until then at most, since time may then change it.
   */
  #mayWakeAt(at: number | null): void {
    if (at === null) return;
    const known = this.#wakeKnown;
    if (known !== null && at > known.after) known.at = earlier(known.at, at);
    for (const ahead of this.#ahead.values()) ahead.until = earlier(ahead.until, at);
  }

  /** Fresh rows that committed join what is known, within its bounds; past them, it is forgotten. */
  #addFresh(rows: readonly DueRow[]): void {
    const calm = this.#calm;
    if (calm === null) return;
    for (const row of rows) if (!calm.fresh.add(row)) return this.#forgetCalm();
  }

  #apply({ kinds, earliest, touched, then, fresh }: Written): void {
    this.#addFresh(fresh);
    for (const kind of kinds) this.#newKinds.add(kind);
    for (const effect of then) effect();
    for (const intentId of touched) {
      if (!this.listener.isWatched(intentId)) continue;
      const row = this.#table.get(intentId);
      if (row !== null) this.listener.changed(row);
    }
    if (earliest === null) return;
    this.#alarm.armNoLaterThan(earliest);
    // Due now: start the drain rather than wait for the alarm, which stays armed as the
    // backstop after an eviction. Due later: a drain asleep until a later time looks again.
    if (earliest <= this.clock.now()) this.#startDrain();
    else this.wake();
  }
}

/** The earlier of two times, either of which may be none (null). */
function earlier(a: number | null, b: number | null): number | null {
  return a === null ? b : b === null ? a : Math.min(a, b);
}

function merge(into: Written, from: Written): void {
  into.fresh.push(...from.fresh);
  for (const kind of from.kinds) into.kinds.add(kind);
  for (const intentId of from.touched) into.touched.add(intentId);
  into.then.push(...from.then);
  into.earliest = earlier(into.earliest, from.earliest);
}
