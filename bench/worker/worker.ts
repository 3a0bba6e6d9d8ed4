import { DurableObject } from "cloudflare:workers";
import { defineAgentDO, type DeclaredEvent, type DurableTrigger, type KindName } from "../../runtime";
import { Ledger } from "../../runtime/store/ledger";
import { WorkTable } from "../../runtime/store/work-table";
import { capturePlans, countRows, type RowCost } from "./rows";

/**
 * Measurements taken inside the objects, so that only the runtime's own work
 * is timed: no HTTP, no RPC per job.
 */
const noop = (kind: KindName, concurrency = 1, waitMs = 0) =>
  ({
    kind,
    intentEventKind: `${kind}.requested` as KindName,
    cancellation: "cooperative",
    concurrency,
    parseIntent: (raw: unknown) => ({ ok: true, intent: raw as { n: number } }),
    acquire: (intent, ctx) =>
      waitMs === 0
        ? { n: intent.n }
        : new Promise<{ n: number }>((resolve, reject) => {
            const timer = setTimeout(() => resolve({ n: intent.n }), waitMs);
            ctx.signal.addEventListener(
              "abort",
              () => {
                clearTimeout(timer);
                reject(ctx.signal.reason);
              },
              { once: true },
            );
          }),
    commit(outcome, tx) {
      tx.insertEvent({ kind: `${kind}.done`, payload: outcome });
    },
    commitCancelled(intent, _cancellation, tx) {
      tx.insertEvent({ kind: `${kind}.cancelled`, payload: { n: intent.n } });
    },
  }) satisfies DurableTrigger<{ n: number }, { n: number }>;

/** Cancelled by a `bench.refund` fact with the same `n`: what cancel-on-event costs as the ledger grows. */
const cancellable = { ...noop("bench.cancellable"), cancelOn: [{ event: "bench.refund", match: { n: "n" } }] } satisfies DurableTrigger<
  { n: number },
  { n: number }
>;
const refund = {
  kind: "bench.refund",
  parsePayload: (raw: unknown) => ({ ok: true, payload: raw as { n: number } }),
} satisfies DeclaredEvent<{ n: number }>;

/** The same with an async acquire that needs no I/O: its promise resolves in the turn that started it. */
const asyncNoop = (kind: KindName, concurrency: number) =>
  ({ ...noop(kind, concurrency), acquire: async (intent: { n: number }) => ({ n: intent.n }) }) satisfies DurableTrigger<
    { n: number },
    { n: number }
  >;

const triggers = [
  asyncNoop("bench.async10", 10),
  noop("bench.noop"),
  noop("bench.io1", 1, 50),
  noop("bench.io10", 10, 50),
  noop("bench.io50", 50, 50),
  noop("bench.slow", 1, 60_000),
] as const;
const Agent = defineAgentDO({ triggers });

type Kind = (typeof triggers)[number]["kind"];

export class BenchAgent extends Agent {
  /** Enqueues `count` intents of `kind`, one call at a time, and resolves when every one has settled: wall time in ms. */
  async throughput(kind: Kind, count: number): Promise<number> {
    const started = performance.now();
    for (let n = 0; n < count; n++) await this.enqueueTrigger({ triggerKind: kind, payload: { n } });
    await this.#settled(kind);
    return performance.now() - started;
  }

  /** The same, with every enqueue made before any is awaited: the drain then works through a backlog. */
  async burst(count: number): Promise<number> {
    const started = performance.now();
    const enqueued = [];
    for (let n = 0; n < count; n++) enqueued.push(this.enqueueTrigger({ triggerKind: "bench.noop", payload: { n } }));
    await Promise.all(enqueued);
    await this.#settled();
    return performance.now() - started;
  }

  /** What `count` no-op intents cost, from enqueue to settlement, in statements and SQLite rows (the polling excluded). */
  async cost(count: number): Promise<RowCost> {
    const stop = countRows(this.ctx.storage.sql, /^SELECT 1 FROM work WHERE settled IS NULL/);
    await this.throughput("bench.noop", count);
    return stop();
  }

  /** Only the enqueues: intents due in an hour, so no drain runs. */
  async enqueueOnly(count: number): Promise<number> {
    const started = performance.now();
    const at = Date.now() + 3_600_000;
    for (let n = 0; n < count; n++) await this.enqueueTrigger({ triggerKind: "bench.noop", payload: { n }, at });
    return performance.now() - started;
  }

  // An indexed check, so that polling does not itself cost more as the table grows.
  async #settled(kind: Kind = "bench.noop", pollMs = 2): Promise<void> {
    const sql = this.ctx.storage.sql;
    while (sql.exec("SELECT 1 FROM work WHERE settled IS NULL AND trigger_kind = ? LIMIT 1", kind).toArray().length > 0) {
      await new Promise((resolve) => setTimeout(resolve, pollMs));
    }
  }

  // Growth: each operation `n` times in one request, timed from Node around it (the
  // object's own clock does not advance inside a turn), on an empty ledger and on a full one.

  readonly #pending: number[] = [];

  /** `n` intents due in an hour: enqueue alone. */
  async enqueueLater(n: number): Promise<number> {
    const at = Date.now() + 3_600_000;
    for (let i = 0; i < n; i++) this.#pending.push((await this.enqueueTrigger({ triggerKind: "bench.slow", payload: { n: i }, at })).id);
    return n;
  }

  /** Cancels what `enqueueLater` left pending: each settles as cancelled with its fact. */
  async cancelPending(): Promise<number> {
    const ids = this.#pending.splice(0);
    for (const id of ids) await this.cancelTrigger({ triggerKind: "bench.slow", intentEventId: id });
    return ids.length;
  }

  /** `n` times: enqueue one no-op and wait until it has settled. */
  async drainEach(n: number): Promise<number> {
    for (let i = 0; i < n; i++) {
      await this.enqueueTrigger({ triggerKind: "bench.noop", payload: { n: i } });
      await this.#settled("bench.noop", 0);
    }
    return n;
  }

  /**
   * The query plans of the statements the runtime runs for one enqueue (with
   * an idempotency key), one cancel, one drain and one read of the ledger by
   * kind, as SQLite plans them on this object's tables now (see `capturePlans`).
   */
  async plans(): Promise<Record<string, string[]>> {
    return capturePlans(this.ctx.storage.sql, async () => {
      const at = Date.now() + 3_600_000;
      this.#pending.push((await this.enqueueTrigger({ triggerKind: "bench.slow", payload: { n: -1 }, at, idempotencyKey: "plans" })).id);
      await this.cancelPending();
      await this.drainEach(1);
      this.events({ kinds: ["bench.noop.done"], limit: 10 });
    });
  }

  /** Times cancelTrigger on running work until its cancelled fact exists, `count` times (ms each). */
  async cancelLatency(count: number): Promise<number[]> {
    const times: number[] = [];
    const sql = this.ctx.storage.sql;
    for (let n = 0; n < count; n++) {
      const { id } = await this.enqueueTrigger({ triggerKind: "bench.slow", payload: { n } });
      while (this.intentState(id) !== "claimed") await new Promise((resolve) => setTimeout(resolve, 1));
      const started = performance.now();
      await this.cancelTrigger({ triggerKind: "bench.slow", intentEventId: id });
      while (sql.exec<{ n: number }>("SELECT count(*) AS n FROM events WHERE kind = 'bench.slow.cancelled' AND id > ?", id).one().n === 0) {
        await new Promise((resolve) => setTimeout(resolve, 0));
      }
      times.push(performance.now() - started);
    }
    return times;
  }
}

/**
 * Cancel on an event, in an object of its own: a deployment with a cancelOn
 * rule pays one row read more per settled intent (its settle answers the
 * trigger kind), which the cost figures of the agent above must not include.
 */
export class CancelOnBenchAgent extends defineAgentDO({ triggers: [cancellable], events: [refund] }) {
  readonly #cancellable: number[] = [];

  /** `n` cancellable intents due in an hour, each waiting for its `bench.refund`. */
  async cancellableLater(n: number): Promise<number> {
    const at = Date.now() + 3_600_000;
    for (let i = 0; i < n; i++)
      this.#cancellable.push((await this.enqueueTrigger({ triggerKind: "bench.cancellable", payload: { n: i }, at })).id);
    return n;
  }

  /** Appends the refund that matches each intent `cancellableLater` left: each append cancels one, in its own transaction. */
  async emitMatching(): Promise<number> {
    const ids = this.#cancellable.splice(0);
    for (let i = 0; i < ids.length; i++) await this.emitEvent({ kind: "bench.refund", payload: { n: i } });
    const left = ids.filter((id) => this.intentState(id) !== "cancelled");
    if (left.length > 0) throw new Error(`${left.length} intents were not cancelled by their refund`);
    return ids.length;
  }

  /** How many cancel-on keys are stored: only unsettled work keeps them. */
  async cancelOnRows(): Promise<number> {
    return this.ctx.storage.sql.exec<{ n: number }>("SELECT count(*) AS n FROM cancel_on").one().n;
  }

  /** `count` cancellable intents, each run and settled: the settled work behind the figure. */
  async fill(count: number): Promise<number> {
    for (let n = 0; n < count; n++) await this.enqueueTrigger({ triggerKind: "bench.cancellable", payload: { n: -1 - n } });
    const sql = this.ctx.storage.sql;
    while (sql.exec("SELECT 1 FROM work WHERE settled IS NULL LIMIT 1").toArray().length > 0)
      await new Promise((resolve) => setTimeout(resolve, 2));
    return count;
  }

  /** The query plans of the statements one matching append runs (see `capturePlans`). */
  async plans(): Promise<Record<string, string[]>> {
    return capturePlans(this.ctx.storage.sql, async () => {
      await this.cancellableLater(1);
      await this.emitMatching();
    });
  }
}

/** The statements one intent costs when written by hand: enqueue, claim, settle with a fact. */
interface HandWritten {
  readonly insertWork: string;
  readonly claim: string;
  readonly settle: string;
}

const BARE_TABLES = `CREATE TABLE IF NOT EXISTS events (id INTEGER PRIMARY KEY, ts INTEGER NOT NULL, kind TEXT NOT NULL, payload TEXT NOT NULL);
  CREATE TABLE IF NOT EXISTS work (intent_id INTEGER PRIMARY KEY, trigger_kind TEXT NOT NULL, fire_at INTEGER NOT NULL, claim_token TEXT, claim_deadline INTEGER, settled TEXT, settled_at INTEGER);
  CREATE INDEX IF NOT EXISTS work_due ON work (trigger_kind, fire_at) WHERE settled IS NULL;`;

const BARE: HandWritten = {
  insertWork: "INSERT INTO work (intent_id, trigger_kind, fire_at) VALUES (?, 'bare', ?)",
  claim: "UPDATE work SET claim_token = ?, claim_deadline = ? WHERE intent_id = ? AND settled IS NULL",
  settle: "UPDATE work SET settled = 'completed', settled_at = ?2, claim_token = NULL, claim_deadline = NULL WHERE intent_id = ?1",
};

// The runtime's own tables need its columns kept consistent (its CHECK constraints say so).
const ON_RUNTIME_SCHEMA: HandWritten = {
  insertWork: BARE.insertWork,
  claim: "UPDATE work SET claim_token = ?, claim_deadline = ?, claim_mode = 'normal', attempts = 1 WHERE intent_id = ? AND settled IS NULL",
  settle:
    "UPDATE work SET settled = 'completed', settled_at = ?2, claim_token = NULL, claim_deadline = NULL, claim_mode = NULL WHERE intent_id = ?1",
};

/** The floor: the same SQL writes by hand, no framework. */
export class BareFloor extends DurableObject {
  throughput(count: number): number {
    this.ctx.storage.sql.exec(BARE_TABLES);
    return this.#run(count, BARE);
  }

  /** What the floor's `count` intents cost in statements and SQLite rows, on its own tables or on the runtime's. */
  cost(count: number, onRuntimeSchema = false): RowCost {
    if (onRuntimeSchema) {
      new Ledger(this.ctx.storage.sql);
      new WorkTable(this.ctx.storage.sql);
    } else {
      this.ctx.storage.sql.exec(BARE_TABLES);
    }
    const stop = countRows(this.ctx.storage.sql);
    this.#run(count, onRuntimeSchema ? ON_RUNTIME_SCHEMA : BARE);
    return stop();
  }

  /**
   * The same writes on the runtime's own tables (its indexes, CHECK
   * constraints and immutability triggers): what the schema costs, apart
   * from the framework.
   */
  onRuntimeSchema(count: number): number {
    new Ledger(this.ctx.storage.sql);
    new WorkTable(this.ctx.storage.sql);
    return this.#run(count, ON_RUNTIME_SCHEMA);
  }

  #run(count: number, statements: HandWritten): number {
    const { sql } = this.ctx.storage;
    const started = performance.now();
    for (let n = 0; n < count; n++) {
      const now = Date.now();
      const id = this.ctx.storage.transactionSync(() => {
        const { id } = sql
          .exec<{ id: number }>(
            "INSERT INTO events (ts, kind, payload) VALUES (?, 'bare.requested', ?) RETURNING id",
            now,
            JSON.stringify({ n }),
          )
          .one();
        sql.exec(statements.insertWork, id, now);
        return id;
      });
      sql.exec(statements.claim, crypto.randomUUID(), now + 60_000, id);
      this.ctx.storage.transactionSync(() => {
        sql.exec("INSERT INTO events (ts, kind, payload) VALUES (?, 'bare.done', ?)", now, JSON.stringify({ n }));
        sql.exec(statements.settle, id, now);
      });
    }
    return performance.now() - started;
  }
}

export default {
  async fetch(
    request: Request,
    env: {
      AGENT: DurableObjectNamespace<BenchAgent>;
      BARE: DurableObjectNamespace<BareFloor>;
      CANCEL_ON: DurableObjectNamespace<CancelOnBenchAgent>;
    },
  ) {
    const url = new URL(request.url);
    const scope = url.searchParams.get("scope") ?? crypto.randomUUID();
    const count = Number(url.searchParams.get("count") ?? 100);
    const agent = env.AGENT.get(env.AGENT.idFromName(scope));
    const cancelOn = env.CANCEL_ON.get(env.CANCEL_ON.idFromName(scope));
    switch (url.pathname) {
      case "/throughput":
        return Response.json({ ms: await agent.throughput((url.searchParams.get("kind") ?? "bench.noop") as Kind, count) });
      case "/burst":
        return Response.json({ ms: await agent.burst(count) });
      case "/enqueue-only":
        return Response.json({ ms: await agent.enqueueOnly(count) });
      case "/cost":
        return Response.json(await agent.cost(count));
      case "/bare-cost":
        return Response.json(await env.BARE.get(env.BARE.idFromName(scope)).cost(count, url.searchParams.has("runtime-schema")));
      case "/bare":
        return Response.json({ ms: await env.BARE.get(env.BARE.idFromName(scope)).throughput(count) });
      case "/bare-runtime-schema":
        return Response.json({ ms: await env.BARE.get(env.BARE.idFromName(scope)).onRuntimeSchema(count) });
      case "/fill":
        return Response.json({ ms: await agent.throughput("bench.noop", count) });
      case "/cancelon/fill":
        return Response.json(await cancelOn.fill(count));
      case "/cancelon/later":
        return Response.json(await cancelOn.cancellableLater(count));
      case "/cancelon/emit-matching":
        return Response.json(await cancelOn.emitMatching());
      case "/cancelon/rows":
        return Response.json(await cancelOn.cancelOnRows());
      case "/cancelon/plans":
        return Response.json(await cancelOn.plans());
      case "/enqueue-later":
        return Response.json(await agent.enqueueLater(count));
      case "/cancel-pending":
        return Response.json(await agent.cancelPending());
      case "/drain-each":
        return Response.json(await agent.drainEach(count));
      case "/plans":
        return Response.json(await agent.plans());
      case "/cancel-latency":
        return Response.json({ ms: await agent.cancelLatency(count) });
    }
    return new Response("not found", { status: 404 });
  },
};
