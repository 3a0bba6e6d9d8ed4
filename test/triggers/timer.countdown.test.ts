import { env } from "cloudflare:workers";
import * as fc from "fast-check";
import { cancelAtEveryAwait } from "durable-triggers/testing/kit";
import { expect, it } from "vitest";
import { timerCountdownInvalidIntents, timerCountdownIntents } from "../../generated/arbitraries";

/**
 * `timer.countdown` (specs/timer.yaml), tested from its intent schema. trigger-codegen wrote this
 * test once; it is yours. `env.AGENT` is the binding of the class defineAgentDO built: rename it if yours differs.
 */
let scopes = 0;
const freshScope = () => env.AGENT.getByName("timer.countdown-test-" + ++scopes);

it("timer.countdown: every valid intent settles exactly once, cancelled at any await", async () => {
  await fc.assert(
    // A countdown waits a real second per step: this project keeps it to one or two.
    fc.asyncProperty(timerCountdownIntents.map((intent) => ({ ...intent, seconds: 1 + (intent.seconds % 2) })), async (payload) => {
      await cancelAtEveryAwait(freshScope(), { triggerKind: "timer.countdown", payload });
    }),
    { numRuns: 3 },
  );
});

it("timer.countdown: the door refuses every invalid intent, writing nothing", async () => {
  const agent = freshScope();
  await fc.assert(
    fc.asyncProperty(timerCountdownInvalidIntents, async (payload) => {
      expect((await agent.attempt("enqueueTrigger", { triggerKind: "timer.countdown", payload: payload as never })).ok).toBe(false);
    }),
    { numRuns: 20 },
  );
  expect(await agent.intents()).toEqual([]);
});
