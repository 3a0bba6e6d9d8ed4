import type { EventQuery, LedgerEvent } from "../contract/types.ts";
import { RequestError } from "../contract/errors.ts";
import { toJsonText } from "../contract/json.ts";

/** Reads are bounded so that one call can never load a whole large ledger. */
export const MAX_EVENTS_PER_READ = 1000;
/**
 * Reads are bounded by size too: a thousand events of up to 1 MiB each would
 * be a gigabyte, and RPC refuses a value over 32 MiB. A page stops before the
 * event that would take its payloads' JSON past this many bytes, but always
 * holds at least one event, so that paging after the last id progresses.
 */
export const MAX_BYTES_PER_READ = 8 * 1024 * 1024;
/** Durable Object SQL binds at most 100 parameters per statement. */
const MAX_KINDS_PER_READ = 50;

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS events (
    id      INTEGER PRIMARY KEY,
    ts      INTEGER NOT NULL,
    kind    TEXT    NOT NULL CHECK (length(kind) > 0),
    payload TEXT    NOT NULL CHECK (json_valid(payload))
  );
  CREATE INDEX IF NOT EXISTS events_by_kind ON events (kind, id);
  CREATE TRIGGER IF NOT EXISTS events_are_immutable BEFORE UPDATE ON events
    BEGIN SELECT RAISE(ABORT, 'ledger events never change'); END;
  CREATE TRIGGER IF NOT EXISTS events_are_permanent BEFORE DELETE ON events
    BEGIN SELECT RAISE(ABORT, 'ledger events never vanish'); END;
`;

interface EventRow extends Record<string, SqlStorageValue> {
  id: number;
  ts: number;
  kind: string;
  payload: string;
}

/** An event as it was just appended: what the ledger's fact hook hears, inside the appending transaction. */
export interface AppendedFact {
  readonly id: number;
  readonly kind: string;
  /** The payload as stored, as JSON text. */
  readonly text: string;
}

const INSERT_EVENT = "INSERT INTO events (id, ts, kind, payload) VALUES (?, ?, ?, ?)";

/** The size of a row's payload, in bytes of UTF-8, as SQLite stores it. */
const SIZED_COLUMNS = "id, ts, kind, payload, octet_length(payload) AS bytes";

/**
 * The append-only ledger. The SQL triggers make "events never change and
 * never vanish" a property of the table itself, and so ids strictly
 * increase: a new row's id is past the newest, which is never deleted.
 * (Ledgers made before this release have AUTOINCREMENT, which says the same
 * at the price of a read and a write of `sqlite_sequence` per event; they
 * keep it, since SQLite cannot drop it without copying the whole table.)
 */
export class Ledger {
  constructor(
    private readonly sql: SqlStorage,
    /**
     * Hears every fact as it is appended, inside the transaction that appends
     * it, and may write in that transaction (cancel-on-event does); a throw
     * fails the append. Every append goes through here, runtime facts included.
     */
    private readonly onAppend: (fact: AppendedFact) => void = () => {},
  ) {
    sql.exec(SCHEMA);
  }

  /** Appends an event; answers its id and the JSON text stored. */
  append(kind: string, payload: unknown, ts: number): { id: number; text: string } {
    const text = toJsonText(payload, `payload of event "${kind}"`);
    const id = this.#insert(ts, kind, text);
    this.onAppend({ id, kind, text });
    return { id, text };
  }

  /**
   * The newest id this object has appended, once known. Appends name their
   * ids rather than asking SQLite for its choice: `RETURNING id` cost as much
   * as the insert itself (about 8 µs of 17 inside workerd), twice per intent.
   * A rolled-back append keeps its id taken, so ids may skip; they still
   * strictly increase, which is what readers rely on.
   */
  #newest: number | null = null;

  /**
   * Inserts one event with the next id. The first append of the object's
   * life reads the newest id (one seek), and so does an append whose id a
   * write outside the runtime took, which then tries the next free one.
   */
  #insert(ts: number, kind: string, text: string): number {
    let id = (this.#newest ??= this.#readNewest()) + 1;
    try {
      this.sql.exec(INSERT_EVENT, id, ts, kind, text);
    } catch (error) {
      const newest = this.#readNewest();
      if (newest < id) throw error; // not a taken id: the event itself was refused
      id = newest + 1;
      this.sql.exec(INSERT_EVENT, id, ts, kind, text);
    }
    this.#newest = id;
    return id;
  }

  #readNewest(): number {
    return this.sql.exec<{ id: number }>("SELECT coalesce(max(id), 0) AS id FROM events").one().id;
  }

  /** An event's payload as stored, as JSON text; null when there is no such event. */
  payloadText(id: number): string | null {
    const row = this.sql.exec<{ payload: string }>("SELECT payload FROM events WHERE id = ?", id).toArray()[0];
    return row ? row.payload : null;
  }

  /** Events after `afterId`, ascending; see `page`. */
  read(query: EventQuery = {}): LedgerEvent[] {
    return this.page(query).events;
  }

  /**
   * Events after `afterId`, ascending: at most `limit` of them (and never
   * more than 1 000), and at most `maxBytes` of payload JSON, save that the
   * first event always comes, whatever its size. Rows are read one at a time,
   * so a page that stops early reads one row past its end and no more.
   * `more` is false when the page ended because the ledger did.
   */
  page(
    { afterId = 0, kinds, limit = MAX_EVENTS_PER_READ }: EventQuery = {},
    maxBytes = MAX_BYTES_PER_READ,
  ): { events: LedgerEvent[]; more: boolean } {
    assertKinds(kinds);
    const bounded = Math.max(0, Math.min(Math.trunc(limit), MAX_EVENTS_PER_READ));
    const rows =
      kinds !== undefined && kinds.length > 0
        ? this.sql.exec<EventRow & { bytes: number }>(
            `SELECT ${SIZED_COLUMNS} FROM events
            WHERE id > ? AND kind IN (${kinds.map(() => "?").join(", ")})
            ORDER BY id LIMIT ?`,
            afterId,
            ...kinds,
            bounded,
          )
        : this.sql.exec<EventRow & { bytes: number }>(
            `SELECT ${SIZED_COLUMNS} FROM events WHERE id > ? ORDER BY id LIMIT ?`,
            afterId,
            bounded,
          );
    const events: LedgerEvent[] = [];
    let bytes = 0;
    for (const row of rows) {
      bytes += row.bytes;
      if (bytes > maxBytes && events.length > 0) return { events, more: true };
      events.push(toEvent(row));
    }
    return { events, more: bounded > 0 && events.length === bounded };
  }
}

export function assertKinds(kinds: readonly string[] | undefined): void {
  if (kinds === undefined) return;
  if (!Array.isArray(kinds) || kinds.some((kind) => typeof kind !== "string"))
    throw new RequestError("events: kinds must be a list of strings");
  if (kinds.length > MAX_KINDS_PER_READ)
    throw new RequestError(`events: at most ${MAX_KINDS_PER_READ} kinds per read (got ${kinds.length})`);
}

function toEvent(row: EventRow): LedgerEvent {
  return { id: row.id, ts: row.ts, kind: row.kind, payload: JSON.parse(row.payload) };
}
