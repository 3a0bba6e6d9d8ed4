import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { operatorApi } from "../../runtime/operator/index.ts";
import { crash, freshTimeAgent, timeAgentFor, timeStoreOf, type TimeAgent } from "./time-helpers";
import type { TimeAgentDO } from "./time-worker";

type TimeEnv = { TIME_AGENT: DurableObjectNamespace<InstanceType<typeof TimeAgentDO>> };
/** The operator surface over the time object, every request allowed: any page can make a browser send these GETs. */
const api = operatorApi<TimeEnv>({ namespace: (e) => e.TIME_AGENT, authorize: () => true });
const get = (path: string) => api.fetch(new Request(`https://ops.example${path}`), env as unknown as TimeEnv);

/** Every row of every table the object has (the platform's own `_cf_` tables aside), and its alarm. */
function everything(agent: TimeAgent) {
  return runInDurableObject(agent, async (_, state) => {
    const sql = state.storage.sql;
    const tables = sql.exec<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '\\_cf\\_%' ESCAPE '\\' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'").toArray();
    const rows = tables.map(({ name }) => [name, sql.exec<{ n: number }>(`SELECT count(*) AS n FROM "${name}"`).one().n] as const).filter(([, n]) => n > 0);
    return { rows, alarm: await state.storage.getAlarm() };
  });
}

const defaultKeys = (agent: TimeAgent) => agent.schedules().then((list) => list.filter((s) => s.origin === "spec").map((s) => s.key).sort());

describe("reads of a scope write nothing", () => {
  it("1 000 reads of fresh scope names leave no row and no alarm, though the object declares default schedules", async () => {
    const run = `reads-${Date.now()}`;
    const names = Array.from({ length: 1_000 }, (_, i) => `${run}-${i}`);
    for (let i = 0; i < names.length; i += 100) {
      const answers = await Promise.all(names.slice(i, i + 100).map((name) => get(`/scopes/${name}/intents/1`)));
      expect(answers.map((a) => a.status)).toEqual(answers.map(() => 404));
    }
    // The other reads too, on a few of them.
    for (const name of names.slice(0, 5)) {
      for (const path of ["registration", "intents", "schedules", "events"]) expect((await get(`/scopes/${name}/${path}`)).status).toBe(200);
    }
    for (let i = 0; i < names.length; i += 100) {
      const stores = await Promise.all(names.slice(i, i + 100).map((name) => everything(timeAgentFor(name))));
      expect(stores).toEqual(stores.map(() => ({ rows: [], alarm: null })));
    }
  });
});

describe("default schedules", () => {
  it("are installed by a scope's first write, in its transaction, and not by a refused one", async () => {
    const { agent } = freshTimeAgent("defaults-first-write");
    await expect(agent.enqueueTrigger({ triggerKind: "time.tick", payload: { id: "" } })).rejects.toThrow(/payload refused/);
    expect(await everything(agent)).toEqual({ rows: [], alarm: null });

    const before = Date.now();
    await agent.enqueueTrigger({ triggerKind: "time.tick", payload: { id: "later" }, at: Date.now() + 3_600_000 });
    const schedules = await agent.schedules();
    expect(schedules.filter((s) => s.origin === "spec").map((s) => s.key).sort()).toEqual(["default.every-minute", "default.hourly"]);
    expect(schedules.find((s) => s.key === "default.every-minute")!.nextFireAt).toBeGreaterThanOrEqual(before + 60_000);
    const alarm = await runInDurableObject(agent, (_, state) => state.storage.getAlarm());
    expect(alarm!).toBeLessThanOrEqual(Math.min(...schedules.map((s) => s.nextFireAt)));
  });

  it("are installed by a first scheduleTrigger too, and a spec key is refused on a scope that has none yet, writing nothing", async () => {
    const { agent } = freshTimeAgent("defaults-first-schedule");
    await expect(agent.scheduleTrigger({ key: "default.hourly", triggerKind: "time.tick", payload: { id: "x" }, everyMs: 60_000 })).rejects.toThrow(
      /"default.hourly": the key belongs to a default schedule that trigger "time.tick" declares/,
    );
    await expect(agent.unscheduleTrigger("default.hourly")).rejects.toThrow(/belongs to a default schedule/);
    expect(await everything(agent)).toEqual({ rows: [], alarm: null });
    await agent.scheduleTrigger({ key: "mine", triggerKind: "time.tick", payload: { id: "mine" }, everyMs: 60_000 });
    expect(await defaultKeys(agent)).toEqual(["default.every-minute", "default.hourly"]);
  });

  it("are installed by an emitted fact's transaction as well, and reconciled when an object that holds something restarts", async () => {
    const { agent, scope } = freshTimeAgent("defaults-restart");
    await agent.scheduleTrigger({ key: "mine", triggerKind: "time.tick", payload: { id: "mine" }, everyMs: 60_000 });
    const installed = await agent.schedules();
    await crash(agent);
    await new Promise((resolve) => setTimeout(resolve, 20)); // a restart later: a reinstall would shift the everyMs phase
    expect(await timeAgentFor(scope).schedules()).toEqual(installed);
    expect((await timeStoreOf(timeAgentFor(scope))).schedules).toHaveLength(3);
  });
});
