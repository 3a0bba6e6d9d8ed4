import { env } from "cloudflare:workers";
import * as fc from "fast-check";
import { cancelAtEveryAwait } from "durable-triggers/testing/kit";
import { expect, it } from "vitest";
import { tutorialCancelableInvalidIntents, tutorialCancelableIntents } from "../../generated/arbitraries";

/**
 * `tutorial.cancelable` (specs/tutorial.yaml), tested from its intent schema. trigger-codegen wrote this
 * test once; it is yours. `env.AGENT` is the binding of the class defineAgentDO built: rename it if yours differs.
 */
let scopes = 0;
const freshScope = () => env.AGENT.getByName("tutorial.cancelable-test-" + ++scopes);

it("tutorial.cancelable: every valid intent settles exactly once, cancelled at any await", async () => {
  await fc.assert(
    fc.asyncProperty(tutorialCancelableIntents, async (payload) => {
      await cancelAtEveryAwait(freshScope(), { triggerKind: "tutorial.cancelable", payload });
    }),
    { numRuns: 3 },
  );
});

it("tutorial.cancelable: the door refuses every invalid intent, writing nothing", async () => {
  const agent = freshScope();
  await fc.assert(
    fc.asyncProperty(tutorialCancelableInvalidIntents, async (payload) => {
      expect((await agent.attempt("enqueueTrigger", { triggerKind: "tutorial.cancelable", payload: payload as never })).ok).toBe(false);
    }),
    { numRuns: 20 },
  );
  expect(await agent.intents()).toEqual([]);
});
