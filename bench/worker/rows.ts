/** What the statements a piece of work ran cost in SQLite rows: what Durable Object SQL storage bills. */
export interface RowCost {
  readonly statements: number;
  readonly rowsRead: number;
  readonly rowsWritten: number;
  /** The same, statement by statement (its SQL with whitespace folded), so that a figure says where it comes from. */
  readonly byStatement: Record<string, { readonly runs: number; readonly rowsRead: number; readonly rowsWritten: number }>;
}

/**
 * Counts every statement run on `sql` from now until the returned function is
 * called, which answers the total. Statements matching `exclude` (the
 * benchmark's own polling) are not counted. Cursors are summed at the end, once
 * their statements have run to completion.
 */
export function countRows(sql: SqlStorage, exclude?: RegExp): () => RowCost {
  const exec = sql.exec;
  const cursors: [string, SqlStorageCursor<Record<string, SqlStorageValue>>][] = [];
  sql.exec = function (this: SqlStorage, query: string, ...bindings: SqlStorageValue[]) {
    const cursor = exec.call(this, query, ...bindings);
    if (!exclude?.test(query)) cursors.push([query, cursor]);
    return cursor;
  } as SqlStorage["exec"];
  return () => {
    sql.exec = exec;
    const byStatement: Record<string, { runs: number; rowsRead: number; rowsWritten: number }> = {};
    for (const [query, cursor] of cursors) {
      const entry = (byStatement[query.replace(/\s+/g, " ").trim()] ??= { runs: 0, rowsRead: 0, rowsWritten: 0 });
      entry.runs++;
      entry.rowsRead += cursor.rowsRead;
      entry.rowsWritten += cursor.rowsWritten;
    }
    return {
      statements: cursors.length,
      rowsRead: cursors.reduce((sum, [, cursor]) => sum + cursor.rowsRead, 0),
      rowsWritten: cursors.reduce((sum, [, cursor]) => sum + cursor.rowsWritten, 0),
      byStatement,
    };
  };
}

/**
 * The query plans of the statements `run` makes on `sql`, captured as they run
 * (never copies of the runtime's SQL, which could drift from it) and planned by
 * SQLite on the tables as they are afterwards. Inserts and schema statements
 * have nothing to search and are left out.
 */
export async function capturePlans(sql: SqlStorage, run: () => Promise<unknown>): Promise<Record<string, string[]>> {
  const exec = sql.exec;
  const ran = new Map<string, SqlStorageValue[]>();
  sql.exec = function (this: SqlStorage, query: string, ...bindings: SqlStorageValue[]) {
    if (!ran.has(query)) ran.set(query, bindings);
    return exec.call(this, query, ...bindings);
  } as SqlStorage["exec"];
  try {
    await run();
  } finally {
    sql.exec = exec;
  }
  const plans: Record<string, string[]> = {};
  for (const [query, bindings] of ran) {
    if (!/^\s*(SELECT|UPDATE|DELETE|WITH)\b/i.test(query)) continue;
    const plan = exec.call(sql, `EXPLAIN QUERY PLAN ${query}`, ...bindings).toArray() as { detail: string }[];
    plans[query.replace(/\s+/g, " ").trim()] = plan.map((row) => row.detail);
  }
  return plans;
}
