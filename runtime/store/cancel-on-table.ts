/**
 * Cancel on an event: a trigger's `cancelOn` rules, and the small table that
 * makes matching a lookup rather than a scan. At enqueue, each rule of the
 * intent's trigger gives one match key (the rule and the intent's values at
 * its paths, as canonical JSON) stored with the intent id; when a fact is
 * appended, each rule on its kind gives the key from the fact's payload, and
 * the intents stored under that key are the ones to cancel. An intent's keys
 * are deleted when it settles (by the store, for the kinds that have
 * rules), so the table holds unsettled work only, however long the ledger grows.
 */
const SCHEMA = `
  CREATE TABLE IF NOT EXISTS cancel_on (
    event_kind TEXT    NOT NULL,
    match_key  TEXT    NOT NULL,
    intent_id  INTEGER NOT NULL REFERENCES work (intent_id),
    PRIMARY KEY (event_kind, match_key, intent_id)
  ) WITHOUT ROWID;
  CREATE INDEX IF NOT EXISTS cancel_on_by_intent ON cancel_on (intent_id);
`;

/** One stored key: an intent waits to be cancelled by a fact of `eventKind` whose payload gives the same `matchKey`. */
export interface CancelOnKey {
  readonly eventKind: string;
  readonly matchKey: string;
}

/** Every query on the `cancel_on` table; the store is its only writer. Create it after the work table. */
export class CancelOnTable {
  constructor(private readonly sql: SqlStorage) {
    sql.exec(SCHEMA);
  }

  insert(intentId: number, keys: readonly CancelOnKey[]): void {
    // OR IGNORE: two rules of one trigger may give the same key.
    for (const { eventKind, matchKey } of keys) {
      this.sql.exec("INSERT OR IGNORE INTO cancel_on (event_kind, match_key, intent_id) VALUES (?, ?, ?)", eventKind, matchKey, intentId);
    }
  }

  /** An intent settled: its keys go. */
  forget(intentId: number): void {
    this.sql.exec("DELETE FROM cancel_on WHERE intent_id = ?", intentId);
  }

  /** The unsettled intents stored under this key, oldest first: one seek on the primary key. */
  matching(eventKind: string, matchKey: string): number[] {
    return this.sql
      .exec<{ intent_id: number }>(
        "SELECT intent_id FROM cancel_on WHERE event_kind = ? AND match_key = ? ORDER BY intent_id",
        eventKind,
        matchKey,
      )
      .toArray()
      .map((row) => row.intent_id);
  }
}
