import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { AgentMethods } from "../../runtime";
import { inFlight, openGate, seenModes } from "./gates";
import { eventually, freshAgent, release } from "./helpers";

/** A small seeded generator (mulberry32), so that a failing sequence can be run again. */
function random(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const tick = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * What the drain keeps in memory (rows read ahead, the next wake, untouched
 * claims) must never change what happens, only what it costs. A kind of two
 * slots gets, from inside its object, a random mix of work due now, due in
 * the past and due a few milliseconds later, cancels of work still waiting,
 * and acquires that wait at gates opening along the way. The alarm is taken
 * away after every write, behind the runtime's back, so that its looks at
 * every kind cannot hide what the drain's memory gets wrong.
 */
describe("the drain under a random mix of writes", () => {
  for (const seed of [1, 2, 3, 4]) {
    it(`settles every intent once, never starts work cancelled while it waited, and keeps to two slots (seed ${seed})`, async () => {
      const { agent, scope } = freshAgent(`random-${seed}`);
      inFlight.max.delete("test.pool");
      const gates = [0, 1, 2, 3, 4, 5].map((g) => `random-${scope}-${g}`);
      const { named, cancelledWaiting } = await runInDurableObject(agent, async (instance, state) => {
        const object = instance as unknown as Pick<AgentMethods, "enqueueTrigger" | "cancelTrigger" | "intentState">;
        const next = random(seed);
        const pick = <T>(list: readonly T[]) => list[Math.floor(next() * list.length)]!;
        /** Each intent's payload id, by intent id. */
        const named = new Map<number, string>();
        const cancelledWaiting: number[] = [];
        for (let step = 0; step < 200; step++) {
          const roll = next();
          if (roll < 0.5 || named.size === 0) {
            const when = next();
            const at =
              when < 0.7 ? undefined : when < 0.85 ? Date.now() - Math.floor(next() * 1_000) : Date.now() + Math.floor(next() * 20);
            const gated = next() < 0.5;
            const payload = {
              id: `random-${seed}-${step}`,
              acquire: gated ? ("gate" as const) : ("return" as const),
              ...(gated ? { gate: pick(gates) } : {}),
            };
            const { id } = await object.enqueueTrigger({ triggerKind: "test.pool", payload, ...(at === undefined ? {} : { at }) });
            named.set(id, payload.id);
            void state.storage.deleteAlarm();
          } else if (roll < 0.9) {
            const waiting = [...named.keys()].filter((id) => object.intentState(id) === "scheduled");
            if (waiting.length > 0) {
              // Half the time the longest waiting: the head of the due order, what a look reads ahead.
              const id = next() < 0.5 ? waiting[0]! : pick(waiting);
              const answer = await object.cancelTrigger({ triggerKind: "test.pool", intentEventId: id });
              expect(answer.status).toBe("cancelled");
              cancelledWaiting.push(id);
            }
          } else {
            openGate(pick(gates));
          }
          if (next() < 0.4) await tick(Math.floor(next() * 3));
        }
        return { named: [...named], cancelledWaiting };
      });
      for (const gate of gates) await release(agent, gate);

      const ids = named.map(([id]) => id);
      const phases = await eventually(
        () => Promise.all(ids.map((id) => agent.intentState(id))),
        (all) => all.every((phase) => phase === "completed" || phase === "cancelled"),
        "every intent to settle",
      );
      const facts = await agent.events({ kinds: ["test.pool.done", "test.pool.cancelled"], limit: 1_000 });
      const factOf = new Map(facts.map((event) => [(event.payload as { id: string }).id, event.kind]));
      // One terminal fact per intent, and each intent's phase is the one its fact says.
      expect(facts).toHaveLength(ids.length);
      expect(named.map(([, name], i) => [name, phases[i]])).toEqual(
        named.map(([, name]) => [name, factOf.get(name) === "test.pool.done" ? "completed" : "cancelled"]),
      );
      // Work cancelled while it waited never ran: not after its cancel answered, nor from a row read before it.
      expect(cancelledWaiting.length).toBeGreaterThan(0);
      const nameOf = new Map(named);
      for (const id of cancelledWaiting) expect(seenModes.has(nameOf.get(id)!), nameOf.get(id)).toBe(false);
      expect(inFlight.max.get("test.pool")).toBeLessThanOrEqual(2);
    });
  }
});
