import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { crash, freshTimeAgent, timeAgentFor, timeStoreOf, type TimeAgent } from "./time-helpers";

/**
 * Any page can make a browser GET a scope of any name, and a read starts the
 * object as a write does. The time agent declares default schedules: were
 * they installed when an object starts, every such read would leave two
 * schedules and an alarm that enqueues work forever.
 */

/** Every row of every runtime table, and the alarm: what a read must leave empty. */
function everythingStored(agent: TimeAgent) {
  return runInDurableObject(agent, async (_, state) => {
    const tables = state.storage.sql
      .exec<{ name: string }>(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '\\_%' ESCAPE '\\' AND name NOT LIKE 'sqlite%'",
      )
      .toArray();
    let rows = 0;
    for (const { name } of tables) rows += state.storage.sql.exec<{ n: number }>(`SELECT count(*) AS n FROM "${name}"`).one().n;
    return { rows, alarm: await state.storage.getAlarm() };
  });
}

/** The reads a page can make of a scope: RPC reads and the object's own GET routes. */
const reads: ((agent: TimeAgent) => Promise<unknown>)[] = [
  (agent) => agent.intentState(1),
  (agent) => agent.events({ afterId: 0 }),
  (agent) => agent.intents({ limit: 10 }),
  (agent) => agent.schedules(),
  (agent) => agent.registration(),
  (agent) => agent.fetch("http://do/intents/1/watch").then((response) => response.text()),
  (agent) => agent.fetch("http://do/events/stream?afterId=5").then((response) => response.body?.cancel()),
];

describe("a read of a scope never writes", () => {
  // 100 scopes, not the 1 000: under vitest-pool-workers each fresh Durable Object
  // costs more to start the more this run has started (measured on the shared 2-core machine:
  // 100 in 0.6 s; 300 in 9-18 s, even with one plain RPC read each; 600 past the 20 s timeout;
  // 1 000 spread over ten tests of 100 did not finish in 150 s, so the objects, not the test,
  // are what counts). What a read writes does not depend on how many scopes were read before it.
  // The 1 000 run under wrangler dev, through the HTTP routes: test/reliability/tail.node.test.ts.
  it("100 reads of fresh scope names leave no rows and no alarm", async () => {
    const agents = Array.from({ length: 100 }, (_, i) => freshTimeAgent(`read-only-${i}`).agent);
    for (let i = 0; i < agents.length; i += 50) {
      await Promise.all(agents.slice(i, i + 50).map((agent, j) => reads[(i + j) % reads.length]!(agent).catch(() => {})));
    }
    const stored = [];
    for (let i = 0; i < agents.length; i += 50) stored.push(...(await Promise.all(agents.slice(i, i + 50).map(everythingStored))));
    expect(stored.filter(({ rows, alarm }) => rows > 0 || alarm !== null)).toEqual([]);
  });

  it("the first write installs the spec's defaults, in its own transaction; a refused one installs nothing", async () => {
    const { agent, scope } = freshTimeAgent("first-write");
    expect(await agent.schedules()).toEqual([]);
    await expect(agent.enqueueTrigger({ triggerKind: "time.tick", payload: { id: "" } })).rejects.toThrow(
      /id: expected a non-empty string/,
    );
    expect(await everythingStored(agent)).toEqual({ rows: 0, alarm: null });

    await agent.enqueueTrigger({ triggerKind: "time.tick", payload: { id: "first" } });
    const installed = (await agent.schedules()).map((s) => [s.key, s.origin]).sort();
    expect(installed).toEqual([
      ["default.every-minute", "spec"],
      ["default.hourly", "spec"],
    ]);
    // A scope that holds something reconciles them when it starts, and keeps their fire times.
    const before = await timeStoreOf(agent);
    await crash(agent);
    expect((await timeStoreOf(timeAgentFor(scope))).schedules).toEqual(before.schedules);
  });

  it("a first scheduleTrigger installs them too, and cannot take a default's key before they exist", async () => {
    const { agent } = freshTimeAgent("first-schedule");
    await expect(
      agent.scheduleTrigger({ key: "default.hourly", triggerKind: "time.tick", payload: { id: "x" }, everyMs: 60_000 }),
    ).rejects.toThrow(/belongs to a default schedule that trigger "time.tick" declares/);
    expect(await everythingStored(agent)).toEqual({ rows: 0, alarm: null });
    await agent.scheduleTrigger({ key: "beat", triggerKind: "time.tick", payload: { id: "beat" }, everyMs: 60_000 });
    expect((await agent.schedules()).map((s) => s.key).sort()).toEqual(["beat", "default.every-minute", "default.hourly"]);
  });
});
