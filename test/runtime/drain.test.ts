import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { AgentMethods } from "../../runtime";
import { evolving, inFlight, openGate, seenModes } from "./gates";
import { eventually, freshAgent, phaseOf, release, sleep, type TestAgent } from "./helpers";

/** Every table's rows, as SQL sees them: what "storage exactly as before" compares. */
function snapshot(agent: TestAgent) {
  return runInDurableObject(agent, (_, state) => {
    const sql = state.storage.sql;
    const tables = sql
      .exec<{ name: string }>(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%' ORDER BY name",
      )
      .toArray()
      .map((t) => t.name);
    return Object.fromEntries(tables.map((name) => [name, sql.exec(`SELECT * FROM "${name}"`).toArray()]));
  });
}

/** Records every SQL statement run on `sql` (whitespace folded) from now until `stop()`; `count` answers how many match. */
function recordStatements(sql: SqlStorage) {
  const exec = sql.exec;
  const seen: string[] = [];
  sql.exec = function (this: SqlStorage, query: string, ...bindings: SqlStorageValue[]) {
    seen.push(query.replace(/\s+/g, " ").trim());
    return exec.call(this, query, ...bindings);
  } as SqlStorage["exec"];
  return {
    seen,
    count: (pattern: RegExp) => seen.filter((query) => pattern.test(query)).length,
    stop: () => void (sql.exec = exec),
  };
}

/** The look at every kind (the unsettled kinds' skip scan), and the query for the next wake. */
const EVERY_KIND_LOOK = /^WITH RECURSIVE kinds .* SELECT kind FROM kinds WHERE kind IS NOT NULL$/;
const NEXT_WAKE = /SELECT min\(at\) AS at FROM/;

/** `recordStatements` on an agent's object. */
function statementsOf(agent: TestAgent) {
  return runInDurableObject(agent, (_, state) => recordStatements(state.storage.sql));
}

function workRow(agent: TestAgent, id: number) {
  return runInDurableObject(agent, (_, state) => state.storage.sql.exec("SELECT * FROM work WHERE intent_id = ?", id).one());
}

describe("draining", () => {
  it("redrives a lost claim with acquireMode redrive and writes exactly one settlement", async () => {
    const { agent } = freshAgent("redrive");
    const { id } = await agent.enqueueTrigger({ triggerKind: "test.short", payload: { id: "lost-1", acquire: "ignoreAbort" } });
    await phaseOf(agent, id, "claimed");

    // test.short's claims last 300 ms; the first acquire is still blocked when it expires.
    expect(await phaseOf(agent, id, "redriven")).toBe("redriven");
    await release(agent, "lost-1"); // both the lost attempt and the redrive now return

    await phaseOf(agent, id, "completed");
    await sleep(50); // give the late result of the lost claim time to (not) land
    expect(seenModes.get("lost-1")).toEqual(["normal", "redrive"]);
    const done = await agent.events({ kinds: ["test.short.done"] });
    expect(done.map((e) => e.payload)).toEqual([{ id: "lost-1", attempt: 2, mode: "redrive", commit: "ok" }]);
  });

  it("settles failed instead of redriving forever when the last attempt loses its claim", async () => {
    const { agent } = freshAgent("redrive-exhausted");
    const { id } = await agent.enqueueTrigger({ triggerKind: "test.short", payload: { id: "lost-2", acquire: "ignoreAbort" } });
    expect(await phaseOf(agent, id, "failed")).toBe("failed");
    const [fact] = await agent.events({ kinds: ["durable_trigger.failed"] });
    expect(fact?.payload).toMatchObject({ triggerKind: "test.short", intentEventId: id, attempts: 2, error: { name: "ClaimExpired" } });
    await release(agent, "lost-2");
  });

  it("rolls back everything a throwing commit wrote, side tables included, and retries", async () => {
    const { agent } = freshAgent("rollback");
    const { id } = await agent.enqueueTrigger({
      triggerKind: "test.slowRetry",
      payload: { id: "boom-1", acquire: "return", commit: "throwAfterSideWrite" },
      at: Date.now() + 150,
    });
    const before = await snapshot(agent);

    await phaseOf(agent, id, "retry_scheduled");

    const after = await snapshot(agent);
    expect(after.events).toEqual(before.events);
    expect(Object.keys(after)).toEqual(Object.keys(before)); // not even the side table's CREATE survived
    expect(await workRow(agent, id)).toMatchObject({ attempts: 1, settled: null, claim_token: null });
    expect(String((await workRow(agent, id)).last_error)).toContain("commit of boom-1 exploded");
  });

  it("refuses a commit that returns a promise the same way", async () => {
    const { agent } = freshAgent("promise-commit");
    const { id } = await agent.enqueueTrigger({
      triggerKind: "test.slowRetry",
      payload: { id: "p-1", acquire: "return", commit: "promise" },
    });
    await phaseOf(agent, id, "retry_scheduled");
    expect(await agent.events()).toHaveLength(1);
    expect(String((await workRow(agent, id)).last_error)).toContain("must be synchronous");
  });

  it("retries with backoff, then settles failed with the runtime's fact", async () => {
    const { agent } = freshAgent("retry-fail");
    const { id } = await agent.enqueueTrigger({ triggerKind: "test.script", payload: { id: "f-1", acquire: "throw" } });
    expect(await phaseOf(agent, id, "failed")).toBe("failed");
    expect(seenModes.get("f-1")).toHaveLength(3);
    const facts = await agent.events({ kinds: ["durable_trigger.failed", "test.script.done"] });
    expect(facts.map((e) => e.payload)).toEqual([
      { triggerKind: "test.script", intentEventId: id, attempts: 3, error: { name: "Error", message: "acquire of f-1 failed" } },
    ]);
  });

  it("settles failed at the first NonRetryableError, with attempts left and no backoff", async () => {
    const { agent } = freshAgent("non-retryable");
    const { id } = await agent.enqueueTrigger({ triggerKind: "test.script", payload: { id: "nr-1", acquire: "throwNonRetryable" } });
    expect(await phaseOf(agent, id, "failed")).toBe("failed");
    expect(seenModes.get("nr-1")).toHaveLength(1);
    const facts = await agent.events({ kinds: ["durable_trigger.failed"] });
    expect(facts.map((e) => e.payload)).toEqual([
      {
        triggerKind: "test.script",
        intentEventId: id,
        attempts: 1,
        error: { name: "NonRetryableError", message: "nr-1: the address does not exist" },
      },
    ]);
  });

  it("lets commitFailed write the failure facts when the trigger has one", async () => {
    const { agent } = freshAgent("retry-commit-failed");
    const { id } = await agent.enqueueTrigger({ triggerKind: "test.failing", payload: { id: "f-2", acquire: "throw" } });
    await phaseOf(agent, id, "failed");
    const facts = await agent.events({ afterId: id });
    expect(facts.map((e) => [e.kind, e.payload])).toEqual([
      ["test.failing.failed", { id: "f-2", error: { name: "Error", message: "acquire of f-2 failed" }, attempts: 2 }],
    ]);
  });

  it("succeeds on a later attempt after failed ones, writing nothing for the failures", async () => {
    const { agent } = freshAgent("retry-success");
    const { id } = await agent.enqueueTrigger({ triggerKind: "test.script", payload: { id: "r-1", acquire: "return", failAttempts: 2 } });
    await phaseOf(agent, id, "completed");
    const facts = await agent.events({ afterId: id });
    expect(facts.map((e) => e.payload)).toEqual([{ id: "r-1", attempt: 3, mode: "normal", commit: "ok" }]);
  });

  it("settles a stored intent that no longer parses as rejected, and the work behind it still runs", async () => {
    const { agent } = freshAgent("rejected");
    const at = Date.now() + 100;
    const old = await agent.enqueueTrigger({ triggerKind: "test.script", payload: { id: "v1", acquire: "return", version: 1 }, at });
    const next = await agent.enqueueTrigger({ triggerKind: "test.script", payload: { id: "v2", acquire: "return", version: 2 }, at });
    evolving.minVersion = 2; // a deploy that stops accepting version 1 while v1 waits
    try {
      expect(await phaseOf(agent, old.id, "rejected")).toBe("rejected");
      expect(await phaseOf(agent, next.id, "completed")).toBe("completed");
    } finally {
      evolving.minVersion = 1;
    }
    const [fact] = await agent.events({ kinds: ["durable_trigger.rejected"] });
    expect(fact?.payload).toEqual({
      triggerKind: "test.script",
      intentEventId: old.id,
      reason: "stored intent no longer parses: version: expected at least 2, got 1",
    });
  });

  it("rejects a backlog of intents that no longer parse in one drain, not one alarm each", async () => {
    const { agent } = freshAgent("rejected-backlog");
    const at = Date.now() + 1_000; // time enough to enqueue and start counting before the alarm
    const ids = [];
    for (let i = 0; i < 20; i++) {
      ids.push(
        (await agent.enqueueTrigger({ triggerKind: "test.script", payload: { id: `stale-${i}`, acquire: "return", version: 1 }, at })).id,
      );
    }
    evolving.minVersion = 2;
    // A drain that looks at every kind is one the alarm (or a timed wake) started.
    const counted = await statementsOf(agent);
    try {
      for (const id of ids) await phaseOf(agent, id, "rejected");
    } finally {
      counted.stop();
      evolving.minVersion = 1;
    }
    expect(counted.count(EVERY_KIND_LOOK)).toBe(1);
  });

  it("rejects work whose trigger kind is no longer registered, without blocking the rest", async () => {
    const { agent } = freshAgent("removed-kind");
    await agent.events(); // the schema exists once the object has been constructed
    await runInDurableObject(agent, async (_, state) => {
      const sql = state.storage.sql;
      const { id } = sql
        .exec<{ id: number }>("INSERT INTO events (ts, kind, payload) VALUES (?, 'old.requested', '{}') RETURNING id", Date.now())
        .one();
      sql.exec("INSERT INTO work (intent_id, trigger_kind, fire_at) VALUES (?, 'test.removed', ?)", id, Date.now());
    });
    const { id } = await agent.enqueueTrigger({ triggerKind: "test.script", payload: { id: "alive", acquire: "return" } });
    await phaseOf(agent, id, "completed");
    expect(await phaseOf(agent, 1, "rejected")).toBe("rejected");
    const [fact] = await agent.events({ kinds: ["durable_trigger.rejected"] });
    expect(fact?.payload).toMatchObject({ triggerKind: "test.removed", reason: 'no trigger of kind "test.removed" is registered' });
  });

  it("honours the concurrency limit of each kind", async () => {
    const { agent, scope } = freshAgent("concurrency");
    inFlight.max.delete("test.pool");
    const gate = `pool-${scope}`;
    const ids = [];
    for (let i = 0; i < 5; i++) {
      ids.push((await agent.enqueueTrigger({ triggerKind: "test.pool", payload: { id: `pool-${i}`, acquire: "gate", gate } })).id);
    }
    await eventually(
      () => inFlight.now.get("test.pool") ?? 0,
      (n) => n === 2,
      "two pool acquires in flight",
    );
    await sleep(50);
    expect(inFlight.now.get("test.pool")).toBe(2);
    await release(agent, gate);
    for (const id of ids) await phaseOf(agent, id, "completed");
    expect(inFlight.max.get("test.pool")).toBe(2);
  });

  it("stays idle while due work waits for a free slot: no queries until one frees", async () => {
    const { agent, scope } = freshAgent("idle-when-full");
    const gate = `full-${scope}`;
    const ids = [];
    for (let i = 0; i < 3; i++) {
      ids.push((await agent.enqueueTrigger({ triggerKind: "test.pool", payload: { id: `full-${i}`, acquire: "gate", gate } })).id);
    }
    await eventually(
      () => inFlight.now.get("test.pool") ?? 0,
      (n) => n === 2,
      "two pool acquires in flight",
    );
    const counted = await statementsOf(agent); // while the third intent waits for a slot
    await sleep(300);
    counted.stop();
    expect(counted.seen).toEqual([]);
    await release(agent, gate);
    for (const id of ids) await phaseOf(agent, id, "completed");
  });

  it("costs an enqueue into a kind whose slots are busy only its writes: no look at every kind, no timer set", async () => {
    const { agent, scope } = freshAgent("busy-enqueue");
    // The tests run in the object's isolate: its timers are this test's too.
    const realSetTimeout = globalThis.setTimeout;
    const gate = `busy-${scope}`;
    const enqueue = (i: number) => agent.enqueueTrigger({ triggerKind: "test.pool", payload: { id: `busy-${i}`, acquire: "gate", gate } });
    const ids = [(await enqueue(0)).id, (await enqueue(1)).id];
    await eventually(
      () => inFlight.now.get("test.pool") ?? 0,
      (n) => n === 2,
      "two pool acquires in flight",
    );
    await sleep(20); // the alarm of those enqueues has fired, and its drain has looked
    const counted = await runInDurableObject(agent, (_, state) => {
      const statements = recordStatements(state.storage.sql);
      const set = globalThis.setTimeout;
      let timers = 0;
      globalThis.setTimeout = ((...args: Parameters<typeof setTimeout>) => {
        timers++;
        return set(...args);
      }) as typeof setTimeout;
      return {
        statements,
        timers: () => timers,
        stop: () => {
          statements.stop();
          globalThis.setTimeout = set;
        },
      };
    });
    const wait = (ms: number) => new Promise((resolve) => realSetTimeout(resolve, ms)); // not counted
    try {
      for (let i = 2; i < 6; i++) {
        ids.push((await enqueue(i)).id);
        await wait(5); // each in a later millisecond than the drain's last look
      }
    } finally {
      await runInDurableObject(agent, () => counted.stop());
    }
    await release(agent, gate);
    for (const id of ids) await phaseOf(agent, id, "completed");
    // Each woke the drain, which found the kind busy and slept again on the timer it had.
    expect(counted.timers()).toBe(0);
    expect(counted.statements.count(EVERY_KIND_LOOK)).toBe(0);
    expect(counted.statements.count(DUE_LOOK)).toBe(0);
  });

  it("runs a commit's follow-up work, which exists only because the commit committed", async () => {
    const { agent } = freshAgent("follow-up");
    const { id } = await agent.enqueueTrigger({
      triggerKind: "test.script",
      payload: { id: "parent", acquire: "return", commit: "enqueueFollowUp" },
    });
    await phaseOf(agent, id, "completed");
    const child = await eventually(
      () => agent.events({ kinds: ["test.script.requested"] }),
      (events) => events.length === 2,
      "the follow-up intent",
    );
    const childId = child[1]!.id;
    expect(child[1]?.payload).toEqual({ id: "parent.next", acquire: "return" });
    expect(await phaseOf(agent, childId, "completed")).toBe("completed");
  });

  it("re-arms the alarm for future work after each drain, and clears it when nothing is left", async () => {
    const { agent } = freshAgent("rearm");
    const alarm = () => runInDurableObject(agent, (_, state) => state.storage.getAlarm());
    const future = Date.now() + 60_000;
    const later = await agent.enqueueTrigger({ triggerKind: "test.script", payload: { id: "later", acquire: "return" }, at: future });
    expect(await alarm()).toBe(future);

    const now = await agent.enqueueTrigger({ triggerKind: "test.script", payload: { id: "now", acquire: "return" } });
    await phaseOf(agent, now.id, "completed");
    await eventually(alarm, (at) => at === future, "the alarm re-armed at the future work");

    await agent.cancelTrigger({ triggerKind: "test.script", intentEventId: later.id });
    const next = await agent.enqueueTrigger({ triggerKind: "test.script", payload: { id: "last", acquire: "return" } });
    await phaseOf(agent, next.id, "completed");
    await eventually(alarm, (at) => at === null, "the alarm cleared");
  });

  it("runs work that comes due while the drain sleeps on a running acquire", async () => {
    const { agent } = freshAgent("wake-on-alarm");
    const running = await agent.enqueueTrigger({ triggerKind: "test.pool", payload: { id: "held-1", acquire: "gate" } });
    await phaseOf(agent, running.id, "claimed");
    // Not due yet when enqueued; the alarm cannot fire again while its handler, the drain, sleeps on held-1's claim.
    const soon = await agent.enqueueTrigger({
      triggerKind: "test.pool",
      payload: { id: "soon-1", acquire: "return" },
      at: Date.now() + 200,
    });
    expect(await phaseOf(agent, soon.id, "completed")).toBe("completed");
    expect(await agent.intentState(running.id)).toBe("claimed");
    await release(agent, "held-1");
    await phaseOf(agent, running.id, "completed");
  });

  it("writes exactly one settlement per intent across many mixed intents", async () => {
    const { agent } = freshAgent("one-settlement");
    const modes = ["return", "throw", "throwCancellation", "return"] as const;
    const ids = [];
    for (let i = 0; i < 12; i++) {
      ids.push((await agent.enqueueTrigger({ triggerKind: "test.script", payload: { id: `m-${i}`, acquire: modes[i % 4]! } })).id);
    }
    for (const id of ids) await phaseOf(agent, id, "completed", "failed", "cancelled");
    const rows = await runInDurableObject(agent, (_, state) =>
      state.storage.sql.exec<{ settled: string }>("SELECT settled FROM work ORDER BY intent_id").toArray(),
    );
    const facts = await agent.events({ kinds: ["test.script.done", "test.script.cancelled", "durable_trigger.failed"] });
    expect(facts).toHaveLength(ids.length);
    expect(rows.every((row) => row.settled !== null)).toBe(true);
    const factFor = (id: number, i: number) =>
      facts.filter(
        (e) =>
          (e.payload as { id?: string; intentEventId?: number }).id === `m-${i}` ||
          (e.payload as { intentEventId?: number }).intentEventId === id,
      );
    ids.forEach((id, i) => expect(factFor(id, i)).toHaveLength(1));
  });
});

/** The drain's look at due rows, and its claim statement. */
const DUE_LOOK = /^SELECT .* FROM work .*\bfire_at <= \?/;
const CLAIM = /^UPDATE work SET claim_token/;
const OWNED_READ = /^SELECT .* FROM work WHERE intent_id = \? AND claim_token = \?/;

describe("draining a backlog", () => {
  interface Backlog {
    readonly kind: "test.any" | "test.pool";
    readonly count: number;
    readonly acquire: "return" | "gate";
    readonly gate?: string;
    /** The intents' ids are this and their index. */
    readonly idPrefix?: string;
    /** Takes the alarm away behind the runtime's back, so that only the drain those enqueues started runs. */
    readonly withoutAlarm?: boolean;
  }

  /** Enqueues the backlog's intents in one turn, with every statement the object runs from then on counted. */
  function backlog(agent: TestAgent, { kind, count, acquire, gate, idPrefix = "b-", withoutAlarm = false }: Backlog) {
    return runInDurableObject(agent, (instance, state) => {
      const counter = recordStatements(state.storage.sql);
      const agentObject = instance as unknown as Pick<AgentMethods, "enqueueTrigger">;
      const ids = Array.from({ length: count }, (_, i) =>
        agentObject.enqueueTrigger({ triggerKind: kind, payload: { id: `${idPrefix}${i}`, acquire, ...(gate ? { gate } : {}) } }),
      );
      if (withoutAlarm) void state.storage.deleteAlarm();
      return { counter, ids: Promise.all(ids).then((all) => all.map(({ id }) => id)) };
    });
  }

  it("reads due rows a batch at a time and settles acquires that answer at once as they answer", async () => {
    const { agent } = freshAgent("backlog-instant");
    // test.any's acquire returns a value, not a promise.
    const { counter, ids } = await backlog(agent, { kind: "test.any", count: 100, acquire: "return" });
    try {
      await eventually(
        async () => Promise.all((await ids).map((id) => agent.intentState(id))),
        (phases) => phases.every((p) => p === "completed"),
        "every intent to complete",
      );
    } finally {
      counter.stop();
    }
    // One look per 64 due rows (and the one that finds none), not one per intent.
    expect(counter.count(DUE_LOOK)).toBeLessThanOrEqual(4);
    // An acquire that answers at once is settled in the step that read its row: no claim is written,
    // and the settlement counts its attempt.
    expect(counter.count(CLAIM)).toBe(0);
    const attempts = await runInDurableObject(agent, (_, state) =>
      state.storage.sql
        .exec<{ attempts: number; claims: number }>("SELECT min(attempts) AS attempts, count(claim_token) AS claims FROM work")
        .one(),
    );
    expect(attempts).toEqual({ attempts: 1, claims: 0 });
  });

  it("answers a trickle of work from what it wrote: each intent costs its two inserts and its settlement, no reads of due work", async () => {
    const { agent } = freshAgent("trickle");
    const enqueue = async (id: string) => {
      const { id: intentId } = await agent.enqueueTrigger({ triggerKind: "test.script", payload: { id, acquire: "return", sync: true } });
      await phaseOf(agent, intentId, "completed");
    };
    // The first drain asks storage, and learns when anything next becomes due: never, here.
    await enqueue("trickle-0");
    const statements = await statementsOf(agent);
    try {
      for (let i = 1; i <= 3; i++) await enqueue(`trickle-${i}`);
    } finally {
      await runInDurableObject(agent, () => statements.stop());
    }
    // Per intent: the intent event, the work row, the outcome event, the settlement. The phase polls read work by id.
    expect(statements.count(/^INSERT INTO events/)).toBe(6);
    expect(statements.count(/^INSERT INTO work/)).toBe(3);
    expect(statements.count(/^UPDATE work SET settled/)).toBe(3);
    // No look at due work asks storage; the next wake is asked only by the drains of the alarm, which
    // stays armed while work is due and fires once after it (each such drain begins with its look at every kind).
    expect(statements.count(DUE_LOOK)).toBe(0);
    expect(statements.count(NEXT_WAKE)).toBe(statements.count(EVERY_KIND_LOOK));
  });

  type Request = { triggerKind: "test.any" | "test.script"; payload: unknown; at?: number };
  const anyOf = (payload: unknown): Request => ({ triggerKind: "test.any", payload });

  /**
   * Makes `requests` from inside the object, awaited one at a time or all in one step, after one intent
   * has taught the drain that nothing else is due; answers the statements run meanwhile and how many
   * intents are left unsettled.
   */
  async function burstOf(agent: TestAgent, requests: Request[], awaited: boolean) {
    const { id: first } = await agent.enqueueTrigger({ triggerKind: "test.any", payload: {} });
    await phaseOf(agent, first, "completed");
    const statements = await statementsOf(agent);
    try {
      const unsettled = await runInDurableObject(agent, async (instance, state) => {
        const object = instance as unknown as Pick<AgentMethods, "enqueueTrigger">;
        const enqueue = (request: Request) => object.enqueueTrigger(request as never);
        if (awaited) for (const request of requests) await enqueue(request);
        else await Promise.all(requests.map(enqueue));
        // The backstop away, behind the runtime's back: an alarm's look at every kind trusts no memory.
        void state.storage.deleteAlarm();
        const left = () => state.storage.sql.exec<{ n: number }>("SELECT count(*) AS n FROM work WHERE settled IS NULL").one().n;
        for (let turn = 0; turn < 1_000 && left() > 0; turn++) await new Promise((resolve) => setTimeout(resolve, 1));
        return left();
      });
      return { statements, unsettled };
    } finally {
      await runInDurableObject(agent, () => statements.stop());
    }
  }

  it("runs a burst of enqueues from what it wrote, however far past the drain's yield: no look at due rows asks storage", async () => {
    const { agent } = freshAgent("burst-memory");
    // The drain yields every 256 intents, and the caller's loop then runs ahead of it: the rest is a burst.
    const { statements, unsettled } = await burstOf(
      agent,
      Array.from({ length: 1_000 }, (_, n) => anyOf({ n })),
      true,
    );
    expect(unsettled).toBe(0);
    expect(statements.count(/^UPDATE work SET settled/)).toBe(1_000);
    expect(statements.count(DUE_LOOK)).toBe(0);
  });

  it("forgets what it wrote past 4 MiB, rows and payloads counted, and runs the rest from storage", async () => {
    const { agent } = freshAgent("burst-bytes");
    // Each payload is 1.8 MB of string memory: the third is past the bound.
    const { statements, unsettled } = await burstOf(
      agent,
      Array.from({ length: 3 }, (_, n) => anyOf({ n, pad: "x".repeat(900_000) })),
      false,
    );
    expect(unsettled).toBe(0);
    expect(statements.count(DUE_LOOK)).toBeGreaterThan(0);
  });

  it("runs work of a burst that fired a minute ago before the burst's earlier ids, from memory too", async () => {
    const { agent } = freshAgent("burst-order");
    const script = (id: string, at?: number): Request => ({
      triggerKind: "test.script",
      payload: { id, acquire: "return", sync: true },
      ...(at ? { at } : {}),
    });
    const requests = [0, 1, 2, 3, 4].map((i) => script(`order-${i}`, i === 3 ? Date.now() - 60_000 : undefined));
    const { statements, unsettled } = await burstOf(agent, requests, false);
    expect(unsettled).toBe(0);
    expect(statements.count(DUE_LOOK)).toBe(0);
    const done = (await agent.events({ kinds: ["test.script.done"] })).map((event) => (event.payload as { id: string }).id);
    expect(done).toEqual(["order-3", "order-0", "order-1", "order-2", "order-4"]);
  });

  it("starts work written just after a drain's last look at once, not when the alarm fires", async () => {
    const { agent } = freshAgent("drain-gap");
    const phases = await runInDurableObject(agent, async (instance, state) => {
      const object = instance as unknown as Pick<AgentMethods, "enqueueTrigger" | "intentState">;
      const script = (id: string) => object.enqueueTrigger({ triggerKind: "test.script", payload: { id, acquire: "return", sync: true } });
      const first = await script("gap-first");
      // The drain settles the first intent in one step and ends in it; watch for that step, microtask by microtask.
      while (object.intentState(first.id) !== "completed") await Promise.resolve();
      // Take the backstop away, behind the runtime's back: only the drain can start what comes next.
      void state.storage.deleteAlarm();
      const second = await script("gap-second");
      for (let turn = 0; turn < 3 && object.intentState(second.id) !== "completed"; turn++)
        await new Promise((resolve) => setTimeout(resolve, 0));
      return [object.intentState(first.id), object.intentState(second.id)];
    });
    expect(phases).toEqual(["completed", "completed"]);
  });

  it("still starts work that time made due while it answers a trickle from memory", async () => {
    const { agent } = freshAgent("trickle-timed");
    const script = (id: string, at?: number) =>
      agent.enqueueTrigger({ triggerKind: "test.script", payload: { id, acquire: "return", sync: true }, ...(at ? { at } : {}) });
    const later = await script("timed", Date.now() + 300);
    const first = await script("now-0");
    await phaseOf(agent, first.id, "completed");
    expect(await agent.intentState(later.id)).toBe("scheduled");
    // Take the alarm away, behind the runtime's back: only the drain's own knowledge of the next wake brings the timed one in.
    await runInDurableObject(agent, (_, state) => state.storage.deleteAlarm());
    await sleep(350);
    // Its fire time has passed: the next fresh intent's look asks storage, and finds both, the older first.
    const next = await script("now-1");
    await phaseOf(agent, next.id, "completed");
    await phaseOf(agent, later.id, "completed");
    const done = (await agent.events({ kinds: ["test.script.done"] })).map((event) => (event.payload as { id: string }).id);
    expect(done).toEqual(["now-0", "timed", "now-1"]);
  });

  it("settles acquires that end together in one turn, so that the slots they free are filled by one claim", async () => {
    const { agent } = freshAgent("ended-together");
    // Without a gate of their own, each waits at the gate named by its id.
    const { counter, ids } = await backlog(agent, { kind: "test.pool", count: 4, acquire: "gate", idPrefix: "together-" });
    await eventually(
      () => inFlight.now.get("test.pool") ?? 0,
      (n) => n === 2,
      "two pool acquires in flight",
    );
    expect(counter.count(CLAIM)).toBe(1);
    // The two running acquires end in two turns of their own, one right after the other, as timers do.
    await runInDurableObject(agent, () => {
      setTimeout(() => openGate("together-0"), 0);
      setTimeout(() => openGate("together-1"), 0);
    });
    await eventually(() => ["together-2", "together-3"].every((id) => seenModes.has(id)), Boolean, "the next two to start");
    const claimsAfterThePair = counter.count(CLAIM);
    for (const gate of ["together-2", "together-3"]) await release(agent, gate);
    for (const id of await ids) await phaseOf(agent, id, "completed");
    counter.stop();
    // Both settled in one turn, and their slots were filled by one claim; settled each in its own turn, two.
    expect(claimsAfterThePair).toBe(2);
  });

  it("settles acquires that answer in the turn that claimed them within that turn, with no turn of their own", async () => {
    const { agent } = freshAgent("same-turn");
    const phases = await runInDurableObject(agent, async (instance) => {
      const object = instance as unknown as Pick<AgentMethods, "enqueueTrigger" | "intentState">;
      // test.pool runs two at a time; an acquire of "return" answers with a promise that needs no I/O.
      const enqueued = Array.from({ length: 10 }, (_, i) =>
        object.enqueueTrigger({ triggerKind: "test.pool", payload: { id: `same-turn-${i}`, acquire: "return" } }),
      );
      const ids = (await Promise.all(enqueued)).map(({ id }) => id);
      // Microtasks only: a settlement that waited for a turn of its own would not come within this loop.
      for (let step = 0; step < 10_000 && ids.some((id) => object.intentState(id) !== "completed"); step++) await Promise.resolve();
      return ids.map((id) => object.intentState(id));
    });
    expect(phases).toEqual(Array(10).fill("completed"));
  });

  it("claims as many due rows as there are free slots in one statement", async () => {
    const { agent, scope } = freshAgent("backlog-claims");
    const gate = `claims-${scope}`;
    const { counter, ids } = await backlog(agent, { kind: "test.pool", count: 4, acquire: "gate", gate });
    await eventually(
      () => inFlight.now.get("test.pool") ?? 0,
      (n) => n === 2,
      "two pool acquires in flight",
    );
    expect(counter.count(CLAIM)).toBe(1);
    await release(agent, gate);
    for (const id of await ids) await phaseOf(agent, id, "completed");
    counter.stop();
  });

  it("reads a backlog of a kind whose slots free one at a time ahead, in batches, and sleeps and settles without a read per intent", async () => {
    const { agent } = freshAgent("read-ahead");
    // test.pool runs two at a time, and its acquire answers with a promise: each end frees one slot.
    const { counter, ids } = await backlog(agent, { kind: "test.pool", count: 40, acquire: "return" });
    try {
      for (const id of await ids) await phaseOf(agent, id, "completed");
    } finally {
      counter.stop();
    }
    expect(counter.count(CLAIM)).toBe(20); // the two rows of each look are claimed together
    // One read per batch of 64 rows, not one per freed slot (20 without reading ahead), and one more
    // when the enqueues' alarm fires between two settlements: its look at every kind trusts no memory.
    expect(counter.count(DUE_LOOK)).toBeLessThanOrEqual(3);
    // A claim nothing wrote since is settled from what the claim returned: no read of the row.
    expect(counter.count(OWNED_READ)).toBe(0);
    // The drain sleeps after each look (20 times); it asks storage when next to wake once, then folds in what
    // each claim adds. The drains' ends ask too.
    expect(counter.count(NEXT_WAKE)).toBeLessThanOrEqual(3);
  });

  /**
   * Eight test.pool intents behind one gate: two run, and the first look reads the other six ahead. The
   * alarm, which would look again at every kind and so forget them, is taken away.
   */
  async function twoRunningSixAhead(name: string) {
    const { agent, scope } = freshAgent(name);
    const gate = `${name}-${scope}`;
    const { counter, ids } = await backlog(agent, {
      kind: "test.pool",
      count: 8,
      acquire: "gate",
      gate,
      idPrefix: `${name}-`,
      withoutAlarm: true,
    });
    const all = await ids;
    counter.stop();
    await eventually(
      () => inFlight.now.get("test.pool") ?? 0,
      (n) => n === 2,
      "two pool acquires in flight",
    );
    return { agent, gate, all };
  }

  const doneIds = async (agent: TestAgent) =>
    (await agent.events({ kinds: ["test.pool.done"] })).map((event) => (event.payload as { id: string }).id);

  it("never starts a row read ahead that was written since: a cancelled one stays cancelled, its acquire never run", async () => {
    const { agent, gate, all } = await twoRunningSixAhead("ahead-cancel");
    expect(await agent.cancelTrigger({ triggerKind: "test.pool", intentEventId: all[4]! })).toMatchObject({ status: "cancelled" });
    await release(agent, gate);
    for (const id of all.filter((id) => id !== all[4])) await phaseOf(agent, id, "completed");
    expect(seenModes.has("ahead-cancel-4")).toBe(false);
    expect(await doneIds(agent)).not.toContain("ahead-cancel-4");
  });

  it("runs work that fires earlier than the rows read ahead before them", async () => {
    const { agent, gate, all } = await twoRunningSixAhead("ahead-early");
    const early = await agent.enqueueTrigger({
      triggerKind: "test.pool",
      payload: { id: "ahead-early-x", acquire: "gate", gate },
      at: Date.now() - 60_000,
    });
    await release(agent, gate);
    for (const id of [...all, early.id]) await phaseOf(agent, id, "completed");
    // The two running first, then the one that fired a minute ago, then the rest in order.
    expect((await doneIds(agent)).slice(2)).toEqual(["ahead-early-x", ...[2, 3, 4, 5, 6, 7].map((i) => `ahead-early-${i}`)]);
  });

  it("settles acquires that answer at once exactly as those that await: completed, retried then failed, cancelled, refused", async () => {
    const { agent } = freshAgent("backlog-sync");
    const enqueue = (id: string, acquire: "return" | "throw" | "throwCancellation", commit: "ok" | "throwAfterSideWrite" = "ok") =>
      agent.enqueueTrigger({ triggerKind: "test.script", payload: { id, acquire, commit, sync: true } }).then((r) => r.id);
    const ok = await enqueue("sync-ok", "return");
    const thrown = await enqueue("sync-throw", "throw");
    const stopped = await enqueue("sync-stop", "throwCancellation");
    const refused = await enqueue("sync-refused", "return", "throwAfterSideWrite");
    expect(await phaseOf(agent, ok, "completed")).toBe("completed");
    expect(await phaseOf(agent, thrown, "failed")).toBe("failed");
    expect(await phaseOf(agent, stopped, "cancelled")).toBe("cancelled");
    expect(await phaseOf(agent, refused, "failed")).toBe("failed");
    const facts = await agent.events({ kinds: ["test.script.done", "test.script.cancelled", "durable_trigger.failed"] });
    expect(facts.map((e) => [e.kind, e.payload as { id?: string; intentEventId?: number; attempts?: number }])).toEqual([
      ["test.script.done", { id: "sync-ok", attempt: 1, mode: "normal", commit: "ok" }],
      ["test.script.cancelled", { id: "sync-stop", reason: "acquire gave up" }],
      ["durable_trigger.failed", expect.objectContaining({ intentEventId: thrown, attempts: 3 })],
      [
        "durable_trigger.failed",
        expect.objectContaining({
          intentEventId: refused,
          attempts: 3,
          error: { name: "Error", message: "commit of sync-refused exploded" },
        }),
      ],
    ]);
    const sideTables = await runInDurableObject(agent, (_, state) =>
      state.storage.sql.exec("SELECT name FROM sqlite_master WHERE name = 'side_effects'").toArray(),
    );
    expect(sideTables).toEqual([]);
  });
});
