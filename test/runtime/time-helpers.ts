import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { cron } from "../../runtime/cron.ts";
import { createRegistry } from "../../runtime/definition/registry.ts";
import { openScope, type Scope } from "../../runtime/object/scope.ts";
import type { AnyTrigger } from "../../runtime";
import { openGate } from "./gates";
import type { ClockLab, TimeAgentDO } from "./time-worker";

export type TimeAgent = DurableObjectStub<InstanceType<typeof TimeAgentDO>>;
type Bindings = { TIME_AGENT: DurableObjectNamespace<InstanceType<typeof TimeAgentDO>>; CLOCK_LAB: DurableObjectNamespace<ClockLab> };

let scopes = 0;
const bindings = env as unknown as Bindings;

/** A fresh TimeAgentDO scope per call. */
export function freshTimeAgent(label: string): { agent: TimeAgent; scope: string } {
  const scope = `${label}-${Date.now()}-${++scopes}`;
  return { agent: timeAgentFor(scope), scope };
}

export function timeAgentFor(scope: string): TimeAgent {
  return bindings.TIME_AGENT.get(bindings.TIME_AGENT.idFromName(scope));
}

/** Aborts the object as a deploy or an eviction would. */
export async function crash(agent: TimeAgent): Promise<void> {
  await runInDurableObject(agent, (_, state) => state.abort("simulated crash")).catch(() => {});
}

/** Everything a refused call must leave as it was: ledger, work rows, schedules and the alarm. */
export function timeStoreOf(agent: TimeAgent) {
  return runInDurableObject(agent, async (_, state) => ({
    events: state.storage.sql.exec("SELECT * FROM events ORDER BY id").toArray(),
    work: state.storage.sql.exec("SELECT * FROM work ORDER BY intent_id").toArray(),
    schedules: state.storage.sql.exec("SELECT * FROM schedules ORDER BY key").toArray(),
    alarm: await state.storage.getAlarm(),
  }));
}

/** The idempotency keys of the work rows, in intent order: one per firing. */
export function firingKeys(agent: TimeAgent): Promise<(string | null)[]> {
  return runInDurableObject(agent, (_, state) =>
    state.storage.sql
      .exec<{ idempotency_key: string | null }>("SELECT idempotency_key FROM work ORDER BY intent_id")
      .toArray()
      .map((row) => row.idempotency_key),
  );
}

/**
 * Runs `body` with the runtime's real pieces (ledger, work, schedules) over a
 * fresh bare object's SQLite, with no drain and no clock of their own: the
 * test passes `now` to each call.
 */
export function inLab<T>(triggers: readonly AnyTrigger[], body: (scope: Scope, sql: SqlStorage) => T): Promise<T> {
  return inBareLab((state) => body(openScope(state, {}, createRegistry(triggers, cron)), state.storage.sql));
}

/** Runs `body` in a fresh bare object, before any of the runtime's tables exist. */
export function inBareLab<T>(body: (state: DurableObjectState) => T): Promise<T> {
  const lab = bindings.CLOCK_LAB.get(bindings.CLOCK_LAB.idFromName(`lab-${Date.now()}-${++scopes}`));
  return runInDurableObject(lab, (_, state) => body(state));
}

/** Opens a gate from inside the object, so the acquire waiting at it resumes in its own I/O context. */
export function release(agent: TimeAgent, gate: string): Promise<void> {
  return runInDurableObject(agent, () => openGate(gate));
}

/** Milliseconds of an ISO time, for readable fixed clocks. */
export const at = (iso: string) => Date.parse(iso);
export const iso = (ms: number) => new Date(ms).toISOString();
