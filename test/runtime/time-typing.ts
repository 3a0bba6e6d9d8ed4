/**
 * Compile-time tests for schedules, checked by `npm test`'s typecheck: every
 * `@ts-expect-error` below must be needed, or tsc fails the run.
 */
import type { TimeAgent } from "./time-helpers";

export async function scheduleIsTypedFromTheRegisteredTriggers(agent: TimeAgent) {
  await agent.scheduleTrigger({ key: "k", triggerKind: "time.tick", payload: { id: "x" }, everyMs: 60_000 });
  await agent.scheduleTrigger({ key: "k", triggerKind: "time.tick", payload: { id: "x" }, cron: "0 3 * * *", timezone: "Europe/Paris" });
  const summary = await agent.scheduleTrigger({ key: "k", triggerKind: "time.start", payload: { id: "x", gate: "g" }, cron: "0 3 * * *" });
  const next: number = summary.nextFireAt;
  const origin: "spec" | "api" = summary.origin;
  const removed: boolean = (await agent.unscheduleTrigger("k")).removed;
  void [next, origin, removed];
  // @ts-expect-error an unregistered kind does not compile
  await agent.scheduleTrigger({ key: "k", triggerKind: "time.unknown", payload: { id: "x" }, everyMs: 60_000 });
  // @ts-expect-error a payload of the wrong shape does not compile
  await agent.scheduleTrigger({ key: "k", triggerKind: "time.tick", payload: { id: 1 }, everyMs: 60_000 });
  // @ts-expect-error cron and everyMs together do not compile
  await agent.scheduleTrigger({ key: "k", triggerKind: "time.tick", payload: { id: "x" }, everyMs: 60_000, cron: "* * * * *" });
  // @ts-expect-error a time zone goes with cron only
  await agent.scheduleTrigger({ key: "k", triggerKind: "time.tick", payload: { id: "x" }, everyMs: 60_000, timezone: "UTC" });
  // @ts-expect-error a schedule needs a timing
  await agent.scheduleTrigger({ key: "k", triggerKind: "time.tick", payload: { id: "x" } });
  // @ts-expect-error a schedule needs a key
  await agent.scheduleTrigger({ triggerKind: "time.tick", payload: { id: "x" }, everyMs: 60_000 });
}
