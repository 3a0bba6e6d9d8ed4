/**
 * Compile-time tests, checked by `npm test`'s typecheck: every
 * `@ts-expect-error` below must be needed, or tsc fails the run.
 */
import type { TestAgent } from "./helpers";

export async function enqueueIsTypedFromTheRegisteredTriggers(agent: TestAgent) {
  await agent.enqueueTrigger({ triggerKind: "test.script", payload: { id: "ok", acquire: "return" } });
  // @ts-expect-error an unregistered kind does not compile
  await agent.enqueueTrigger({ triggerKind: "test.unknown", payload: { id: "x", acquire: "return" } });
  // @ts-expect-error a payload of the wrong shape does not compile
  await agent.enqueueTrigger({ triggerKind: "test.script", payload: { id: 1, acquire: "return" } });
  // @ts-expect-error a payload missing a required field does not compile
  await agent.enqueueTrigger({ triggerKind: "test.script", payload: { id: "x" } });
  // @ts-expect-error cancel takes registered kinds only
  await agent.cancelTrigger({ triggerKind: "test.unknown", intentEventId: 1 });
}
