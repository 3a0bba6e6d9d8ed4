import { firesBefore, payloadBytes, type DueRow } from "../store/work-table.ts";

/**
 * What holding a row costs beyond its payload, as counted against the bound:
 * the row object and its place in a queue (about 150 bytes in V8), rounded up.
 */
const ROW_BYTES = 256;

/**
 * Rows due at once, per kind, in the order a look at due work reads them
 * (fire time, then id), bounded in bytes: `add` refuses a row past the bound,
 * and the holder, which must know every due row or none, then drops them all.
 */
export class FreshRows {
  readonly #byKind = new Map<string, DueRow[]>();
  #rows = 0;
  #bytes = 0;

  constructor(private readonly maxBytes: number) {}

  get size(): number {
    return this.#rows;
  }

  /** Holds `row`, or answers false if that would pass the bound. */
  add(row: DueRow): boolean {
    const bytes = ROW_BYTES + payloadBytes(row);
    if (this.#bytes + bytes > this.maxBytes) return false;
    let queue = this.#byKind.get(row.triggerKind);
    if (queue === undefined) this.#byKind.set(row.triggerKind, (queue = []));
    // Rows come in id order, so nearly always last; one enqueued for a time already past goes before later ids.
    let at = queue.length;
    while (at > 0 && firesBefore(row, queue[at - 1]!)) at--;
    if (at === queue.length) queue.push(row);
    else queue.splice(at, 0, row);
    this.#rows++;
    this.#bytes += bytes;
    return true;
  }

  /** Takes up to `limit` of a kind's rows, first due first; `more` says that some are left. */
  take(kind: string, limit: number): { rows: DueRow[]; more: boolean } {
    const queue = this.#byKind.get(kind);
    if (queue === undefined) return { rows: [], more: false };
    const rows = queue.splice(0, limit);
    for (const row of rows) this.#bytes -= ROW_BYTES + payloadBytes(row);
    this.#rows -= rows.length;
    if (queue.length === 0) this.#byKind.delete(kind);
    return { rows, more: queue.length > 0 };
  }
}
