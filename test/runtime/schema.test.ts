import { describe, expect, it } from "vitest";
import type { AnyTrigger } from "../../runtime";
import { enqueueIntent } from "../../runtime/lifecycle/intents.ts";
import { createRegistry } from "../../runtime/definition/registry.ts";
import { openScope } from "../../runtime/object/scope.ts";
import { WorkTable } from "../../runtime/store/work-table.ts";
import { WorkQueries } from "../../runtime/store/work-queries.ts";
import { inBareLab } from "./time-helpers";

const job = {
  kind: "schema.job",
  intentEventKind: "schema.job.requested",
  cancellation: "cooperative",
  parseIntent: (raw: unknown) => ({ ok: true, intent: raw }),
  acquire: () => null,
  commit() {},
  commitCancelled() {},
} satisfies AnyTrigger;

/**
 * Opens the runtime on an object whose tables `before` made, then enqueues
 * three intents, two with one idempotency key; answers what a user and an
 * operator would see.
 */
function enqueueThree(before: (sql: SqlStorage) => void) {
  return inBareLab((state) => {
    const sql = state.storage.sql;
    before(sql);
    const scope = openScope(state, {}, createRegistry([job]));
    const enqueue = (idempotencyKey?: string) =>
      scope.store.transaction(() =>
        enqueueIntent(scope, { triggerKind: "schema.job", payload: {}, ...(idempotencyKey ? { idempotencyKey } : {}) }, Date.now()),
      ).id;
    const ids = [enqueue("k"), enqueue(), enqueue("k")];
    const tableSql = (name: string) => sql.exec<{ sql: string }>("SELECT sql FROM sqlite_master WHERE name = ?", name).one().sql;
    let duplicate: unknown = null;
    try {
      sql.exec("INSERT INTO events (ts, kind, payload) VALUES (1, 'x', '{}')");
      sql.exec("INSERT INTO work (intent_id, trigger_kind, fire_at, idempotency_key) VALUES (last_insert_rowid(), 'schema.job', 1, 'k')");
    } catch (error) {
      duplicate = (error as Error).message;
    }
    return {
      ids,
      events: tableSql("events"),
      work: tableSql("work"),
      indexes: sql
        .exec<{ name: string }>("SELECT name FROM pragma_index_list('work') ORDER BY name")
        .toArray()
        .map((row) => row.name),
      duplicate,
    };
  });
}

describe("the runtime's tables", () => {
  it("are made lean: event ids without AUTOINCREMENT's bookkeeping, idempotency keys in a partial index", async () => {
    const seen = await enqueueThree(() => {});
    expect(seen.ids[2]).toBe(seen.ids[0]); // one intent per key
    expect(seen.ids[1]).toBeGreaterThan(seen.ids[0]!);
    expect(seen.events).not.toMatch(/AUTOINCREMENT/i);
    expect(seen.work).not.toMatch(/UNIQUE/i);
    expect(seen.indexes).toContain("work_idempotency");
    expect(seen.indexes.filter((name) => name.startsWith("sqlite_autoindex"))).toEqual([]);
    // The rule holds in SQLite itself, not only in the runtime's check.
    expect(seen.duplicate).toMatch(/UNIQUE constraint failed/);
  });

  it("keep working as an earlier release made them, AUTOINCREMENT and table constraint included, with no second index", async () => {
    const seen = await enqueueThree((sql) =>
      sql.exec(`CREATE TABLE events (id INTEGER PRIMARY KEY AUTOINCREMENT, ts INTEGER NOT NULL, kind TEXT NOT NULL CHECK (length(kind) > 0), payload TEXT NOT NULL CHECK (json_valid(payload)));
        INSERT INTO events (ts, kind, payload) VALUES (1, 'old.requested', '{}');
        CREATE TABLE work (intent_id INTEGER PRIMARY KEY REFERENCES events (id), trigger_kind TEXT NOT NULL, idempotency_key TEXT,
          fire_at INTEGER NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, claim_token TEXT, claim_deadline INTEGER, claim_mode TEXT,
          cancel_requested_at INTEGER, cancel_reason TEXT, settled TEXT, settled_at INTEGER, last_error TEXT,
          UNIQUE (trigger_kind, idempotency_key));`),
    );
    expect(seen.ids).toEqual([2, 3, 2]);
    expect(seen.events).toMatch(/AUTOINCREMENT/);
    expect(seen.indexes).not.toContain("work_idempotency");
    expect(seen.indexes.filter((name) => name.startsWith("sqlite_autoindex"))).toHaveLength(1);
    expect(seen.duplicate).toMatch(/UNIQUE constraint failed/);
  });

  it("check a settlement without rows read for the check, which Durable Objects bill: an insert reads its key and its intent, a settlement its row", async () => {
    const seen = await inBareLab((state) => {
      const sql = state.storage.sql;
      const scope = openScope(state, {}, createRegistry([job]));
      const { id } = scope.store.transaction(() => enqueueIntent(scope, { triggerKind: "schema.job", payload: {} }, Date.now()));
      // Every statement on the work table from here on, with the rows it read.
      const exec = sql.exec;
      const reads: [string, SqlStorageCursor<Record<string, SqlStorageValue>>][] = [];
      sql.exec = function (this: SqlStorage, query: string, ...bindings: SqlStorageValue[]) {
        const cursor = exec.call(this, query, ...bindings);
        if (/^\s*(INSERT INTO|UPDATE) work\b/.test(query)) reads.push([query.trim().split(" ")[0]!, cursor]);
        return cursor;
      } as SqlStorage["exec"];
      scope.store.transaction(() => enqueueIntent(scope, { triggerKind: "schema.job", payload: {} }, Date.now()));
      scope.store.settle(id, "completed", Date.now(), null, 1);
      sql.exec = exec;
      let refused: unknown = null;
      try {
        sql.exec("UPDATE work SET settled = 'done', settled_at = 1 WHERE intent_id = ?", id + 1);
      } catch (error) {
        refused = (error as Error).message;
      }
      return { reads: reads.map(([statement, cursor]) => [statement, cursor.rowsRead]), refused };
    });
    // With the settlement checked by `IN (…)`, these read 4 and 2.
    expect(seen.reads).toEqual([
      ["INSERT", 2],
      ["UPDATE", 1],
    ]);
    expect(seen.refused).toMatch(/CHECK constraint/);
  });

  it("give each event an id past the newest: one written behind the runtime's back is stepped over, a rolled-back one leaves at most a gap", async () => {
    const seen = await inBareLab((state) => {
      const sql = state.storage.sql;
      const scope = openScope(state, {}, createRegistry([job]));
      const enqueue = () => scope.store.transaction(() => enqueueIntent(scope, { triggerKind: "schema.job", payload: {} }, Date.now())).id;
      const first = enqueue();
      // Another writer of the same table, which the runtime has not heard of.
      sql.exec("INSERT INTO events (ts, kind, payload) VALUES (1, 'elsewhere', '{}')");
      const second = enqueue();
      let refused: unknown = null;
      try {
        scope.store.transaction(() => {
          enqueueIntent(scope, { triggerKind: "schema.job", payload: { rolled: "back" } }, Date.now());
          throw new Error("refused");
        });
      } catch (error) {
        refused = (error as Error).message;
      }
      const third = enqueue();
      const events = sql.exec<{ id: number; kind: string }>("SELECT id, kind FROM events ORDER BY id").toArray();
      const work = sql
        .exec<{ intent_id: number }>("SELECT intent_id FROM work ORDER BY intent_id")
        .toArray()
        .map((row) => row.intent_id);
      return { ids: [first, second, third], refused, events, work };
    });
    const [first, second, third] = seen.ids as [number, number, number];
    expect(seen.refused).toBe("refused");
    expect(seen.events).toEqual([
      { id: first, kind: "schema.job.requested" },
      { id: first + 1, kind: "elsewhere" },
      { id: second, kind: "schema.job.requested" },
      { id: third, kind: "schema.job.requested" },
    ]);
    expect(second).toBe(first + 2);
    expect(third).toBeGreaterThan(second);
    expect(seen.work).toEqual([first, second, third]);
  });

  it("find the next pending fire time through the due index, skipping claimed rows, without an index of their own", async () => {
    const seen = await inBareLab((state) => {
      const sql = state.storage.sql;
      // A table as the last release made it, with its index of pending fire times.
      sql.exec("CREATE TABLE events (id INTEGER PRIMARY KEY, ts INTEGER NOT NULL, kind TEXT NOT NULL, payload TEXT NOT NULL)");
      new WorkTable(sql);
      sql.exec("CREATE INDEX work_pending ON work (fire_at) WHERE settled IS NULL AND claim_token IS NULL");
      const table = new WorkTable(sql);
      const queries = new WorkQueries(sql);
      const add = (id: number, kind: string, fireAt: number) => {
        sql.exec("INSERT INTO events (id, ts, kind, payload) VALUES (?, 0, 'k', '{}')", id);
        table.insert({
          intentId: id,
          triggerKind: kind,
          fireAt,
          idempotencyKey: null,
          intentVersion: 1,
          startDeadline: null,
          cancelOnKeys: [],
          payload: "{}",
        });
      };
      add(1, "a", 100); // claimed below
      add(2, "a", 300);
      add(3, "b", 200); // claimed below
      add(4, "b", 250);
      add(5, "c", 150); // settled below
      table.claim([queries.get(1)!, queries.get(3)!], "t:", 1_000, 60_000);
      table.settle(5, "completed", 1_000, null, 1);
      // The statement as the table runs it, planned by SQLite.
      const exec = sql.exec;
      let ran: [string, SqlStorageValue[]] | null = null;
      sql.exec = function (this: SqlStorage, query: string, ...bindings: SqlStorageValue[]) {
        ran ??= [query, bindings];
        return exec.call(this, query, ...bindings);
      } as SqlStorage["exec"];
      const next = queries.nextWake(0);
      sql.exec = exec;
      const [query, bindings] = ran!;
      const plan = sql
        .exec<{ detail: string }>(`EXPLAIN QUERY PLAN ${query}`, ...bindings)
        .toArray()
        .map((row) => row.detail);
      const indexes = sql
        .exec<{ name: string }>("SELECT name FROM pragma_index_list('work')")
        .toArray()
        .map((row) => row.name);
      return { next, plan, indexes, deadline: 1_000 + 60_000 };
    });
    // The claimed rows (100, 200) and the settled one (150) are passed over; the claims' deadline comes later.
    expect(seen.next).toBe(250);
    expect(seen.indexes).not.toContain("work_pending");
    expect(seen.plan.join("; ")).toMatch(/work_due/);
    for (const step of seen.plan) expect(step).not.toMatch(/^SCAN work\b(?! USING)/);
  });
});
