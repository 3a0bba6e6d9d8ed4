import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { createRegistry } from "../../runtime/definition/registry.ts";
import { eventually, freshAgent, type TestAgent } from "./helpers";

describe("intent schema versions", () => {
  it("stores each intent with its trigger's current version and lists it", async () => {
    const { agent } = freshAgent("versions");
    const { id } = await agent.enqueueTrigger({
      triggerKind: "test.versioned",
      payload: { id: "v3", acquire: "return" },
      at: Date.now() + 3_600_000,
    });
    expect((await agent.intents()).find((intent) => intent.intentEventId === id)).toMatchObject({ intentVersion: 3, phase: "scheduled" });
  });

  it("rejects intents stored under a dropped version when they run, naming both versions, and runs the others", async () => {
    const { agent } = freshAgent("versions");
    const later = Date.now() + 3_600_000;
    const old = await agent.enqueueTrigger({ triggerKind: "test.versioned", payload: { id: "v1", acquire: "return" }, at: later });
    const kept = await agent.enqueueTrigger({ triggerKind: "test.versioned", payload: { id: "v2", acquire: "return" }, at: later });
    // As a deploy of versions 1 and 2 left them: stored, due, under their own versions.
    await runInDurableObject(agent, (_, state) => {
      state.storage.sql.exec("UPDATE work SET intent_version = 1, fire_at = 0 WHERE intent_id = ?", old.id);
      state.storage.sql.exec("UPDATE work SET intent_version = 2, fire_at = 0 WHERE intent_id = ?", kept.id);
    });
    // Work due now wakes the drain for this kind, which finds the other two due as well.
    await agent.enqueueTrigger({ triggerKind: "test.versioned", payload: { id: "v3", acquire: "return" } });
    await eventually(
      () => agent.intentState(old.id),
      (phase) => phase === "rejected",
      "the dropped intent rejected",
    );
    await eventually(
      () => agent.intentState(kept.id),
      (phase) => phase === "completed",
      "the kept intent completed",
    );
    const [rejection] = await agent.events({ kinds: ["durable_trigger.rejected"] });
    expect(rejection!.payload).toEqual({
      triggerKind: "test.versioned",
      intentEventId: old.id,
      reason: 'stored under intent version 1, which version 2 of "test.versioned" drops',
    });
  });
});

describe("typed upgrades of stored intents", () => {
  /** Stores `payload` as a due intent of `test.upgraded` under `version`, as an older deploy would have. */
  async function storedUnder(agent: TestAgent, version: number, payload: unknown, at = 0) {
    // Enqueued valid for now, then rewritten to what the older deploy stored: the ledger's guard against
    // changes is lifted for the one write, as only a test may.
    const { id } = await agent.enqueueTrigger({
      triggerKind: "test.upgraded",
      payload: { id: "placeholder", acquire: "return" },
      at: Date.now() + 3_600_000,
    });
    await runInDurableObject(agent, (_, state) => {
      const guard = state.storage.sql.exec<{ sql: string }>("SELECT sql FROM sqlite_master WHERE name = 'events_are_immutable'").one().sql;
      state.storage.sql.exec("DROP TRIGGER events_are_immutable");
      state.storage.sql.exec("UPDATE events SET payload = ? WHERE id = ?", JSON.stringify(payload), id);
      state.storage.sql.exec(guard);
      state.storage.sql.exec("UPDATE work SET intent_version = ?, fire_at = ? WHERE intent_id = ?", version, at, id);
    });
    return id;
  }
  const wake = (agent: TestAgent) => agent.enqueueTrigger({ triggerKind: "test.upgraded", payload: { id: "wake", acquire: "return" } });
  const doneIds = async (agent: TestAgent) =>
    (await agent.events({ kinds: ["test.upgraded.done"] })).map((e) => (e.payload as { id: string }).id).sort();

  it("runs each stored intent through the upgrades after its version, in order, then parses it", async () => {
    const { agent } = freshAgent("upgrades");
    const ids = [
      await storedUnder(agent, 1, { name: "a" }),
      await storedUnder(agent, 2, { name: "b" }),
      await storedUnder(agent, 3, { label: "c" }),
      await storedUnder(agent, 4, { label: "d" }),
      await storedUnder(agent, 5, { id: "e", acquire: "return" }),
    ];
    await wake(agent);
    for (const id of ids)
      await eventually(
        () => agent.intentState(id),
        (phase) => phase === "completed",
        `intent ${id} completed`,
      );
    // v1 and v2 crossed both breaking changes, v3 and v4 the second, v5 none; the compatible steps left values as they were.
    expect(await doneIds(agent)).toEqual(["a>3>5", "b>3>5", "c>5", "d>5", "e", "wake"]);
    // The listing keeps the version each was stored under; the stored fact is not rewritten.
    const listed = new Map((await agent.intents()).map((intent) => [intent.intentEventId, intent.intentVersion]));
    expect(ids.map((id) => listed.get(id))).toEqual([1, 2, 3, 4, 5]);
    expect((await agent.events({ kinds: ["test.upgraded.requested"] })).find((e) => e.id === ids[0])!.payload).toEqual({ name: "a" });
  });

  it("rejects an intent whose upgrade throws or yields what the parser refuses, naming both versions, and runs the rest", async () => {
    const { agent } = freshAgent("upgrades");
    const boom = await storedUnder(agent, 3, { label: "boom" });
    const junk = await storedUnder(agent, 1, { name: "junk" });
    const fine = await storedUnder(agent, 1, { name: "fine" });
    await wake(agent);
    for (const id of [boom, junk])
      await eventually(
        () => agent.intentState(id),
        (phase) => phase === "rejected",
        `intent ${id} rejected`,
      );
    await eventually(
      () => agent.intentState(fine),
      (phase) => phase === "completed",
      "the good one completed",
    );
    const reasons = new Map(
      (await agent.events({ kinds: ["durable_trigger.rejected"] })).map((e) => [
        (e.payload as { intentEventId: number }).intentEventId,
        (e.payload as { reason: string }).reason,
      ]),
    );
    expect(reasons.get(boom)).toBe("stored under intent version 3, current 5: the upgrade to version 5 threw: cannot upgrade boom");
    expect(reasons.get(junk)).toBe(
      "stored intent no longer parses (stored under intent version 1, upgraded to 3, 5 and parsed under 5): acquire: expected one of return, throw, gate, ignoreAbort, throwCancellation, throwNonRetryable",
    );
  });

  it("hands commitCancelled the upgraded intent when pending work of an older version is cancelled", async () => {
    const { agent } = freshAgent("upgrades");
    const id = await storedUnder(agent, 1, { name: "later" }, Date.now() + 3_600_000);
    expect(await agent.cancelTrigger({ triggerKind: "test.upgraded", intentEventId: id, reason: "no" })).toEqual({
      status: "cancelled",
      intentEventId: id,
    });
    const [cancelled] = await agent.events({ kinds: ["test.upgraded.cancelled"] });
    expect(cancelled!.payload).toEqual({ id: "later>3>5", reason: "no" });
  });
});

describe("registering upgrades", () => {
  const base = {
    kind: "x.y",
    intentEventKind: "x.y.requested",
    cancellation: "cooperative",
    parseIntent: () => ({ ok: true as const, intent: {} }),
    acquire: () => ({}),
    commit() {},
    commitCancelled() {},
  } as const;
  it("refuses an upgrade to a dropped version, past the current one, or that is not a function, naming each", () => {
    const upgrade = (old: never) => old;
    expect(() =>
      createRegistry([
        { ...base, intentVersion: 4, intentsDroppedBefore: 2, intentUpgrades: { 2: upgrade, 5: upgrade, 3: "no" as never, 4: upgrade } },
      ]),
    ).toThrow(
      [
        "defineAgentDO refused the definition:",
        'trigger "x.y": intentUpgrades: "2" must be a version after intentsDroppedBefore (2) and no later than intentVersion (4)',
        'trigger "x.y": intentUpgrades[3] must be a function (got "no")',
        'trigger "x.y": intentUpgrades: "5" must be a version after intentsDroppedBefore (2) and no later than intentVersion (4)',
      ].join("\n  - "),
    );
    expect(
      createRegistry([{ ...base, intentVersion: 4, intentUpgrades: { 4: upgrade, 2: upgrade } }])
        .get("x.y")!
        .intentUpgrades.map((u) => u.version),
    ).toEqual([2, 4]);
  });
});

describe("schedules across intent versions", () => {
  it("fires a schedule stored under an older version through the trigger's upgrades, as stored work", async () => {
    const { agent } = freshAgent("schedule-upgrades");
    await agent.scheduleTrigger({
      key: "old",
      triggerKind: "test.upgraded",
      payload: { id: "placeholder", acquire: "return" },
      everyMs: 3_600_000,
    });
    // As a deploy of version 3 left it: its payload in that version's shape, and due.
    await runInDurableObject(agent, (_, state) => {
      state.storage.sql.exec(
        "UPDATE schedules SET payload = ?, intent_version = 3, next_fire_at = 0 WHERE key = 'old'",
        JSON.stringify({ label: "s" }),
      );
    });
    await runDurableObjectAlarm(agent);
    const done = await eventually(
      () => agent.events({ kinds: ["test.upgraded.done"] }),
      (events) => events.length > 0,
      "the schedule's intent completed",
    );
    expect(done.map((e) => (e.payload as { id: string }).id)).toEqual(["s>5"]);
    expect(await agent.events({ kinds: ["durable_trigger.schedule_refused"] })).toEqual([]);
  });
});
