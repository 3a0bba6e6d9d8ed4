import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { eventually } from "./helpers";
import { crash, firingKeys, freshTimeAgent, iso, timeAgentFor, timeStoreOf, type TimeAgent } from "./time-helpers";

/** Moves a schedule's next fire time into the past by hand, as downtime would have left it. */
function makeDue(agent: TimeAgent, key: string, fireAt: number) {
  return runInDurableObject(agent, (_, state) => {
    state.storage.sql.exec("UPDATE schedules SET next_fire_at = ? WHERE key = ?", fireAt, key);
  });
}

const doneIds = async (agent: TimeAgent) =>
  (await agent.events({ kinds: ["time.tick.done"] })).map((e) => (e.payload as { id: string }).id);

describe("scheduleTrigger", () => {
  it("upserts by key, arms the alarm no later than the next fire time, and lists schedules soonest first", async () => {
    const { agent } = freshTimeAgent("schedule-upsert");
    const before = Date.now();
    const first = await agent.scheduleTrigger({ key: "beat", triggerKind: "time.tick", payload: { id: "beat" }, everyMs: 5_000 });
    expect(first).toMatchObject({
      key: "beat",
      triggerKind: "time.tick",
      everyMs: 5_000,
      cron: null,
      timezone: null,
      lastFiredAt: null,
      origin: "api",
    });
    expect(first.nextFireAt).toBeGreaterThanOrEqual(before + 5_000);
    const alarm = await runInDurableObject(agent, (_, state) => state.storage.getAlarm());
    expect(alarm).not.toBeNull();
    expect(alarm!).toBeLessThanOrEqual(first.nextFireAt);

    // The same request again changes nothing; a new payload keeps the phase; a new timing starts afresh.
    expect(await agent.scheduleTrigger({ key: "beat", triggerKind: "time.tick", payload: { id: "beat" }, everyMs: 5_000 })).toEqual(first);
    const repayloaded = await agent.scheduleTrigger({ key: "beat", triggerKind: "time.tick", payload: { id: "beat2" }, everyMs: 5_000 });
    expect(repayloaded.nextFireAt).toBe(first.nextFireAt);
    const retimed = await agent.scheduleTrigger({
      key: "beat",
      triggerKind: "time.tick",
      payload: { id: "beat2" },
      cron: "0 3 * * *",
      timezone: "Asia/Tokyo",
    });
    expect(retimed).toMatchObject({ cron: "0 3 * * *", timezone: "Asia/Tokyo", everyMs: null });
    expect(new Date(retimed.nextFireAt).getUTCHours()).toBe(18); // 03:00 in Tokyo

    const keys = (await agent.schedules()).map((s) => [s.key, s.origin]);
    expect(keys).toEqual(
      expect.arrayContaining([
        ["beat", "api"],
        ["default.hourly", "spec"],
        ["default.every-minute", "spec"],
      ]),
    );
    const times = (await agent.schedules()).map((s) => s.nextFireAt);
    expect(times).toEqual([...times].sort((a, b) => a - b));
  });

  const refusals: [string, unknown, RegExp][] = [
    ["an unknown kind", { key: "k", triggerKind: "time.nope", payload: { id: "x" }, everyMs: 60_000 }, /unknown trigger kind "time.nope"/],
    [
      "a payload parseIntent refuses",
      { key: "k", triggerKind: "time.tick", payload: { id: "" }, everyMs: 60_000 },
      /payload refused: id: expected a non-empty string/,
    ],
    [
      "a payload that is not JSON",
      { key: "k", triggerKind: "time.tick", payload: { id: "x", when: new Date(0) }, everyMs: 60_000 },
      /payload at \$\.when: a Date object is not JSON/,
    ],
    [
      "both cron and everyMs",
      { key: "k", triggerKind: "time.tick", payload: { id: "x" }, everyMs: 60_000, cron: "* * * * *" },
      /exactly one of cron and everyMs/,
    ],
    ["neither cron nor everyMs", { key: "k", triggerKind: "time.tick", payload: { id: "x" } }, /exactly one of cron and everyMs/],
    [
      "a cron that does not parse",
      { key: "k", triggerKind: "time.tick", payload: { id: "x" }, cron: "61 * * * *" },
      /cron "61 \* \* \* \*" does not parse: .*minute/,
    ],
    ["a cron with seven fields", { key: "k", triggerKind: "time.tick", payload: { id: "x" }, cron: "0 0 0 1 1 * 2030" }, /does not parse/],
    ["a cron that never fires", { key: "k", triggerKind: "time.tick", payload: { id: "x" }, cron: "0 0 30 2 *" }, /never fires after now/],
    [
      "an unknown time zone",
      { key: "k", triggerKind: "time.tick", payload: { id: "x" }, cron: "0 3 * * *", timezone: "Mars/Olympus" },
      /timezone must be an IANA time zone/,
    ],
    [
      "a UTC offset for a time zone",
      { key: "k", triggerKind: "time.tick", payload: { id: "x" }, cron: "0 3 * * *", timezone: "+14:00" },
      /timezone must be an IANA time zone such as "Europe\/Paris" \(got "\+14:00"\)/,
    ],
    [
      "a bare offset for a time zone",
      { key: "k", triggerKind: "time.tick", payload: { id: "x" }, cron: "0 3 * * *", timezone: "-0500" },
      /timezone must be an IANA time zone/,
    ],
    [
      "an everyMs past 100 years",
      { key: "k", triggerKind: "time.tick", payload: { id: "x" }, everyMs: Number.MAX_SAFE_INTEGER },
      /everyMs must be at most 3155760000000 milliseconds \(100 years\) \(got 9007199254740991\)/,
    ],
    [
      "a time zone with everyMs",
      { key: "k", triggerKind: "time.tick", payload: { id: "x" }, everyMs: 60_000, timezone: "UTC" },
      /timezone goes with cron only/,
    ],
    [
      "everyMs under the minimum",
      { key: "k", triggerKind: "time.tick", payload: { id: "x" }, everyMs: 999 },
      /everyMs must be a whole number of milliseconds, at least 1000 \(got 999\)/,
    ],
    ["a fractional everyMs", { key: "k", triggerKind: "time.tick", payload: { id: "x" }, everyMs: 1500.5 }, /at least 1000 \(got 1500.5\)/],
    [
      "an empty key",
      { key: "", triggerKind: "time.tick", payload: { id: "x" }, everyMs: 60_000 },
      /key must be a string of 1 to 256 characters/,
    ],
    [
      "a key over 256 characters",
      { key: "k".repeat(257), triggerKind: "time.tick", payload: { id: "x" }, everyMs: 60_000 },
      /key must be a string of 1 to 256/,
    ],
    [
      "a spec default's key",
      { key: "default.hourly", triggerKind: "time.tick", payload: { id: "x" }, everyMs: 60_000 },
      /belongs to a default schedule that trigger "time.tick" declares/,
    ],
    ["a request that is not an object", null, /the request must be an object/],
  ];
  it.each(refusals)("refuses %s, and writes nothing", async (_, request, message) => {
    const { agent } = freshTimeAgent("schedule-refused");
    await agent.scheduleTrigger({ key: "kept", triggerKind: "time.tick", payload: { id: "kept" }, everyMs: 60_000 });
    const before = await timeStoreOf(agent);
    await expect(agent.scheduleTrigger(request as never)).rejects.toThrow(message);
    expect(await timeStoreOf(agent)).toEqual(before);
  });

  it("refuses to unschedule a spec default or a bad key, writing nothing; answers removed: false for an unknown key", async () => {
    const { agent } = freshTimeAgent("unschedule-refused");
    const before = await timeStoreOf(agent);
    await expect(agent.unscheduleTrigger("default.hourly")).rejects.toThrow(
      /belongs to a default schedule that trigger "time.tick" declares; change it in the spec/,
    );
    await expect(agent.unscheduleTrigger("" as string)).rejects.toThrow(/key must be a string/);
    await expect(agent.unscheduleTrigger(7 as never)).rejects.toThrow(/key must be a string/);
    expect(await agent.unscheduleTrigger("nothing-here")).toEqual({ removed: false });
    expect(await timeStoreOf(agent)).toEqual(before);
  });
});

describe("a schedule firing", () => {
  it("enqueues one intent per fire time through the real alarm, keyed by the schedule and the fire time", async () => {
    const { agent } = freshTimeAgent("fire-alarm");
    await agent.scheduleTrigger({ key: "beat", triggerKind: "time.tick", payload: { id: "beat" }, everyMs: 60_000 });
    const fireAt = Date.now() - 1_000;
    await makeDue(agent, "beat", fireAt);
    expect(await runDurableObjectAlarm(agent)).toBe(true);
    await eventually(
      () => doneIds(agent),
      (ids) => ids.length === 1,
      "the firing's intent to complete",
    );
    expect(await firingKeys(agent)).toEqual([`schedule:beat@${iso(fireAt)}`]);
    const [beat] = (await agent.schedules()).filter((s) => s.key === "beat");
    expect(beat).toMatchObject({ lastFiredAt: fireAt, nextFireAt: fireAt + 60_000 });
    const alarm = await runInDurableObject(agent, (_, state) => state.storage.getAlarm());
    expect(alarm).not.toBeNull();
    expect(alarm!).toBeLessThanOrEqual(beat!.nextFireAt); // armed again for the next fire time
  });

  it("fires each fire time exactly once across object restarts, and a fire time retried after a restart writes nothing", async () => {
    const { agent, scope } = freshTimeAgent("fire-restart");
    await agent.scheduleTrigger({ key: "beat", triggerKind: "time.tick", payload: { id: "beat" }, everyMs: 60_000 });
    const fireAt = Date.now() - 30_000;
    await makeDue(agent, "beat", fireAt);
    await crash(agent);

    // The new instance arms its alarm for the due schedule when it starts, and its drain fires it.
    const second = timeAgentFor(scope);
    await eventually(
      () => doneIds(second),
      (ids) => ids.length === 1,
      "the firing after the restart",
    );
    await crash(second);
    const third = timeAgentFor(scope);
    const [beat] = (await third.schedules()).filter((s) => s.key === "beat");
    expect(beat).toMatchObject({ lastFiredAt: fireAt, nextFireAt: fireAt + 60_000 });

    // As if the firing had been retried: the same fire time due again, across another restart.
    await makeDue(third, "beat", fireAt);
    await crash(third);
    const fourth = timeAgentFor(scope);
    await eventually(
      () => fourth.schedules(),
      (rows) => rows.some((s) => s.key === "beat" && s.nextFireAt > fireAt),
      "the retried firing to pass",
    );
    expect(await firingKeys(fourth)).toEqual([`schedule:beat@${iso(fireAt)}`]);
    expect(await doneIds(fourth)).toEqual(["beat"]);
  });

  it("fires once after downtime across several fire times, carrying the first fire time missed", async () => {
    const { agent } = freshTimeAgent("fire-catch-up");
    await agent.scheduleTrigger({ key: "beat", triggerKind: "time.tick", payload: { id: "beat" }, everyMs: 1_000 });
    const missed = Date.now() - 10_500; // ten fire times ago, and then some
    await makeDue(agent, "beat", missed);
    await runDurableObjectAlarm(agent);
    await eventually(
      () => doneIds(agent),
      (ids) => ids.length === 1,
      "the catch-up firing",
    );
    expect(await firingKeys(agent)).toEqual([`schedule:beat@${iso(missed)}`]);
    const [beat] = (await agent.schedules()).filter((s) => s.key === "beat");
    expect(beat!.nextFireAt).toBeGreaterThan(Date.now() - 1_000);
    expect((beat!.nextFireAt - missed) % 1_000).toBe(0); // the phase is kept
  });

  it("stops firing once unscheduled", async () => {
    const { agent } = freshTimeAgent("unschedule");
    await agent.scheduleTrigger({ key: "beat", triggerKind: "time.tick", payload: { id: "beat" }, everyMs: 60_000 });
    await makeDue(agent, "beat", Date.now() - 1_000);
    expect(await agent.unscheduleTrigger("beat")).toEqual({ removed: true });
    expect((await agent.schedules()).map((s) => s.key)).not.toContain("beat");
    await runDurableObjectAlarm(agent);
    expect(await firingKeys(agent)).toEqual([]);
    expect(await agent.unscheduleTrigger("beat")).toEqual({ removed: false });
  });
});

describe("default schedules", () => {
  it("are installed once, by the scope's first write, and left as they are across restarts", async () => {
    const { agent, scope } = freshTimeAgent("defaults");
    expect(await agent.schedules()).toEqual([]); // a read writes nothing (see reads-write-nothing.test.ts)
    await agent.scheduleTrigger({ key: "first-write", triggerKind: "time.tick", payload: { id: "first" }, everyMs: 3_600_000 });
    await agent.unscheduleTrigger("first-write");
    const installed = await agent.schedules();
    expect(installed.map((s) => [s.key, s.origin, s.cron, s.timezone, s.everyMs])).toEqual(
      [
        ["default.every-minute", "spec", null, null, 60_000],
        ["default.hourly", "spec", "0 * * * *", "Europe/Paris", null],
      ].sort((a, b) => installed.findIndex((s) => s.key === a[0]) - installed.findIndex((s) => s.key === b[0])),
    );
    const alarm = await runInDurableObject(agent, (_, state) => state.storage.getAlarm());
    expect(alarm!).toBeLessThanOrEqual(Math.min(...installed.map((s) => s.nextFireAt)));

    await crash(agent);
    await new Promise((resolve) => setTimeout(resolve, 20)); // a restart later: a reinstall would shift the everyMs phase
    const again = timeAgentFor(scope);
    expect(await again.schedules()).toEqual(installed);
    const registration = await again.registration();
    expect(registration.triggers.find((t) => t.kind === "time.tick")?.schedules).toEqual([
      { key: "default.hourly", cron: "0 * * * *", timezone: "Europe/Paris", payload: { id: "hourly" } },
      { key: "default.every-minute", everyMs: 60_000, payload: { id: "every-minute" } },
    ]);
    expect(registration.triggers.find((t) => t.kind === "time.start")?.timeouts).toEqual({ startMs: 150, finishMs: null });
  });
});
