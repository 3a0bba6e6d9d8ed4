import { describe, expect, it } from "vitest";
import type { Change } from "../../runtime/store/changes.ts";
import { Ledger } from "../../runtime/store/ledger.ts";
import type { ScheduleRow } from "../../runtime/store/schedule-table.ts";
import { Store } from "../../runtime/store/store.ts";
import type { NewWork } from "../../runtime/store/work-table.ts";
import { inBareLab } from "./time-helpers";

/** Methods of `Store` that write nothing: the unit of work itself, listening, and a check of a token. */
const NOT_WRITES = new Set(["constructor", "listen", "transaction", "afterCommit", "issued"]);

/** A fixed clock, so that "due at once" is decided by the test. */
const NOW = 1_000_000;
const clock = { now: () => NOW };

interface Heard {
  readonly written: Change[];
  readonly committed: (readonly Change[])[];
}

/** A store over a fresh object's SQLite, with a listener that keeps everything it hears. */
function lab<T>(body: (store: Store, heard: Heard, add: (work?: Partial<NewWork>) => number) => T): Promise<T> {
  return inBareLab((state) => {
    const ledger = new Ledger(state.storage.sql);
    const store = new Store(state.storage, new Set(["keyed"]), clock);
    const heard: Heard = { written: [], committed: [] };
    store.listen({ written: (change) => heard.written.push(change), committed: (changes) => heard.committed.push(changes) });
    const add = (work: Partial<NewWork> = {}) => {
      const { id } = ledger.append("job.intent", {}, NOW);
      store.add({
        intentId: id,
        triggerKind: "job",
        fireAt: NOW,
        idempotencyKey: null,
        intentVersion: 1,
        startDeadline: null,
        cancelOnKeys: [],
        payload: "{}",
        ...work,
      });
      return id;
    };
    return body(store, heard, add);
  });
}

describe("store: every write records a change", () => {
  it("each write method records one typed change, heard as written and, outside a transaction, committed at once", async () => {
    const { calls, writeMethods } = await lab((store, heard, add) => {
      const calls: Record<string, Change["kind"][]> = {};
      const record = (method: string, write: () => unknown) => {
        const before = heard.written.length;
        const committedBefore = heard.committed.length;
        write();
        const kinds = heard.written.slice(before).map((change) => change.kind);
        // Outside a transaction, each change is published once, at once, on its own.
        expect(
          heard.committed
            .slice(committedBefore)
            .flat()
            .map((change) => change.kind),
        ).toEqual(kinds);
        calls[method] = kinds;
      };
      let id = 0;
      record("add", () => (id = add({ cancelOnKeys: [{ eventKind: "stop", matchKey: "1" }] })));
      const later = add({ fireAt: NOW + 60_000, startDeadline: NOW + 30_000 });
      record("clearDeadlines", () => store.clearDeadlines(later));
      record("bringForward", () => store.bringForward(later, "job", NOW));
      const [claim] = store.claim([store.work.get(id)!], NOW, 10_000, null);
      record("claim", () => store.claim([store.work.get(later)!], NOW, 10_000, 60_000));
      record("release", () => store.release(claim!, NOW + 5_000, "{}", null));
      record("requestCancel", () => store.requestCancel(id, NOW, "stop"));
      record("settle", () => store.settle(id, "cancelled", NOW, null, 1));
      record("expireClaims", () => store.expireClaims());
      const schedule: ScheduleRow = {
        key: "nightly",
        triggerKind: "job",
        payload: "{}",
        cron: null,
        timezone: null,
        everyMs: 60_000,
        nextFireAt: NOW + 60_000,
        lastFiredAt: null,
        origin: "api",
        intentVersion: 1,
      };
      record("putSchedule", () => store.putSchedule(schedule));
      record("scheduleFired", () => store.scheduleFired("nightly", NOW + 60_000, NOW + 120_000));
      record("removeSchedule", () => store.removeSchedule("nightly"));
      const writeMethods = Object.getOwnPropertyNames(Store.prototype).filter((name) => !NOT_WRITES.has(name));
      return { calls, writeMethods };
    });
    // A write method added to the store without a change (or without a line here) fails this test.
    expect(Object.keys(calls).sort()).toEqual([...writeMethods].sort());
    expect(calls).toEqual({
      add: ["added"],
      clearDeadlines: ["deadlinesCleared"],
      bringForward: ["broughtForward"],
      claim: ["claimed"],
      release: ["released"],
      requestCancel: ["cancelRequested"],
      settle: ["settled"],
      expireClaims: ["claimsExpired"],
      putSchedule: ["scheduled"],
      scheduleFired: ["scheduled"],
      removeSchedule: ["unscheduled"],
    });
  });

  it("says what the drain and the waker need: the fresh row, deadlines and fire times", async () => {
    const changes = await lab((_, heard, add) => {
      add();
      add({ fireAt: NOW + 1_000 });
      add({ startDeadline: NOW + 500 });
      return heard.written;
    });
    const [now, later, deadline] = changes as Extract<Change, { kind: "added" }>[];
    expect(now).toMatchObject({ fresh: true, due: { triggerKind: "job", fireAt: NOW, attempts: 0, claim: null, intentPayload: "{}" } });
    expect(later).toMatchObject({ fireAt: NOW + 1_000, fresh: false });
    // A row with a deadline is never handed out from memory: time alone changes it.
    expect(deadline).toMatchObject({ deadlines: [NOW + 500], fresh: false, due: { startDeadline: NOW + 500 } });
  });

  it("publishes a transaction's changes once, in order, when the outermost commits; a rolled-back one's never", async () => {
    const result = await lab((store, heard, add) => {
      let inside: number | null = null;
      store.transaction(() => {
        const id = add();
        store.transaction(() => store.requestCancel(id, NOW, null));
        try {
          store.transaction(() => {
            store.settle(id, "cancelled", NOW, null, 0);
            throw new Error("rolled back");
          });
        } catch {}
        store.afterCommit(() => (inside = heard.committed.length));
        expect(heard.committed).toEqual([]);
      });
      try {
        store.transaction(() => {
          add();
          throw new Error("rolled back");
        });
      } catch {}
      return {
        written: heard.written.map((change) => change.kind),
        committed: heard.committed.map((changes) => changes.map((change) => change.kind)),
        inside,
      };
    });
    // Heard as written, the rolled-back ones too: a cache forgets what a write may have changed at once.
    expect(result.written).toEqual(["added", "cancelRequested", "settled", "added"]);
    expect(result.committed).toEqual([["added", "cancelRequested"]]);
    // `afterCommit` effects run before the listeners hear the commit.
    expect(result.inside).toBe(0);
  });
});
