import { runInDurableObject } from "cloudflare:test";
import fc from "fast-check";
import { describe, expect, inject, it } from "vitest";
import type { CancelResult, IntentPhase } from "../../runtime";
import { eventually, freshAgent, release, sleep, type TestAgent } from "../runtime/helpers";
import type { ScriptIntent } from "../runtime/worker";

/**
 * Random interleavings of enqueue, cancel, gate releases and waits against
 * one scope, with acquires that return, throw, ignore the abort or outlive
 * their claim, at once or after an await, and commits that throw. After each run, once every drain has
 * passed every deadline, the contract's invariants must hold.
 */
type Kind = "test.script" | "test.short";
type Op =
  | {
      op: "enqueue";
      kind: Kind;
      acquire: ScriptIntent["acquire"];
      sync: boolean;
      commit: "ok" | "throwAfterSideWrite";
      failAttempts: number;
      delayMs: number;
    }
  | { op: "cancel"; target: number; reason: string | null }
  | { op: "release"; target: number }
  | { op: "wait"; ms: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      op: fc.constant("enqueue" as const),
      kind: fc.constantFrom<Kind>("test.script", "test.script", "test.short"),
      acquire: fc.constantFrom<ScriptIntent["acquire"]>("return", "throw", "gate", "ignoreAbort", "throwCancellation"),
      // An acquire that answers at once is settled without an await; the others, when they end.
      sync: fc.boolean(),
      commit: fc.constantFrom<"ok" | "throwAfterSideWrite">("ok", "ok", "ok", "throwAfterSideWrite"),
      failAttempts: fc.integer({ min: 0, max: 2 }),
      delayMs: fc.constantFrom(0, 0, 30),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      op: fc.constant("cancel" as const),
      target: fc.nat(20),
      reason: fc.option(fc.string({ maxLength: 8 }), { nil: null }),
    }),
  },
  { weight: 2, arbitrary: fc.record({ op: fc.constant("release" as const), target: fc.nat(20) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant("wait" as const), ms: fc.integer({ min: 0, max: 60 }) }) },
);

interface Intent {
  id: number;
  name: string;
  kind: Kind;
  commit: "ok" | "throwAfterSideWrite";
  answers: CancelResult[];
}

const SETTLED: readonly IntentPhase[] = ["completed", "completed_after_cancel_requested", "cancelled", "failed", "rejected"];
let runs = 0;

async function play(ops: Op[]) {
  const { agent } = freshAgent(`prop-${++runs}`);
  const intents: Intent[] = [];
  for (const step of ops) {
    if (step.op === "enqueue") {
      const name = `p${runs}-${intents.length}`;
      const payload: ScriptIntent = {
        id: name,
        acquire: step.acquire,
        sync: step.sync,
        commit: step.commit,
        failAttempts: step.failAttempts,
      };
      const { id } = await agent.enqueueTrigger({ triggerKind: step.kind, payload, at: Date.now() + step.delayMs });
      intents.push({ id, name, kind: step.kind, commit: step.commit, answers: [] });
    } else if (step.op === "cancel" && intents.length > 0) {
      const target = intents[step.target % intents.length]!;
      const request = { triggerKind: target.kind, intentEventId: target.id, ...(step.reason === null ? {} : { reason: step.reason }) };
      target.answers.push(await agent.cancelTrigger(request));
    } else if (step.op === "release" && intents.length > 0) {
      await release(agent, intents[step.target % intents.length]!.name);
    } else if (step.op === "wait") {
      await sleep(step.ms);
    }
  }
  for (const intent of intents) await release(agent, intent.name);
  await eventually(
    () => Promise.all(intents.map((i) => agent.intentState(i.id))),
    (phases) => phases.every((p) => p !== null && SETTLED.includes(p)),
    "every intent to settle",
    15_000,
  );
  await checkInvariants(agent, intents);
}

async function checkInvariants(agent: TestAgent, intents: Intent[]) {
  const rows = await runInDurableObject(agent, (_, state) => ({
    work: state.storage.sql
      .exec<{ intent_id: number; settled: string | null; cancel_requested_at: number | null }>(
        "SELECT intent_id, settled, cancel_requested_at FROM work",
      )
      .toArray(),
    sideEffects: state.storage.sql.exec("SELECT name FROM sqlite_master WHERE name = 'side_effects'").toArray().length,
  }));
  const events = await agent.events();
  // Nothing half-written: the only commit that touches a side table always throws, so it must not exist.
  expect(rows.sideEffects).toBe(0);
  expect(rows.work).toHaveLength(intents.length);

  for (const intent of intents) {
    const row = rows.work.find((r) => r.intent_id === intent.id)!;
    const mine = (kind: string) =>
      events.filter((e) => {
        const p = e.payload as { id?: string; intentEventId?: number };
        return e.kind === kind && (p.id === intent.name || p.intentEventId === intent.id);
      });
    const facts = {
      completed: mine(`${intent.kind}.done`),
      cancelled: mine(`${intent.kind}.cancelled`),
      failed: mine("durable_trigger.failed"),
      rejected: mine("durable_trigger.rejected"),
    };
    // Exactly one settlement per intent, and it is the fact its row says.
    expect(Object.values(facts).flat(), `facts of ${intent.name}`).toHaveLength(1);
    expect(facts[row.settled as keyof typeof facts], `${intent.name} settled ${row.settled}`).toHaveLength(1);
    if (intent.commit === "throwAfterSideWrite") expect(row.settled).not.toBe("completed");

    // Each cancel answer fits what became of the intent.
    for (const answer of intent.answers) {
      if (answer.status === "cancelled") expect(row.settled).toBe("cancelled");
      if (answer.status === "requested") {
        expect(row.cancel_requested_at).not.toBeNull();
        expect(["cancelled", "completed", "failed"]).toContain(row.settled);
      }
      if (answer.status === "already_completed") expect(answer.settled).toBe(row.settled);
      expect(answer.status).not.toBe("not_found");
      expect(answer.status).not.toBe("ignored");
    }
    // After the first terminal answer, every later one says already_completed.
    const terminal = intent.answers.findIndex((a) => a.status !== "requested");
    if (terminal !== -1) expect(intent.answers.slice(terminal + 1).every((a) => a.status === "already_completed")).toBe(true);
  }
}

describe("random interleavings", () => {
  // `npm run soak` raises this; `npm test` keeps it small and bounded.
  const numRuns = inject("soakRuns") || 12;

  it(
    `keep every invariant over ${numRuns} random sequences`,
    async () => {
      await fc.assert(fc.asyncProperty(fc.array(opArb, { minLength: 1, maxLength: 14 }), play), { numRuns, endOnFailure: true });
    },
    60_000 + numRuns * 8_000,
  );
});

declare module "vitest" {
  export interface ProvidedContext {
    soakRuns: number;
  }
}
