/** What the statements a piece of work ran cost in SQLite rows: what Durable Object SQL storage bills. */
export interface RowCost {
  readonly statements: number;
  readonly rowsRead: number;
  readonly rowsWritten: number;
}

/**
 * Counts every statement run on `sql` from now until the returned function is
 * called, which answers the total. Statements matching `exclude` (the
 * benchmark's own polling) are not counted. Cursors are summed at the end, once
 * their statements have run to completion.
 */
export function countRows(sql: SqlStorage, exclude?: RegExp): () => RowCost {
  const exec = sql.exec;
  const cursors: SqlStorageCursor<Record<string, SqlStorageValue>>[] = [];
  sql.exec = function (this: SqlStorage, query: string, ...bindings: SqlStorageValue[]) {
    const cursor = exec.call(this, query, ...bindings);
    if (!exclude?.test(query)) cursors.push(cursor);
    return cursor;
  } as SqlStorage["exec"];
  return () => {
    sql.exec = exec;
    return {
      statements: cursors.length,
      rowsRead: cursors.reduce((sum, cursor) => sum + cursor.rowsRead, 0),
      rowsWritten: cursors.reduce((sum, cursor) => sum + cursor.rowsWritten, 0),
    };
  };
}
