import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { cron } from "../../runtime/cron.ts";
import { createRegistry } from "../../runtime/definition/registry.ts";
import { RegistrationError, type AnyTrigger } from "../../runtime";
import { inFlight } from "./gates";
import { eventually } from "./helpers";
import { openScope } from "../../runtime/object/scope.ts";
import { freshTimeAgent, inBareLab, inLab, release, type TimeAgent } from "./time-helpers";
import { timeTriggers } from "./time-worker";

/** Timeouts are short here (100–150 ms), so each test waits a fraction of a second, on the real clock and alarms. */

const cancelledFacts = async (agent: TimeAgent, kind: string) =>
  (await agent.events({ kinds: [`${kind}.cancelled`, `${kind}.done`] })).map((e) => [e.kind, e.payload]);

const phase = (agent: TimeAgent, id: number, wanted: string, what: string) =>
  eventually(
    () => agent.intentState(id),
    (p) => p === wanted,
    what,
    2_000,
  );

describe("timeouts.startMs", () => {
  it("cancels work not claimed in time, with reason timeout:start, while the kind's only slot stays busy", async () => {
    const { agent } = freshTimeAgent("start-busy");
    const busy = await agent.enqueueTrigger({ triggerKind: "time.start", payload: { id: "busy", gate: "start-busy" } });
    await phase(agent, busy.id, "claimed", "the first intent to hold the slot");
    const beforeEnqueue = Date.now(); // the object stamps the due time after this
    const waiting = await agent.enqueueTrigger({ triggerKind: "time.start", payload: { id: "waiting" } });

    await phase(agent, waiting.id, "cancelled", "the waiting intent's start timeout");
    expect(Date.now() - beforeEnqueue).toBeGreaterThanOrEqual(150);
    expect(await agent.intentState(busy.id)).toBe("claimed"); // the slot was busy throughout
    expect(await cancelledFacts(agent, "time.start")).toEqual([["time.start.cancelled", { id: "waiting", reason: "timeout:start" }]]);
    expect((await agent.intents()).find((s) => s.intentEventId === waiting.id)?.attempts).toBe(0); // never ran

    // Claimed in time: the start timeout no longer applies to the running one.
    await release(agent, "start-busy");
    await phase(agent, busy.id, "completed", "the busy intent to complete");
  });

  it("leaves work claimed in time alone, and stores no deadline for triggers without timeouts", async () => {
    const { agent } = freshTimeAgent("start-in-time");
    const { id } = await agent.enqueueTrigger({ triggerKind: "time.start", payload: { id: "quick" } });
    const plain = await agent.enqueueTrigger({ triggerKind: "time.tick", payload: { id: "plain" }, at: Date.now() + 60_000 });
    await phase(agent, id, "completed", "the quick intent");
    const rows = await runInDurableObject(agent, (_, state) =>
      state.storage.sql.exec("SELECT intent_id, start_deadline, finish_deadline FROM work ORDER BY intent_id").toArray(),
    );
    expect(rows).toEqual([
      { intent_id: id, start_deadline: null, finish_deadline: null },
      { intent_id: plain.id, start_deadline: null, finish_deadline: null },
    ]);
  });
});

describe("timeouts.finishMs", () => {
  it("asks cooperative work still running after finishMs to stop, with reason timeout:finish, and its abort settles it cancelled", async () => {
    const { agent } = freshTimeAgent("finish-coop");
    const started = Date.now(); // the first claim comes after this
    const { id } = await agent.enqueueTrigger({ triggerKind: "time.finish", payload: { id: "slow", gate: "finish-coop" } });
    await phase(agent, id, "cancelled", "the finish timeout");
    expect(Date.now() - started).toBeGreaterThanOrEqual(100);
    expect(await cancelledFacts(agent, "time.finish")).toEqual([["time.finish.cancelled", { id: "slow", reason: "timeout:finish" }]]);
  });

  it("settles work waiting out a retry's backoff cancelled at once when finishMs passes, with reason timeout:finish", async () => {
    const { agent } = freshTimeAgent("finish-retry");
    const { id } = await agent.enqueueTrigger({ triggerKind: "time.finish", payload: { id: "retrying", failFirst: true } });
    await phase(agent, id, "retry_scheduled", "the first attempt to fail");
    await phase(agent, id, "cancelled", "the finish timeout while the retry waits");
    expect((await agent.intents()).find((s) => s.intentEventId === id)?.attempts).toBe(1); // the 1 s retry never ran
    expect(await cancelledFacts(agent, "time.finish")).toEqual([["time.finish.cancelled", { id: "retrying", reason: "timeout:finish" }]]);
  });

  it("gives up the claim of ignored work at finishMs: settled cancelled at once, its slot freed, its late outcome dropped", async () => {
    const { agent } = freshTimeAgent("finish-ignored");
    const { id } = await agent.enqueueTrigger({
      triggerKind: "time.finishIgnored",
      payload: { id: "stubborn", gate: "finish-ignored", ignoreAbort: true },
    });
    await phase(agent, id, "cancelled", "the finish timeout of ignored work");
    expect(await cancelledFacts(agent, "time.finishIgnored")).toEqual([
      ["time.finishIgnored.cancelled", { id: "stubborn", reason: "timeout:finish" }],
    ]);
    expect(inFlight.now.get("time.finishIgnored")).toBe(1); // its acquire runs on, unaware

    // The slot is free although that acquire has not returned: the next intent of the kind (concurrency 1) runs.
    const next = await agent.enqueueTrigger({ triggerKind: "time.finishIgnored", payload: { id: "next" } });
    await phase(agent, next.id, "completed", "the next intent in the freed slot");

    await release(agent, "finish-ignored");
    await eventually(
      () => inFlight.now.get("time.finishIgnored"),
      (n) => n === 0,
      "the abandoned acquire to return",
      2_000,
    );
    expect(await agent.intentState(id)).toBe("cancelled");
    expect(await cancelledFacts(agent, "time.finishIgnored")).toEqual([
      ["time.finishIgnored.cancelled", { id: "stubborn", reason: "timeout:finish" }],
      ["time.finishIgnored.done", { id: "next" }],
    ]);
  });
});

describe("timeouts at registration and in old tables", () => {
  it("refuses bad timeouts and default schedules, naming the trigger and field", () => {
    const tick: AnyTrigger = timeTriggers[0]!;
    const bad: AnyTrigger[] = [
      { ...tick, kind: "t.a", intentEventKind: "t.a.requested", schedules: [], timeouts: { startMs: 0 } },
      { ...tick, kind: "t.b", intentEventKind: "t.b.requested", schedules: [], timeouts: { finishMs: 1.5 } },
      { ...tick, kind: "t.c", intentEventKind: "t.c.requested", schedules: [{ key: "x", everyMs: 10, payload: { id: "x" } }] },
      { ...tick, kind: "t.d", intentEventKind: "t.d.requested", schedules: [{ key: "y", cron: "0 3 * * *", payload: { id: "" } }] },
      {
        ...tick,
        kind: "t.e",
        intentEventKind: "t.e.requested",
        schedules: [{ key: "x", cron: "0 3 * * *", timezone: "Nowhere/Land", payload: { id: "e" } }],
      },
    ];
    expect(() => createRegistry(bad, cron)).toThrow(RegistrationError);
    expect(() => createRegistry(bad, cron)).toThrow(
      /trigger "t\.a": timeouts\.startMs must be a positive whole number of milliseconds \(got 0\)[\s\S]*trigger "t\.b": timeouts\.finishMs must be a positive whole number of milliseconds \(got 1\.5\)[\s\S]*"t\.c": schedules\[0\] \("x"\): everyMs must be a whole number of milliseconds, at least 1000[\s\S]*"t\.d": schedules\[0\] \("y"\): payload refused: id[\s\S]*"t\.e": schedules\[0\]: key "x" is already declared by trigger "t\.c"/,
    );
  });

  it("refuses a default cron schedule when the registration has no cron support, naming the entry to pass; everyMs needs none", () => {
    const tick: AnyTrigger = timeTriggers[0]!;
    expect(() => createRegistry([{ ...tick, schedules: [{ key: "n", cron: "0 3 * * *", payload: { id: "n" } }] }])).toThrow(
      /schedules\[0\] \("n"\): cron schedules need cron support: pass `cron` from "durable-triggers\/cron" to defineAgentDO/,
    );
    expect(
      createRegistry([{ ...tick, schedules: [{ key: "m", everyMs: 60_000, payload: { id: "m" } }] }]).get(tick.kind)!.schedules,
    ).toHaveLength(1);
  });

  it("finds passed and next deadlines through their partial indexes, never by scanning the work table", async () => {
    const plans = await inLab(timeTriggers, (_, sql) => {
      const plan = (query: string, ...bindings: number[]) =>
        sql
          .exec<{ detail: string }>(`EXPLAIN QUERY PLAN ${query}`, ...bindings)
          .toArray()
          .map((row) => row.detail)
          .join("; ");
      const deadlines = ["start_deadline", "finish_deadline"].map((column) =>
        plan(`SELECT min(${column}) FROM work WHERE settled IS NULL AND ${column} IS NOT NULL AND ${column} > ?1`, 0),
      );
      const passed = plan(`SELECT intent_id FROM work WHERE settled IS NULL AND finish_deadline IS NOT NULL AND finish_deadline <= ?1`, 0);
      const schedules = plan("SELECT * FROM schedules WHERE next_fire_at <= ? ORDER BY next_fire_at, key LIMIT 64", 0);
      return [...deadlines, passed, schedules];
    });
    expect(plans[0]).toMatch(/USING (COVERING )?INDEX work_start_deadlines/);
    expect(plans[1]).toMatch(/USING (COVERING )?INDEX work_finish_deadlines/);
    expect(plans[2]).toMatch(/USING INDEX work_finish_deadlines/);
    expect(plans[3]).toMatch(/USING INDEX schedules_next/);
    for (const plan of plans) expect(plan).not.toMatch(/SCAN (work|schedules)\b(?! USING)/);
  });

  it("adds the deadline columns to a work table made before timeouts, keeping its rows", async () => {
    const rows = await inLab([], (_, sql) =>
      sql
        .exec("SELECT name FROM pragma_table_info('work')")
        .toArray()
        .map((r) => r.name),
    );
    expect(rows).toEqual(expect.arrayContaining(["start_deadline", "finish_deadline"]));
    const migrated = await inLabOld();
    expect(migrated.row).toMatchObject({ intent_id: 1, start_deadline: null, finish_deadline: null, intent_version: 1 });
    expect(migrated.indexes).toEqual(expect.arrayContaining(["work_start_deadlines", "work_finish_deadlines"]));
  });
});

/** A work table as the first release made it, with one row, then opened by today's runtime. */
function inLabOld() {
  return inBareLab((state) => {
    state.storage.sql.exec(`CREATE TABLE events (id INTEGER PRIMARY KEY AUTOINCREMENT, ts INTEGER NOT NULL, kind TEXT NOT NULL, payload TEXT NOT NULL);
      INSERT INTO events (ts, kind, payload) VALUES (1, 'old.requested', '{}');
      CREATE TABLE work (intent_id INTEGER PRIMARY KEY REFERENCES events (id), trigger_kind TEXT NOT NULL, idempotency_key TEXT,
        fire_at INTEGER NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, claim_token TEXT, claim_deadline INTEGER, claim_mode TEXT,
        cancel_requested_at INTEGER, cancel_reason TEXT, settled TEXT, settled_at INTEGER, last_error TEXT);
      INSERT INTO work (intent_id, trigger_kind, fire_at) VALUES (1, 'old', 1);`);
    openScope(state, {}, createRegistry([]));
    return {
      row: state.storage.sql.exec("SELECT * FROM work").one(),
      indexes: state.storage.sql
        .exec<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'index'")
        .toArray()
        .map((r) => r.name),
    };
  });
}
