import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { defineAgentDO, RegistrationError, type DurableTrigger } from "../../runtime";
import { freshAgent, phaseOf, release } from "./helpers";
import { triggers } from "./worker";

describe("enqueueTrigger", () => {
  it("returns the first intent's id for a repeated idempotency key of the same kind, and writes nothing", async () => {
    const { agent } = freshAgent("idempotent");
    const at = Date.now() + 60_000;
    const first = await agent.enqueueTrigger({
      triggerKind: "test.script",
      payload: { id: "i-1", acquire: "return" },
      at,
      idempotencyKey: "k",
    });
    const again = await agent.enqueueTrigger({
      triggerKind: "test.script",
      payload: { id: "i-2", acquire: "return" },
      at,
      idempotencyKey: "k",
    });
    const otherKind = await agent.enqueueTrigger({
      triggerKind: "test.pool",
      payload: { id: "i-3", acquire: "return" },
      at,
      idempotencyKey: "k",
    });

    expect(again.id).toBe(first.id);
    expect(otherKind.id).not.toBe(first.id);
    const events = await agent.events();
    expect(events.map((e) => e.payload)).toEqual([
      { id: "i-1", acquire: "return" },
      { id: "i-3", acquire: "return" },
    ]);
  });

  it.each([
    ["an unknown kind", { triggerKind: "test.nope", payload: {} }, /unknown trigger kind "test.nope"; registered kinds: .*"test.script"/],
    [
      "a payload parseIntent refuses",
      { triggerKind: "test.script", payload: { id: 7, acquire: "return" } },
      /payload refused: id: expected a non-empty string/,
    ],
    [
      "a non-finite at",
      { triggerKind: "test.script", payload: { id: "x", acquire: "return" }, at: Number.NaN },
      /at must be a finite number/,
    ],
    [
      "a payload that is not JSON",
      { triggerKind: "test.script", payload: { id: "x", acquire: "return", when: new Date(0) } },
      /payload at \$\.when: a Date object is not JSON/,
    ],
    // A hole, which JSON would bring back as null.
    [
      "a hole in an array",
      { triggerKind: "test.script", payload: { id: "x", acquire: "return", list: [1, undefined, 3] } },
      /payload at \$\.list\[1\]: undefined is not JSON/,
    ],
    [
      "an empty idempotency key",
      { triggerKind: "test.script", payload: { id: "x", acquire: "return" }, idempotencyKey: "" },
      /idempotencyKey must be a non-empty string/,
    ],
    // 513 characters, 1 026 bytes of UTF-8: the limit is in bytes.
    [
      "an idempotency key over 1 024 bytes",
      { triggerKind: "test.script", payload: { id: "x", acquire: "return" }, idempotencyKey: "é".repeat(513) },
      /enqueueTrigger "test.script": idempotencyKey is 1026 bytes of UTF-8, over the 1024-byte limit/,
    ],
  ])("refuses %s with a clear error and writes nothing", async (_, request, message) => {
    const { agent } = freshAgent("refused");
    await expect(agent.enqueueTrigger(request as never)).rejects.toThrow(message);
    expect(await agent.events()).toEqual([]);
    const rows = await runInDurableObject(agent, (_, state) => state.storage.sql.exec("SELECT count(*) AS n FROM work").one());
    expect(rows.n).toBe(0);
  });
});

describe("intentState and events", () => {
  it("walks an intent through its phases and answers null for an unknown id", async () => {
    const { agent } = freshAgent("phases");
    expect(await agent.intentState(999)).toBeNull();
    const waiting = await agent.enqueueTrigger({
      triggerKind: "test.script",
      payload: { id: "ph-1", acquire: "gate" },
      at: Date.now() + 100,
    });
    expect(await agent.intentState(waiting.id)).toBe("scheduled");
    expect(await phaseOf(agent, waiting.id, "claimed")).toBe("claimed");
    await agent.cancelTrigger({ triggerKind: "test.script", intentEventId: waiting.id });
    await phaseOf(agent, waiting.id, "cancelled");

    const retried = await agent.enqueueTrigger({ triggerKind: "test.slowRetry", payload: { id: "ph-2", acquire: "throw" } });
    expect(await phaseOf(agent, retried.id, "retry_scheduled")).toBe("retry_scheduled");
    const summaries = await agent.intents();
    expect(summaries.map((s) => [s.intentEventId, s.phase, s.attempts])).toEqual([
      [retried.id, "retry_scheduled", 1],
      [waiting.id, "cancelled", 1],
    ]);
  });

  it("reads the ledger after an id, by kinds, and within a limit, in ascending id order", async () => {
    const { agent } = freshAgent("events");
    const ids: number[] = [];
    for (const id of ["e-1", "e-2", "e-3"]) {
      ids.push((await agent.enqueueTrigger({ triggerKind: "test.script", payload: { id, acquire: "return" } })).id);
    }
    for (const id of ids) await phaseOf(agent, id, "completed");
    const all = await agent.events();
    expect(all.map((e) => e.id)).toEqual([...all.map((e) => e.id)].sort((a, b) => a - b));
    expect(all).toHaveLength(6);
    expect((await agent.events({ afterId: ids[1] })).every((e) => e.id > ids[1]!)).toBe(true);
    expect((await agent.events({ kinds: ["test.script.done"] })).map((e) => (e.payload as { id: string }).id)).toEqual([
      "e-1",
      "e-2",
      "e-3",
    ]);
    expect(await agent.events({ limit: 2 })).toEqual(all.slice(0, 2));
  });

  it("keeps ledger events immutable at the SQL level", async () => {
    const { agent } = freshAgent("immutable");
    await agent.enqueueTrigger({ triggerKind: "test.script", payload: { id: "imm", acquire: "gate" } });
    await runInDurableObject(agent, (_, state) => {
      const sql = state.storage.sql;
      expect(() => sql.exec("UPDATE events SET kind = 'x'")).toThrow(/never change/);
      expect(() => sql.exec("DELETE FROM events")).toThrow(/never vanish/);
      expect(() => sql.exec("UPDATE work SET claim_token = 'orphan', claim_deadline = NULL")).toThrow(/CHECK constraint/);
    });
    await release(agent, "imm");
  });
});

describe("defineAgentDO", () => {
  const base = triggers.find((t) => t.kind === "test.script")!;

  it("refuses a bad definition, naming each trigger and field at once", () => {
    const broken = [
      base,
      { ...base }, // duplicate kind
      { ...base, kind: "b", intentEventKind: base.intentEventKind }, // duplicate intent event kind
      { ...base, kind: "c", intentEventKind: "c.requested", cancellation: undefined },
      { ...base, kind: "d", intentEventKind: "d.requested", cancellation: "sometimes" },
      { ...base, kind: "e", intentEventKind: "e.requested", commitCancelled: undefined },
      { ...base, kind: "f", intentEventKind: "f.requested", acquireDeadlineMs: 0 },
      { ...base, kind: "g", intentEventKind: "g.requested", retry: { maxAttempts: 0 } },
      { ...base, kind: "h", intentEventKind: "h.requested", concurrency: -1 },
      { ...base, kind: "i", intentEventKind: "durable_trigger.failed" },
    ] as unknown as DurableTrigger<unknown, unknown>[];

    let error: unknown;
    try {
      defineAgentDO({ triggers: broken });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(RegistrationError);
    expect((error as RegistrationError).problems).toEqual([
      'trigger "test.script": kind is registered twice',
      'trigger "b": intentEventKind "test.script.requested" is already used by trigger "test.script"',
      'trigger "c": cancellation must be "cooperative" or "ignored" (got nothing)',
      'trigger "d": cancellation must be "cooperative" or "ignored" (got "sometimes")',
      'trigger "e": commitCancelled must be a function (got nothing)',
      'trigger "f": acquireDeadlineMs must be a positive number of milliseconds (got 0)',
      'trigger "g": retry.maxAttempts must be a positive integer (got 0)',
      'trigger "h": concurrency must be a positive integer (got -1)',
      `trigger "i": intentEventKind must be outside the runtime's own "durable_trigger.*" kinds (got "durable_trigger.failed")`,
    ]);
  });
});
