import type { ScheduleSummary } from "../contract/types.ts";
import type { Timing } from "../definition/schedule-time.ts";

/**
 * The schedules table: one row per schedule key. The CHECK constraints keep
 * a row's timing whole: exactly one of cron and every_ms, a zone only with
 * cron. `payload` is the payload as JSON text, stored under the trigger's
 * intent version then (`intent_version`): every firing runs the trigger's
 * upgrades past that version and parses it again, as stored work does.
 */
const SCHEMA = `
  CREATE TABLE IF NOT EXISTS schedules (
    key           TEXT    PRIMARY KEY,
    trigger_kind  TEXT    NOT NULL,
    payload       TEXT    NOT NULL CHECK (json_valid(payload)),
    cron          TEXT,
    timezone      TEXT,
    every_ms      INTEGER CHECK (every_ms > 0),
    next_fire_at  INTEGER NOT NULL,
    last_fired_at INTEGER,
    origin        TEXT    NOT NULL CHECK (origin IN ('spec', 'api')),
    intent_version INTEGER NOT NULL DEFAULT 1 CHECK (intent_version >= 1),
    CHECK ((cron IS NULL) <> (every_ms IS NULL)),
    CHECK (timezone IS NULL OR cron IS NOT NULL)
  ) WITHOUT ROWID;
  CREATE INDEX IF NOT EXISTS schedules_next ON schedules (next_fire_at);
`;

interface Row extends Record<string, SqlStorageValue> {
  key: string;
  trigger_kind: string;
  payload: string;
  cron: string | null;
  timezone: string | null;
  every_ms: number | null;
  next_fire_at: number;
  last_fired_at: number | null;
  origin: "spec" | "api";
  intent_version: number;
}

/** A schedule as stored. */
export interface ScheduleRow extends Timing {
  readonly key: string;
  readonly triggerKind: string;
  /** The payload as JSON text. */
  readonly payload: string;
  readonly nextFireAt: number;
  readonly lastFiredAt: number | null;
  readonly origin: "spec" | "api";
  /** The trigger's intent version the payload was stored under. */
  readonly intentVersion: number;
}

/** How many schedules one look fires at most; the rest fire on the drain's next look. */
const DUE_SCHEDULES = 64;

/** What a reader may ask of the schedules table. */
export interface ScheduleReads {
  get(key: string): ScheduleRow | null;
  /** Every schedule, soonest first. */
  list(): ScheduleRow[];
  due(now: number): ScheduleRow[];
  nextFireAt(after: number): number | null;
}

/** Every query on the schedules table, and nothing else. */
export class ScheduleTable implements ScheduleReads {
  constructor(private readonly sql: SqlStorage) {
    sql.exec(SCHEMA);
    // Tables made before schedules recorded versions: their payloads were stored under version 1.
    const columns = sql.exec<{ name: string }>("SELECT name FROM pragma_table_info('schedules')").toArray();
    if (!columns.some((column) => column.name === "intent_version")) {
      sql.exec("ALTER TABLE schedules ADD COLUMN intent_version INTEGER NOT NULL DEFAULT 1 CHECK (intent_version >= 1)");
    }
  }

  get(key: string): ScheduleRow | null {
    const row = this.sql.exec<Row>("SELECT * FROM schedules WHERE key = ?", key).toArray()[0];
    return row ? toScheduleRow(row) : null;
  }

  /** Every schedule, soonest first. A scope holds a handful: each is declared or made on purpose. */
  list(): ScheduleRow[] {
    return this.sql.exec<Row>("SELECT * FROM schedules ORDER BY next_fire_at, key").toArray().map(toScheduleRow);
  }

  /** Inserts or replaces the row with this key. */
  put(row: ScheduleRow): void {
    this.sql.exec(
      `INSERT OR REPLACE INTO schedules (key, trigger_kind, payload, cron, timezone, every_ms, next_fire_at, last_fired_at, origin, intent_version)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      row.key,
      row.triggerKind,
      row.payload,
      row.cron,
      row.timezone,
      row.everyMs,
      row.nextFireAt,
      row.lastFiredAt,
      row.origin,
      row.intentVersion,
    );
  }

  delete(key: string): boolean {
    return this.sql.exec("DELETE FROM schedules WHERE key = ?", key).rowsWritten > 0;
  }

  /** Schedules whose next fire time has come, soonest first. */
  due(now: number): ScheduleRow[] {
    return this.sql
      .exec<Row>("SELECT * FROM schedules WHERE next_fire_at <= ? ORDER BY next_fire_at, key LIMIT ?", now, DUE_SCHEDULES)
      .toArray()
      .map(toScheduleRow);
  }

  /** Records a firing: the fire time it carried and the next one. */
  fired(key: string, firedAt: number, next: number): void {
    this.sql.exec("UPDATE schedules SET last_fired_at = ?, next_fire_at = ? WHERE key = ?", firedAt, next, key);
  }

  /** The earliest next fire time after `after`, or null for none. */
  nextFireAt(after: number): number | null {
    return this.sql.exec<{ at: number | null }>("SELECT min(next_fire_at) AS at FROM schedules WHERE next_fire_at > ?", after).one().at;
  }
}

export function summarizeSchedule(row: ScheduleRow): ScheduleSummary {
  const { key, triggerKind, cron, timezone, everyMs, nextFireAt, lastFiredAt, origin } = row;
  return { key, triggerKind, cron, timezone, everyMs, nextFireAt, lastFiredAt, origin };
}

function toScheduleRow(row: Row): ScheduleRow {
  return {
    key: row.key,
    triggerKind: row.trigger_kind,
    payload: row.payload,
    cron: row.cron,
    timezone: row.timezone,
    everyMs: row.every_ms,
    nextFireAt: row.next_fire_at,
    lastFiredAt: row.last_fired_at,
    origin: row.origin,
    intentVersion: row.intent_version,
  };
}
