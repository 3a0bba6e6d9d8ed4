import { env } from "cloudflare:workers";
import * as fc from "fast-check";
import { cancelAtEveryAwait } from "durable-triggers/testing/kit";
import { expect, it } from "vitest";
import { orderPlacedInvalidIntents, orderPlacedIntents } from "../../generated/arbitraries";

/**
 * `order.placed` (specs/orders.yaml), tested from its intent schema. trigger-codegen wrote this
 * test once; it is yours. `env.AGENT` is the binding of the class defineAgentDO built: rename it if yours differs.
 */
let scopes = 0;
const freshScope = () => env.AGENT.getByName("order.placed-test-" + ++scopes);

it("order.placed: every valid intent settles exactly once, cancelled at any await", async () => {
  await fc.assert(
    fc.asyncProperty(orderPlacedIntents, async (payload) => {
      await cancelAtEveryAwait(freshScope(), { triggerKind: "order.placed", payload });
    }),
    { numRuns: 3 },
  );
});

it("order.placed: the door refuses every invalid intent, writing nothing", async () => {
  const agent = freshScope();
  await fc.assert(
    fc.asyncProperty(orderPlacedInvalidIntents, async (payload) => {
      expect((await agent.attempt("enqueueTrigger", { triggerKind: "order.placed", payload: payload as never })).ok).toBe(false);
    }),
    { numRuns: 20 },
  );
  expect(await agent.intents()).toEqual([]);
});
