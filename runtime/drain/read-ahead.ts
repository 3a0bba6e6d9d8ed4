import { earlier } from "../store/changes.ts";
import { firesBefore, payloadBytes, type DueRow } from "../store/work-table.ts";

/** How many due rows a look reads ahead at most, and how many bytes of payload it keeps. */
export const READ_AHEAD_ROWS = 64;
const READ_AHEAD_BYTES = 1024 * 1024;

/**
 * The head of one kind's due order, read beyond what a look asked for, so
 * that a kind whose slots free one at a time costs one read of due work per
 * batch of rows rather than one per row. It holds while no write could put
 * a row before it or change one of its rows, and until `until`: the first
 * time at which time alone could (a start deadline of one of its rows, a
 * claim's deadline, after which the claimed row is due again), or any later
 * time a write makes a drain needed at (`mayWakeAt`).
 */
interface Ahead {
  readonly rows: DueRow[];
  until: number | null;
}

/** What the drain read ahead, per kind; `#ids` holds the ids of all their rows. */
export class ReadAhead {
  readonly #byKind = new Map<string, Ahead>();
  readonly #ids = new Set<number>();

  /** Up to `limit` rows of `kind` read ahead, if what was read still holds at `now`; else null. */
  take(kind: string, now: number, limit: number): DueRow[] | null {
    const ahead = this.#byKind.get(kind);
    if (ahead === undefined || (ahead.until !== null && now >= ahead.until)) return null;
    const rows = ahead.rows.splice(0, limit);
    for (const row of rows) this.#ids.delete(row.intentId);
    if (ahead.rows.length === 0) this.#byKind.delete(kind);
    return rows;
  }

  /** Keeps `rows` (read beyond a look's limit) within the byte bound; `until` is the earliest claim deadline. */
  keep(kind: string, rows: readonly DueRow[], until: number | null): void {
    const kept: DueRow[] = [];
    let bytes = 0;
    for (const row of rows) {
      bytes += payloadBytes(row);
      if (bytes > READ_AHEAD_BYTES) break;
      kept.push(row);
      this.#ids.add(row.intentId);
      until = earlier(until, earlier(row.startDeadline, row.finishDeadline));
    }
    if (kept.length > 0) this.#byKind.set(kind, { rows: kept, until });
  }

  /** Forgets every kind's rows, or, given a row, only if it is one of them. */
  forget(intentId?: number): void {
    if (this.#byKind.size === 0 || (intentId !== undefined && !this.#ids.has(intentId))) return;
    this.#byKind.clear();
    this.#ids.clear();
  }

  drop(kind: string): void {
    const ahead = this.#byKind.get(kind);
    if (ahead === undefined) return;
    for (const row of ahead.rows) this.#ids.delete(row.intentId);
    this.#byKind.delete(kind);
  }

  /** A new row is due: what was read ahead of its kind holds only if the row comes after it. */
  rowDue(row: DueRow): void {
    const last = this.#byKind.get(row.triggerKind)?.rows.at(-1);
    if (last !== undefined && firesBefore(row, last)) this.drop(row.triggerKind);
  }

  /** A write made `at` a time that needs a drain: what was read ahead holds until then at most, since time may then change it. */
  mayWakeAt(at: number): void {
    for (const ahead of this.#byKind.values()) ahead.until = earlier(ahead.until, at);
  }
}
