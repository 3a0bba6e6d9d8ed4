import { env } from "cloudflare:workers";
import * as fc from "fast-check";
import { cancelAtEveryAwait } from "durable-triggers/testing/kit";
import { expect, it } from "vitest";
import { reportFetchInvalidIntents, reportFetchIntents } from "../../generated/arbitraries";

/**
 * `report.fetch` (specs/orders.yaml), tested from its intent schema. trigger-codegen wrote this
 * test once; it is yours. `env.AGENT` is the binding of the class defineAgentDO built: rename it if yours differs.
 */
let scopes = 0;
const freshScope = () => env.AGENT.getByName("report.fetch-test-" + ++scopes);

it("report.fetch: every valid intent settles exactly once, cancelled at any await", async () => {
  await fc.assert(
    // An upstream that is down fails every attempt, each after real sleeps of the handler's own: its
    // retries are tested once in test/e2e/testing-kit.test.ts, not at every await of every run here.
    fc.asyncProperty(reportFetchIntents.filter((intent) => intent.down !== true), async (payload) => {
      await cancelAtEveryAwait(freshScope(), { triggerKind: "report.fetch", payload });
    }),
    // Each run sleeps the handler's real 550 ms once per await it cancels at: one run covers every await.
    { numRuns: 1 },
  );
});

it("report.fetch: the door refuses every invalid intent, writing nothing", async () => {
  const agent = freshScope();
  await fc.assert(
    fc.asyncProperty(reportFetchInvalidIntents, async (payload) => {
      expect((await agent.attempt("enqueueTrigger", { triggerKind: "report.fetch", payload: payload as never })).ok).toBe(false);
    }),
    { numRuns: 20 },
  );
  expect(await agent.intents()).toEqual([]);
});
