import type { AcquireMode, Settlement } from "../contract/types.ts";
import type { CancelOnKey } from "./cancel-on-table.ts";

/**
 * The work table: one scheduling cursor per intent. The CHECK constraints
 * make the illegal rows impossible: a claim without a deadline, a settled
 * row that is still claimed, a settlement without its time, a reason without
 * a request, an unknown settlement or claim mode. The settlement is checked
 * with `OR`, not `IN (…)`: SQLite looks a list of more than two values up in
 * an ephemeral table, whose rows count as rows read, and so are billed: two
 * on every insert and one on every settlement, 3 of the 17.5 rows an intent
 * cost. Tables made before this release keep the list: SQLite cannot change
 * a CHECK without copying the table.
 */
const SCHEMA = `
  CREATE TABLE IF NOT EXISTS work (
    intent_id           INTEGER PRIMARY KEY REFERENCES events (id),
    trigger_kind        TEXT    NOT NULL,
    idempotency_key     TEXT,
    fire_at             INTEGER NOT NULL,
    attempts            INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    claim_token         TEXT,
    claim_deadline      INTEGER,
    claim_mode          TEXT    CHECK (claim_mode IN ('normal', 'redrive')),
    cancel_requested_at INTEGER,
    cancel_reason       TEXT,
    settled             TEXT    CHECK (settled = 'completed' OR settled = 'cancelled' OR settled = 'failed' OR settled = 'rejected'),
    settled_at          INTEGER,
    last_error          TEXT,
    intent_version      INTEGER NOT NULL DEFAULT 1 CHECK (intent_version >= 1),
    start_deadline      INTEGER,
    finish_deadline     INTEGER,
    CHECK ((claim_token IS NULL) = (claim_deadline IS NULL)),
    CHECK ((claim_token IS NULL) = (claim_mode IS NULL)),
    CHECK ((settled IS NULL) = (settled_at IS NULL)),
    CHECK (settled IS NULL OR claim_token IS NULL),
    CHECK (cancel_reason IS NULL OR cancel_requested_at IS NOT NULL)
  );
  CREATE INDEX IF NOT EXISTS work_due ON work (trigger_kind, fire_at) WHERE settled IS NULL;
  CREATE INDEX IF NOT EXISTS work_claims ON work (claim_deadline) WHERE claim_token IS NOT NULL;
`;

/**
 * Tables made before this release have an index of pending fire times. The
 * next pending fire time is found through `work_due` instead (see
 * `nextWake`), and the index cost a billed row written on every enqueue,
 * one in eight: it goes.
 */
const DROPPED_INDEXES = "DROP INDEX IF EXISTS work_pending;";

/**
 * One intent per idempotency key and trigger kind. A partial index, so that
 * intents without a key cost no index entry. Work tables made before this
 * release have the same rule as a table constraint (UNIQUE), which SQLite
 * cannot drop without copying the table: they keep it, and get no second index.
 */
const IDEMPOTENCY_INDEX = `
  CREATE UNIQUE INDEX IF NOT EXISTS work_idempotency ON work (trigger_kind, idempotency_key) WHERE idempotency_key IS NOT NULL;
`;

/**
 * Columns added after the first release, each with what an old table's rows
 * take: intents stored before versions were all version 1, and work stored
 * before timeouts has none. Their indexes follow, once the columns exist.
 */
const ADDED_COLUMNS: readonly (readonly [name: string, definition: string])[] = [
  ["intent_version", "INTEGER NOT NULL DEFAULT 1 CHECK (intent_version >= 1)"],
  ["start_deadline", "INTEGER"],
  ["finish_deadline", "INTEGER"],
];
/**
 * Timeout deadlines: partial indexes over the unsettled rows that have one,
 * so that finding the next deadline costs the same however many intents
 * have settled, and nothing for triggers without timeouts.
 */
const DEADLINE_INDEXES = `
  CREATE INDEX IF NOT EXISTS work_start_deadlines ON work (start_deadline) WHERE settled IS NULL AND start_deadline IS NOT NULL;
  CREATE INDEX IF NOT EXISTS work_finish_deadlines ON work (finish_deadline) WHERE settled IS NULL AND finish_deadline IS NOT NULL;
`;

export interface Row extends Record<string, SqlStorageValue> {
  intent_id: number;
  trigger_kind: string;
  fire_at: number;
  attempts: number;
  claim_token: string | null;
  claim_deadline: number | null;
  claim_mode: AcquireMode | null;
  cancel_requested_at: number | null;
  cancel_reason: string | null;
  settled: Settlement | null;
  settled_at: number | null;
  last_error: string | null;
  intent_version: number;
  start_deadline: number | null;
  finish_deadline: number | null;
}

export interface WorkRow {
  readonly intentId: number;
  readonly triggerKind: string;
  readonly fireAt: number;
  readonly attempts: number;
  readonly claim: { readonly token: string; readonly deadline: number; readonly mode: AcquireMode } | null;
  readonly cancel: { readonly requestedAt: number; readonly reason: string | null } | null;
  readonly settled: Settlement | null;
  readonly settledAt: number | null;
  readonly lastError: string | null;
  /** The version of the trigger's intent schema the intent was stored under. */
  readonly intentVersion: number;
  /** When it is cancelled ("timeout:start") if no attempt has claimed it yet; null for none. */
  readonly startDeadline: number | null;
  /** When it gets a cancel request ("timeout:finish") if it has not settled; set by its first claim. */
  readonly finishDeadline: number | null;
}

/** A row whose start or finish deadline has passed. */
export interface TimedOut extends WorkRow {
  readonly timeout: "start" | "finish";
}

/** A due row, with its intent event's payload as stored (null if the event is missing, or was not asked for). */
export interface DueRow extends WorkRow {
  readonly intentPayload: string | null;
}

/**
 * One attempt at a due row. `attempt` is its 1-based number, `startedAt`
 * when it began (its acquire's `ctx.now`). `token` is its claim's, or null
 * for an attempt that ended within the synchronous step that began it: no
 * claim is written for those (see `Attempts.startRows`), and the write that ends
 * the attempt counts it.
 */
export interface Attempt {
  readonly intentId: number;
  readonly triggerKind: string;
  readonly mode: AcquireMode;
  readonly attempt: number;
  readonly startedAt: number;
  readonly cancel: WorkRow["cancel"];
  readonly token: string | null;
}

/** An attempt with a claim written: its acquire runs on past the step that began it. */
export interface Claim extends Attempt {
  readonly token: string;
  readonly deadline: number;
}

/** How many rows one claim statement takes at most: SQL binds at most 100 parameters. */
export const MAX_CLAIMS_PER_STATEMENT = 64;
export const COLUMNS = `intent_id, trigger_kind, fire_at, attempts, claim_token, claim_deadline, claim_mode,
  cancel_requested_at, cancel_reason, settled, settled_at, last_error, intent_version, start_deadline, finish_deadline`;

/** Every write to the work table, and its schema; reads are in `work-queries.ts`. */
export class WorkTable {
  constructor(private readonly sql: SqlStorage) {
    sql.exec(SCHEMA);
    sql.exec(DROPPED_INDEXES);
    const columns = new Set(
      sql
        .exec<{ name: string }>("SELECT name FROM pragma_table_info('work')")
        .toArray()
        .map((column) => column.name),
    );
    for (const [name, definition] of ADDED_COLUMNS) if (!columns.has(name)) sql.exec(`ALTER TABLE work ADD COLUMN ${name} ${definition}`);
    sql.exec(DEADLINE_INDEXES);
    const uniqueAsConstraint = sql.exec("SELECT 1 FROM pragma_index_list('work') WHERE origin = 'u'").toArray().length > 0;
    if (!uniqueAsConstraint) sql.exec(IDEMPOTENCY_INDEX);
  }

  insert({ intentId, triggerKind, fireAt, idempotencyKey, intentVersion, startDeadline }: NewWork): void {
    this.sql.exec(
      "INSERT INTO work (intent_id, trigger_kind, fire_at, idempotency_key, intent_version, start_deadline) VALUES (?, ?, ?, ?, ?, ?)",
      intentId,
      triggerKind,
      fireAt,
      idempotencyKey,
      intentVersion,
      startDeadline,
    );
  }

  clearDeadlines(intentId: number): void {
    this.sql.exec("UPDATE work SET start_deadline = NULL, finish_deadline = NULL WHERE intent_id = ?", intentId);
  }

  /**
   * Claims due rows atomically, in one statement: the WHERE clause re-checks
   * that each is still unsettled and unclaimed (or expired), so two drains
   * can never both own one. Each claim's token is `tokenPrefix` and its
   * intent id. Answers the claims made, in the order of `rows`; a row taken
   * or settled meanwhile is left out.
   */
  claim(rows: readonly WorkRow[], tokenPrefix: string, now: number, deadlineMs: number, finishMs: number | null = null): Claim[] {
    if (rows.length === 0) return [];
    const deadline = now + deadlineMs;
    const finishDeadline = finishMs === null ? null : now + finishMs;
    // Raw rows, as in `due`: a claim statement answers up to 64 rows.
    const claimed = new Map<number, ClaimedValues>();
    const returned = this.sql
      .exec(
        `UPDATE work SET claim_token = ?1 || intent_id, claim_deadline = ?2,
            claim_mode = CASE WHEN claim_token IS NULL THEN 'normal' ELSE 'redrive' END, attempts = attempts + 1,
            start_deadline = NULL, finish_deadline = coalesce(finish_deadline, ?4)
          WHERE intent_id IN (${rows.map((_, i) => `?${i + 5}`).join(", ")}) AND settled IS NULL AND fire_at <= ?3
            AND (claim_deadline IS NULL OR claim_deadline <= ?3)
          RETURNING intent_id, claim_token, claim_mode, attempts, cancel_requested_at, cancel_reason`,
        tokenPrefix,
        deadline,
        now,
        finishDeadline,
        ...rows.map((row) => row.intentId),
      )
      .raw<ClaimedValues>();
    for (const values of returned) claimed.set(values[0], values);
    const claims: Claim[] = [];
    for (const { intentId, triggerKind } of rows) {
      const values = claimed.get(intentId);
      if (values === undefined) continue;
      const [, token, mode, attempt, cancelRequestedAt, cancelReason] = values;
      claims.push({
        intentId,
        triggerKind,
        token,
        deadline,
        mode,
        attempt,
        startedAt: now,
        cancel: cancelOf(cancelRequestedAt, cancelReason),
      });
    }
    return claims;
  }

  /**
   * Settles the row; `attempts` is how many attempts ran, counting one that
   * ended without a claim. With `withKind`, answers its trigger kind, which
   * costs one row read more (RETURNING): asked for only when some kind needs it.
   */
  settle(intentId: number, settlement: Settlement, now: number, error: string | null, attempts: number, withKind = false): string | null {
    const cursor = this.sql.exec<{ trigger_kind: string }>(
      `UPDATE work SET settled = ?, settled_at = ?, claim_token = NULL, claim_deadline = NULL, claim_mode = NULL,
          last_error = coalesce(?, last_error), attempts = max(attempts, ?), start_deadline = NULL, finish_deadline = NULL
        WHERE intent_id = ? AND settled IS NULL${withKind ? " RETURNING trigger_kind" : ""}`,
      settlement,
      now,
      error,
      attempts,
      intentId,
    );
    const [row] = withKind ? cursor.toArray() : [];
    if (cursor.rowsWritten === 0) throw new Error(`intent ${intentId} has already settled`);
    return row?.trigger_kind ?? null;
  }

  /**
   * Ends a failed attempt that has attempts left: its claim, if it wrote one,
   * is given back, and the row fires again at `fireAt`. An attempt without a
   * claim is counted here, and ends the start deadline and begins the finish
   * deadline (`finishDeadline`) as its claim would have.
   */
  release(attempt: Pick<Attempt, "intentId" | "token" | "attempt">, fireAt: number, error: string, finishDeadline: number | null): void {
    this.sql.exec(
      `UPDATE work SET claim_token = NULL, claim_deadline = NULL, claim_mode = NULL, fire_at = ?1, last_error = ?2,
          attempts = max(attempts, ?3), start_deadline = NULL, finish_deadline = coalesce(finish_deadline, ?4)
        WHERE intent_id = ?5 AND settled IS NULL AND (claim_token = ?6 OR ?6 IS NULL)`,
      fireAt,
      error,
      attempt.attempt,
      finishDeadline,
      attempt.intentId,
      attempt.token,
    );
  }

  /**
   * Ends every claim by `now`: each is due, and the next drain takes it over
   * as a redrive (or settles the last allowed attempt). Answers how many
   * claims there were.
   */
  expireClaims(now: number): number {
    return this.sql.exec("UPDATE work SET claim_deadline = min(claim_deadline, ?) WHERE claim_token IS NOT NULL", now).rowsWritten;
  }

  /** Brings unclaimed work forward to `at` if it was due later. */
  fireNoLaterThan(intentId: number, at: number): void {
    this.sql.exec("UPDATE work SET fire_at = min(fire_at, ?) WHERE intent_id = ? AND claim_token IS NULL", at, intentId);
  }

  /** Records a cancel request; the first request's time and reason are kept. */
  requestCancel(intentId: number, now: number, reason: string | null): { requestedAt: number } {
    const { requested_at } = this.sql
      .exec<{ requested_at: number }>(
        // A request supersedes the timeouts: whatever asked first, the work is now being stopped.
        `UPDATE work SET
            cancel_reason = CASE WHEN cancel_requested_at IS NULL THEN ? ELSE cancel_reason END,
            cancel_requested_at = coalesce(cancel_requested_at, ?),
            start_deadline = NULL, finish_deadline = NULL
          WHERE intent_id = ? RETURNING cancel_requested_at AS requested_at`,
        reason,
        now,
        intentId,
      )
      .one();
    return { requestedAt: requested_at };
  }
}

/** What a claim statement returns of each row it claimed. */
type ClaimedValues = [
  intentId: number,
  token: string,
  mode: AcquireMode,
  attempt: number,
  cancelRequestedAt: number | null,
  cancelReason: string | null,
];

export function toWorkRow(row: Row): WorkRow {
  return {
    intentId: row.intent_id,
    triggerKind: row.trigger_kind,
    fireAt: row.fire_at,
    attempts: row.attempts,
    claim: claimOf(row.claim_token, row.claim_deadline, row.claim_mode),
    cancel: cancelOf(row.cancel_requested_at, row.cancel_reason),
    settled: row.settled,
    settledAt: row.settled_at,
    lastError: row.last_error,
    intentVersion: row.intent_version,
    startDeadline: row.start_deadline,
    finishDeadline: row.finish_deadline,
  };
}

/** A row's claim from its columns, which the table's CHECKs keep all set or all null. */
export function claimOf(token: string | null, deadline: number | null, mode: AcquireMode | null): WorkRow["claim"] {
  return token === null ? null : { token, deadline: deadline as number, mode: mode as AcquireMode };
}

export function cancelOf(requestedAt: number | null, reason: string | null): WorkRow["cancel"] {
  return requestedAt === null ? null : { requestedAt, reason };
}

/** A new intent's work row, as `Store.add` writes it. */
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
export function newDueRow({ intentId, triggerKind, fireAt, intentVersion, startDeadline, payload }: NewWork): DueRow {
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
    startDeadline,
    finishDeadline: null,
    intentPayload: payload,
  };
}

/** Whether `a` comes before `b` in the order due rows are read: fire time, then id. */
export function firesBefore(a: Pick<WorkRow, "fireAt" | "intentId">, b: Pick<WorkRow, "fireAt" | "intentId">): boolean {
  return a.fireAt < b.fireAt || (a.fireAt === b.fireAt && a.intentId < b.intentId);
}

/** A row's payload in bytes of string memory (two per UTF-16 unit). */
export function payloadBytes(row: DueRow): number {
  return (row.intentPayload?.length ?? 0) * 2;
}
