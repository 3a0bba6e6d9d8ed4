import { describe, expect, it } from "vitest";
import { cron } from "../../runtime/cron.ts";
import { createRegistry } from "../../runtime/definition/registry.ts";
import { fireDueSchedules, installSpecSchedules, scheduleTrigger } from "../../runtime/time/schedules.ts";
import { nextFireTime, readTiming } from "../../runtime/definition/schedule-time.ts";
import type { Scope } from "../../runtime/object/scope.ts";
import type { AnyTrigger, DeclaredSchedule } from "../../runtime";
import { at, inLab, iso } from "./time-helpers";
import { timeTriggers } from "./time-worker";

/**
 * Schedules with a fixed clock: the firing logic takes `now` as a parameter,
 * so a DST change or a week of downtime is computed, not waited for. These
 * run inside workerd, on real SQLite, with croner and the platform's Intl
 * time zone data.
 */

/** The fire times the scope's firings carried, from their idempotency keys. */
function firings(sql: SqlStorage): string[] {
  return sql
    .exec<{ key: string }>("SELECT idempotency_key AS key FROM work ORDER BY intent_id")
    .toArray()
    .map((row) => row.key);
}

function schedule(scope: Scope, key: string) {
  const row = scope.store.schedules.get(key);
  if (row === null) throw new Error(`no schedule ${key}`);
  return { next: iso(row.nextFireAt), last: row.lastFiredAt === null ? null : iso(row.lastFiredAt) };
}

describe("cron in a time zone across DST (Europe/Paris), computed with a fixed clock", () => {
  it("fires a daily 02:30 once on the spring-forward day, at 03:00 local, the first minute after the gap", async () => {
    await inLab(timeTriggers, (scope, sql) => {
      scheduleTrigger(
        scope,
        { key: "nightly", triggerKind: "time.tick", payload: { id: "n" }, cron: "30 2 * * *", timezone: "Europe/Paris" },
        at("2026-03-27T12:00:00Z"),
      );
      // 02:30 CET = 01:30Z before the change; on 29 March 02:00 CET jumps to 03:00 CEST.
      expect(schedule(scope, "nightly").next).toBe("2026-03-28T01:30:00.000Z");
      for (const now of ["2026-03-28T01:30:00.000Z", "2026-03-29T01:00:00.000Z", "2026-03-30T00:30:00.000Z"]) {
        expect(fireDueSchedules(scope, at(now) - 1)).toBe(0); // not a millisecond early
        expect(fireDueSchedules(scope, at(now))).toBe(1);
        expect(fireDueSchedules(scope, at(now))).toBe(0); // the same instant again: nothing
      }
      expect(firings(sql)).toEqual([
        "schedule:nightly@2026-03-28T01:30:00.000Z",
        "schedule:nightly@2026-03-29T01:00:00.000Z", // 03:00 CEST: 02:30 did not exist that night
        "schedule:nightly@2026-03-30T00:30:00.000Z", // 02:30 CEST
      ]);
    });
  });

  it("fires a daily 02:30 once on the fall-back day, though 02:30 happens twice; an hourly cron fires both 02:00s", async () => {
    await inLab(timeTriggers, (scope, sql) => {
      const start = at("2026-10-24T23:30:00Z");
      scheduleTrigger(
        scope,
        { key: "nightly", triggerKind: "time.tick", payload: { id: "n" }, cron: "30 2 * * *", timezone: "Europe/Paris" },
        start,
      );
      scheduleTrigger(
        scope,
        { key: "hourly", triggerKind: "time.tick", payload: { id: "h" }, cron: "0 * * * *", timezone: "Europe/Paris" },
        start,
      );
      // Walk the clock minute by minute through the night of 25 October (03:00 CEST becomes 02:00 CET).
      for (let now = at("2026-10-24T23:30:00Z"); now <= at("2026-10-25T03:30:00Z"); now += 60_000) fireDueSchedules(scope, now);
      expect(firings(sql)).toEqual([
        "schedule:hourly@2026-10-25T00:00:00.000Z", // 02:00 CEST
        "schedule:nightly@2026-10-25T00:30:00.000Z", // 02:30 CEST, the first 02:30, and the only firing
        "schedule:hourly@2026-10-25T01:00:00.000Z", // 02:00 CET: a new hour on the wall, an hour later
        "schedule:hourly@2026-10-25T02:00:00.000Z",
        "schedule:hourly@2026-10-25T03:00:00.000Z",
      ]);
      expect(schedule(scope, "nightly").next).toBe("2026-10-26T01:30:00.000Z"); // 02:30 CET
    });
  });

  it("fires each instant once when a pattern lists several hours: croner 11 fires the repeated 02:15 at both of its instants", async () => {
    await inLab(timeTriggers, (scope, sql) => {
      scheduleTrigger(
        scope,
        { key: "early", triggerKind: "time.tick", payload: { id: "e" }, cron: "15 1-3 * * *", timezone: "Europe/Paris" },
        at("2026-10-24T23:30:00Z"),
      );
      for (let now = at("2026-10-24T23:30:00Z"); now <= at("2026-10-25T03:30:00Z"); now += 60_000) fireDueSchedules(scope, now);
      expect(firings(sql)).toEqual([
        "schedule:early@2026-10-25T00:15:00.000Z", // 02:15 CEST (01:15 CEST was before the clock started)
        "schedule:early@2026-10-25T01:15:00.000Z", // 02:15 CET, the same wall time an hour later
        "schedule:early@2026-10-25T02:15:00.000Z", // 03:15 CET
      ]);
    });
  });

  it("reads cron in UTC when no zone is given, and computes next fire times strictly after the clock", async () => {
    await inLab(timeTriggers, () => {
      // Without the cron entry (a Worker that never passed it to defineAgentDO), a cron schedule is refused, naming it.
      expect(readTiming({ cron: "0 3 * * *" })).toMatch(
        /^cron schedules need cron support: pass `cron` from "durable-triggers\/cron" to defineAgentDO/,
      );
      expect(readTiming({ everyMs: 60_000 })).toEqual({ cron: null, timezone: null, everyMs: 60_000 });
      const utc = readTiming({ cron: "0 3 * * *" }, cron);
      const paris = readTiming({ cron: "0 3 * * *", timezone: "Europe/Paris" }, cron);
      if (typeof utc === "string" || typeof paris === "string") throw new Error("timing refused");
      expect(iso(nextFireTime(utc, at("2026-01-01T03:00:00Z"), null, cron)!)).toBe("2026-01-02T03:00:00.000Z");
      expect(iso(nextFireTime(paris, at("2026-01-01T01:59:59Z"), null, cron)!)).toBe("2026-01-01T02:00:00.000Z");
      expect(iso(nextFireTime(paris, at("2026-07-01T01:00:00Z"), null, cron)!)).toBe("2026-07-02T01:00:00.000Z"); // CEST: UTC+2
    });
  });
});

describe("catch-up after downtime, computed with a fixed clock", () => {
  it("fires once for five missed fire times, carrying the first one missed, and keeps an everyMs schedule's phase", async () => {
    await inLab(timeTriggers, (scope, sql) => {
      const t0 = at("2026-05-01T00:00:00Z");
      scheduleTrigger(scope, { key: "minutely", triggerKind: "time.tick", payload: { id: "m" }, everyMs: 60_000 }, t0);
      expect(schedule(scope, "minutely").next).toBe("2026-05-01T00:01:00.000Z");
      // Down from just before 00:01 until 00:05:30: 00:01 … 00:05 were missed.
      expect(fireDueSchedules(scope, at("2026-05-01T00:05:30Z"))).toBe(1);
      expect(firings(sql)).toEqual(["schedule:minutely@2026-05-01T00:01:00.000Z"]);
      expect(schedule(scope, "minutely")).toEqual({ next: "2026-05-01T00:06:00.000Z", last: "2026-05-01T00:01:00.000Z" });
      // The intent is due when it fired, not at the missed time: its timeouts count from the firing.
      expect(sql.exec("SELECT fire_at FROM work").one().fire_at).toBe(at("2026-05-01T00:05:30Z"));
    });
  });

  it("fires a cron once after a week down, carrying the first missed night", async () => {
    await inLab(timeTriggers, (scope, sql) => {
      scheduleTrigger(
        scope,
        { key: "nightly", triggerKind: "time.tick", payload: { id: "n" }, cron: "0 3 * * *" },
        at("2026-05-01T12:00:00Z"),
      );
      expect(fireDueSchedules(scope, at("2026-05-09T12:00:00Z"))).toBe(1);
      expect(firings(sql)).toEqual(["schedule:nightly@2026-05-02T03:00:00.000Z"]);
      expect(schedule(scope, "nightly").next).toBe("2026-05-10T03:00:00.000Z");
    });
  });

  it("never fires a fire time twice: a firing retried with the same fire time finds its key and writes nothing", async () => {
    await inLab(timeTriggers, (scope, sql) => {
      scheduleTrigger(scope, { key: "again", triggerKind: "time.tick", payload: { id: "a" }, everyMs: 60_000 }, at("2026-05-01T00:00:00Z"));
      fireDueSchedules(scope, at("2026-05-01T00:01:00Z"));
      // As if the firing's advance had been lost: the schedule is due at the same fire time again.
      sql.exec("UPDATE schedules SET next_fire_at = ?", at("2026-05-01T00:01:00Z"));
      const events = sql.exec("SELECT count(*) AS n FROM events").one().n;
      expect(fireDueSchedules(scope, at("2026-05-01T00:01:00.500Z"))).toBe(1);
      expect(firings(sql)).toEqual(["schedule:again@2026-05-01T00:01:00.000Z"]);
      expect(sql.exec("SELECT count(*) AS n FROM events").one().n).toBe(events);
      expect(schedule(scope, "again").next).toBe("2026-05-01T00:02:00.000Z");
    });
  });

  it("skips a fire time whose stored payload its trigger no longer accepts, and says so in the ledger", async () => {
    await inLab(timeTriggers, (scope, sql) => {
      scheduleTrigger(scope, { key: "stale", triggerKind: "time.tick", payload: { id: "s" }, everyMs: 60_000 }, at("2026-05-01T00:00:00Z"));
      sql.exec(`UPDATE schedules SET payload = '{"id":""}'`); // as if the trigger's parser had changed since
      expect(fireDueSchedules(scope, at("2026-05-01T00:01:00Z"))).toBe(1);
      expect(firings(sql)).toEqual([]);
      const [fact] = scope.ledger.read({ kinds: ["durable_trigger.schedule_refused"] });
      expect(fact?.payload).toMatchObject({ key: "stale", triggerKind: "time.tick", fireAt: at("2026-05-01T00:01:00Z") });
      expect((fact!.payload as { reason: string }).reason).toMatch(/no longer parses: id: expected a non-empty string/);
      expect(schedule(scope, "stale").next).toBe("2026-05-01T00:02:00.000Z");
    });
  });
});

describe("default schedules across deploys", () => {
  const tick: AnyTrigger = timeTriggers[0]!;
  const withSchedules = (schedules: readonly DeclaredSchedule[]) => [{ ...tick, schedules }];

  it("installs new defaults, keeps unchanged ones as they are, updates changed ones, removes dropped ones, and leaves API schedules alone", async () => {
    await inLab(withSchedules([]), (first) => {
      const deploy1 = withSchedules([
        { key: "same", everyMs: 60_000, payload: { id: "same" } },
        { key: "retimed", cron: "0 3 * * *", payload: { id: "retimed" } },
        { key: "repayloaded", everyMs: 60_000, payload: { id: "old" } },
        { key: "dropped", everyMs: 60_000, payload: { id: "dropped" } },
      ]);
      const t0 = at("2026-05-01T00:00:00Z");
      installSpecSchedules(first, createRegistry(deploy1, cron), t0);
      scheduleTrigger(first, { key: "api", triggerKind: "time.tick", payload: { id: "api" }, everyMs: 60_000 }, t0);
      scheduleTrigger(first, { key: "taken", triggerKind: "time.tick", payload: { id: "api-taken" }, everyMs: 120_000 }, t0);
      const before = new Map(first.store.schedules.list().map((row) => [row.key, row]));

      const deploy2 = withSchedules([
        { key: "same", everyMs: 60_000, payload: { id: "same" } },
        { key: "retimed", cron: "0 4 * * *", payload: { id: "retimed" } },
        { key: "repayloaded", everyMs: 60_000, payload: { id: "new" } },
        { key: "added", everyMs: 60_000, payload: { id: "added" } },
        { key: "taken", everyMs: 60_000, payload: { id: "spec-taken" } },
      ]);
      const t1 = t0 + 30_000;
      installSpecSchedules(first, createRegistry(deploy2, cron), t1);
      const after = new Map(first.store.schedules.list().map((row) => [row.key, row]));

      expect([...after.keys()].sort()).toEqual(["added", "api", "repayloaded", "retimed", "same", "taken"]);
      expect(after.get("same")).toEqual(before.get("same")); // untouched, its next fire time too
      expect(iso(after.get("retimed")!.nextFireAt)).toBe("2026-05-01T04:00:00.000Z");
      expect(after.get("repayloaded")).toEqual({ ...before.get("repayloaded"), payload: '{"id":"new"}' }); // same phase
      expect(after.get("added")).toMatchObject({ origin: "spec", nextFireAt: t1 + 60_000 });
      expect(after.get("api")).toEqual(before.get("api"));
      expect(after.get("taken")).toEqual(before.get("taken")); // the API's row holds the key
      expect(after.get("taken")?.origin).toBe("api");
    });
  });
});
