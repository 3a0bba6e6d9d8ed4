import type { AcquireMode, IntentPhase, IntentSummary } from "../contract/types.ts";
import { cancelOf, claimOf, COLUMNS, toWorkRow, type DueRow, type Row, type TimedOut, type WorkRow } from "./work-table.ts";

/** The earliest claim deadline after ?1, by the `work_claims` index: when a claimed row may next be due again. */
const EARLIEST_CLAIM_DEADLINE = "SELECT min(claim_deadline) FROM work WHERE claim_token IS NOT NULL AND claim_deadline > ?1";

/**
 * The kinds of unsettled work, as a common table `kinds`: one seek of
 * `work_due` per kind (a hand-made skip scan), however many rows each has.
 */
const UNSETTLED_KINDS = `WITH RECURSIVE kinds (kind) AS (
    SELECT min(trigger_kind) FROM work WHERE settled IS NULL
    UNION ALL
    SELECT (SELECT min(trigger_kind) FROM work WHERE settled IS NULL AND trigger_kind > kinds.kind)
      FROM kinds WHERE kind IS NOT NULL)`;

/** The payload bytes one look at due rows may load. */
const DUE_BYTES = 8 * 1024 * 1024;

/** Every read of the work table: what the store's readers and the drain's memory ask of storage. */
export class WorkQueries {
  constructor(private readonly sql: SqlStorage) {}

  /**
   * Unsettled rows whose start or finish deadline is at or before `now`, at
   * most 64: a start deadline is cleared by the first claim, and both by
   * settling or by the timeout's own answer, so each row comes once.
   */
  timedOut(now: number): TimedOut[] {
    return this.sql
      .exec<Row & { timeout: "start" | "finish" }>(
        `SELECT * FROM (
            SELECT ${COLUMNS}, 'start' AS timeout FROM work WHERE settled IS NULL AND start_deadline IS NOT NULL AND start_deadline <= ?1
            UNION ALL
            SELECT ${COLUMNS}, 'finish' AS timeout FROM work WHERE settled IS NULL AND finish_deadline IS NOT NULL AND finish_deadline <= ?1)
          LIMIT 64`,
        now,
      )
      .toArray()
      .map((row) => ({ ...toWorkRow(row), timeout: row.timeout }));
  }

  idByIdempotencyKey(triggerKind: string, key: string): number | null {
    const row = this.sql
      .exec<{ intent_id: number }>("SELECT intent_id FROM work WHERE trigger_kind = ? AND idempotency_key = ?", triggerKind, key)
      .toArray()[0];
    return row ? row.intent_id : null;
  }

  get(intentId: number): WorkRow | null {
    const row = this.sql.exec<Row>(`SELECT ${COLUMNS} FROM work WHERE intent_id = ?`, intentId).toArray()[0];
    return row ? toWorkRow(row) : null;
  }

  /**
   * Due rows of one kind: unsettled, fired, and unclaimed or with an expired
   * claim, at most `limit` of them; with their intent events' payloads,
   * unless `withPayload` is false (rows that will not run need none). A
   * payload may be a megabyte, so the rows also stop at `maxBytes` of
   * payload (the first row always comes). `more` says that the rows
   * stopped at a limit, so more may be due behind them.
   */
  due(triggerKind: string, now: number, limit: number, withPayload = true, maxBytes = DUE_BYTES): { rows: DueRow[]; more: boolean } {
    const payload = withPayload
      ? "payload, octet_length(payload) FROM work LEFT JOIN events ON events.id = work.intent_id"
      : "NULL, 0 FROM work";
    // Raw rows: a look may read a backlog's rows 64 at a time, and a row object per row cost twice what the query did.
    const rows = this.sql
      .exec(
        `SELECT ${DUE_COLUMNS}, ${payload}
          WHERE trigger_kind = ? AND settled IS NULL AND fire_at <= ?
            AND (claim_deadline IS NULL OR claim_deadline <= ?)
          ORDER BY fire_at, intent_id LIMIT ?`,
        triggerKind,
        now,
        now,
        limit,
      )
      .raw<DueValues>();
    const due: DueRow[] = [];
    let bytes = 0;
    for (const values of rows) {
      bytes += payloadBytesOf(values);
      if (bytes > maxBytes && due.length > 0) return { rows: due, more: true };
      due.push(dueRow(values));
    }
    return { rows: due, more: due.length === limit };
  }

  /**
   * The kinds of unsettled work, one index seek per kind (a hand-made skip
   * scan over `work_due`), so that the cost does not grow with the backlog.
   */
  unsettledKinds(): string[] {
    return this.sql
      .exec<{ kind: string }>(`${UNSETTLED_KINDS} SELECT kind FROM kinds WHERE kind IS NOT NULL`)
      .toArray()
      .map((row) => row.kind);
  }

  /** The row, if `token` still owns its claim; a lost claim answers null. */
  owned(intentId: number, token: string): WorkRow | null {
    const row = this.sql
      .exec<Row>(`SELECT ${COLUMNS} FROM work WHERE intent_id = ? AND claim_token = ? AND settled IS NULL`, intentId, token)
      .toArray()[0];
    return row ? toWorkRow(row) : null;
  }

  /**
   * When the next drain is needed: the earliest pending fire time, claim
   * deadline or timeout deadline after `after`. A sleeping drain asks for times after now, since
   * what is due now and not started waits for a free slot, not for the clock.
   */
  nextWake(after = Number.MIN_SAFE_INTEGER): number | null {
    const { at } = this.sql
      .exec<{ at: number | null }>(
        // Per kind, its first unclaimed row after ?1 in `work_due`'s order: the rows skipped are claimed, and
        // a kind has at most its concurrency of those (claims are made of due rows, never of later ones).
        `${UNSETTLED_KINDS}
          SELECT min(at) AS at FROM (
            SELECT (SELECT fire_at FROM work WHERE trigger_kind = kinds.kind AND settled IS NULL AND fire_at > ?1 AND claim_token IS NULL
                ORDER BY fire_at LIMIT 1) AS at
              FROM kinds WHERE kind IS NOT NULL
            UNION ALL
            ${EARLIEST_CLAIM_DEADLINE}
            UNION ALL
            SELECT min(start_deadline) FROM work WHERE settled IS NULL AND start_deadline IS NOT NULL AND start_deadline > ?1
            UNION ALL
            SELECT min(finish_deadline) FROM work WHERE settled IS NULL AND finish_deadline IS NOT NULL AND finish_deadline > ?1)`,
        after,
      )
      .one();
    return at;
  }

  /** The earliest claim deadline after `after`: when a claimed row may next become due again (one index seek). */
  earliestClaimDeadline(after: number): number | null {
    return this.sql.exec<{ at: number | null }>(`SELECT (${EARLIEST_CLAIM_DEADLINE}) AS at`, after).one().at;
  }

  list(limit: number, beforeId: number | null): IntentSummary[] {
    return this.sql
      .exec<Row>(
        `SELECT ${COLUMNS} FROM work WHERE intent_id < ? ORDER BY intent_id DESC LIMIT ?`,
        beforeId ?? Number.MAX_SAFE_INTEGER,
        limit,
      )
      .toArray()
      .map((row) => summarize(toWorkRow(row)));
  }
}

export function phaseOf(row: WorkRow): IntentPhase {
  if (row.settled === "completed" && row.cancel !== null) return "completed_after_cancel_requested";
  if (row.settled !== null) return row.settled;
  if (row.cancel !== null) return "cancel_requested";
  if (row.claim !== null) return row.claim.mode === "redrive" ? "redriven" : "claimed";
  return row.attempts > 0 ? "retry_scheduled" : "scheduled";
}

export function summarize(row: WorkRow): IntentSummary {
  return {
    intentEventId: row.intentId,
    triggerKind: row.triggerKind,
    phase: phaseOf(row),
    attempts: row.attempts,
    fireAt: row.fireAt,
    settledAt: row.settledAt,
    lastError: row.lastError === null ? null : (JSON.parse(row.lastError) as IntentSummary["lastError"]),
    intentVersion: row.intentVersion,
    cancelReason: row.cancel?.reason ?? null,
  };
}

/** The columns `due` reads, in the order of `DueValues`: an unsettled row's, then its payload and the payload's bytes. */
const DUE_COLUMNS = `intent_id, trigger_kind, fire_at, attempts, claim_token, claim_deadline, claim_mode,
  cancel_requested_at, cancel_reason, last_error, intent_version, start_deadline, finish_deadline`;

type DueValues = [
  intentId: number,
  triggerKind: string,
  fireAt: number,
  attempts: number,
  claimToken: string | null,
  claimDeadline: number | null,
  claimMode: AcquireMode | null,
  cancelRequestedAt: number | null,
  cancelReason: string | null,
  lastError: string | null,
  intentVersion: number,
  startDeadline: number | null,
  finishDeadline: number | null,
  payload: string | null,
  bytes: number | null,
];

function payloadBytesOf(values: DueValues): number {
  return values[14] ?? 0;
}

function dueRow(values: DueValues): DueRow {
  const [
    intentId,
    triggerKind,
    fireAt,
    attempts,
    claimToken,
    claimDeadline,
    claimMode,
    cancelRequestedAt,
    cancelReason,
    lastError,
    intentVersion,
    startDeadline,
    finishDeadline,
    payload,
  ] = values;
  return {
    intentId,
    triggerKind,
    fireAt,
    attempts,
    claim: claimOf(claimToken, claimDeadline, claimMode),
    cancel: cancelOf(cancelRequestedAt, cancelReason),
    settled: null,
    settledAt: null,
    lastError,
    intentVersion,
    startDeadline,
    finishDeadline,
    intentPayload: payload,
  };
}
