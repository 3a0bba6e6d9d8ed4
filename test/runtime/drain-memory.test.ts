import { describe, expect, it } from "vitest";
import { DrainMemory, type MemoryStore } from "../../runtime/drain/memory.ts";
import type { Change, ChangeListener } from "../../runtime/store/changes.ts";
import { newDueRow, type DueRow } from "../../runtime/store/work-table.ts";

/**
 * The drain's memory, driven by sequences of changes alone: a fake store
 * counts each question asked of storage, so each test says when memory
 * answers and when it must ask.
 */
function memoryWith(stored: { due?: DueRow[]; nextWake?: number | null } = {}) {
  let now = 1_000;
  let listener: ChangeListener = {};
  const asked = { due: 0, nextWake: 0, owned: 0 };
  const store: MemoryStore = {
    clock: { now: () => now },
    work: {
      due(kind, at, limit) {
        asked.due++;
        const rows = (stored.due ?? []).filter((row) => row.triggerKind === kind && row.fireAt <= at).slice(0, limit);
        return { rows, more: rows.length === limit };
      },
      earliestClaimDeadline: () => null,
      nextWake() {
        asked.nextWake++;
        return stored.nextWake ?? null;
      },
      owned() {
        asked.owned++;
        return null;
      },
    },
    schedules: { nextFireAt: () => null },
    listen: (heard) => void (listener = heard),
  };
  const memory = new DrainMemory(store);
  /** A change that commits: heard as written, then committed. */
  const commit = (...changes: Change[]) => {
    for (const change of changes) listener.written?.(change);
    listener.committed?.(changes);
  };
  /** A change written in a transaction that rolls back. */
  const rollBack = (change: Change) => listener.written?.(change);
  return { memory, asked, commit, rollBack, stored, setNow: (at: number) => void (now = at) };
}

/** A new row, as the store builds it for a look at due work. */
function row(intentId: number, fireAt = 1_000, triggerKind = "job"): DueRow {
  return newDueRow({
    intentId,
    triggerKind,
    fireAt,
    idempotencyKey: null,
    intentVersion: 1,
    startDeadline: null,
    cancelOnKeys: [],
    payload: "{}",
  });
}

const added = (intentId: number, fresh = true, fireAt = 1_000): Change => ({
  kind: "added",
  row: intentId,
  triggerKind: "job",
  fireAt,
  deadlines: [null],
  due: row(intentId, fireAt),
  fresh,
});

describe("drain memory: what is due without asking (calm)", () => {
  it("hands fresh rows out from memory after a drain that found nothing, and keeps calm through their settlement", () => {
    const { memory, asked, commit } = memoryWith();
    expect(memory.drainEnded(1_000)).toBeNull();
    expect(asked.nextWake).toBe(1);
    commit(added(1), added(2));
    expect(memory.takeNewKinds()).toEqual(["job"]);
    expect(memory.due("job", 1_000, 10).rows.map((due) => due.intentId)).toEqual([1, 2]);
    commit({ kind: "settled", row: 1 }, { kind: "settled", row: 2 });
    // Every row handed out settled, nothing else written: the next alarm is known without asking.
    expect(memory.drainEnded(1_000)).toBeNull();
    expect(asked).toMatchObject({ due: 0, nextWake: 1 });
  });

  it("forgets calm at a change it cannot account for, and asks storage again", () => {
    const { memory, asked, commit } = memoryWith();
    memory.drainEnded(1_000);
    commit({ kind: "released", row: 7, triggerKind: "job", fireAt: 2_000, deadlines: [null] });
    memory.due("job", 1_000, 10);
    expect(asked.due).toBe(1);
  });

  it("never hands out a fresh row whose transaction rolled back", () => {
    const { memory, asked, rollBack } = memoryWith();
    memory.drainEnded(1_000);
    rollBack(added(1));
    expect(memory.due("job", 1_000, 10).rows).toEqual([]);
    expect(memory.takeNewKinds()).toEqual([]);
    expect(asked.due).toBe(0);
  });

  it("forgets calm when a row it did not hand out settles, or when a look comes at or after its end", () => {
    const first = memoryWith({ nextWake: 5_000 });
    first.memory.drainEnded(1_000);
    first.commit({ kind: "settled", row: 99 });
    first.memory.due("job", 1_000, 10);
    expect(first.asked.due).toBe(1);
    const second = memoryWith({ nextWake: 5_000 });
    second.memory.drainEnded(1_000);
    second.memory.due("job", 5_000, 10);
    expect(second.asked.due).toBe(1);
  });

  it("a look at every kind (distrust) or claims of a gone instance forget it", () => {
    const { memory, asked, commit } = memoryWith();
    memory.drainEnded(1_000);
    commit({ kind: "claimsExpired" });
    memory.due("job", 1_000, 10);
    expect(asked.due).toBe(1);
  });
});

describe("drain memory: rows read ahead", () => {
  const backlog = Array.from({ length: 10 }, (_, i) => row(i + 1, 1_000 + i));

  it("reads a batch once and hands out the rest from memory", () => {
    const { memory, asked } = memoryWith({ due: backlog });
    expect(memory.due("job", 2_000, 1).rows.map((due) => due.intentId)).toEqual([1]);
    expect(memory.due("job", 2_000, 2).rows.map((due) => due.intentId)).toEqual([2, 3]);
    expect(asked.due).toBe(1);
  });

  it("drops them when a change writes one of their rows, or puts a row before them", () => {
    const written = memoryWith({ due: backlog });
    written.memory.due("job", 2_000, 1);
    written.commit({ kind: "cancelRequested", row: 5 });
    written.memory.due("job", 2_000, 1);
    expect(written.asked.due).toBe(2);

    const before = memoryWith({ due: backlog });
    before.memory.due("job", 2_000, 1);
    before.commit({ kind: "broughtForward", row: 50, triggerKind: "job", fireAt: 500 });
    before.memory.due("job", 2_000, 1);
    expect(before.asked.due).toBe(2);
  });

  it("places a new row due now by the due order: kept when it comes after the last of them, dropped when before", () => {
    /** How many reads of due rows a look after a read, a new row due at `fireAt` and another look cost. */
    const readsWithNewRowAt = (fireAt: number) => {
      const { memory, asked, commit, setNow } = memoryWith({ due: backlog });
      setNow(2_000);
      memory.due("job", 2_000, 1);
      commit(added(50, true, fireAt));
      memory.due("job", 2_000, 1);
      return asked.due;
    };
    expect(readsWithNewRowAt(1_000 + 9)).toBe(1);
    expect(readsWithNewRowAt(1_000 + 3)).toBe(2);
  });

  it("keeps them when new work comes after the last of them, until a deadline that change brought", () => {
    const { memory, asked, commit } = memoryWith({ due: backlog });
    memory.due("job", 2_000, 1);
    commit(added(50, false, 3_000));
    memory.due("job", 2_000, 1);
    expect(asked.due).toBe(1);
    commit({ kind: "claimed", row: 60, token: "t", deadlines: [2_500, null] });
    memory.due("job", 2_500, 1);
    expect(asked.due).toBe(2);
  });
});

describe("drain memory: claims, the next wake, rows written meanwhile", () => {
  it("answers a claim's ownership from memory until a change writes its row", () => {
    const { memory, asked, commit } = memoryWith();
    const claim = { intentId: 1, token: "t:1", cancel: null };
    commit({ kind: "claimed", row: 1, token: "t:1", deadlines: [5_000, null] });
    expect(memory.owned(claim)).toBe(claim);
    expect(asked.owned).toBe(0);
    commit({ kind: "cancelRequested", row: 1 });
    memory.owned(claim);
    expect(asked.owned).toBe(1);
  });

  it("does not trust a claim written in the same commit as a later change to its row", () => {
    const { memory, asked, commit } = memoryWith();
    commit({ kind: "claimed", row: 1, token: "t:1", deadlines: [5_000, null] }, { kind: "settled", row: 1 });
    memory.owned({ intentId: 1, token: "t:1", cancel: null });
    expect(asked.owned).toBe(1);
  });

  it("folds later times into the next wake it knows instead of asking again", () => {
    const { memory, asked, commit } = memoryWith({ nextWake: 9_000 });
    expect(memory.nextWakeAfter(1_000)).toBe(9_000);
    commit(added(1, false, 4_000));
    commit({ kind: "scheduled", fireAt: 6_000 });
    expect(memory.nextWakeAfter(1_000)).toBe(4_000);
    expect(asked.nextWake).toBe(1);
    memory.distrust();
    expect(memory.nextWakeAfter(1_000)).toBe(9_000);
    expect(asked.nextWake).toBe(2);
  });

  it("tracks every row written while the drain reads, committed or not", () => {
    const { memory, commit, rollBack } = memoryWith();
    const written = memory.trackingWrites((rows) => {
      commit({ kind: "settled", row: 1 });
      rollBack({ kind: "cancelRequested", row: 2 });
      commit({ kind: "scheduled", fireAt: 3_000 });
      return [...rows];
    });
    expect(written).toEqual([1, 2]);
  });
});
