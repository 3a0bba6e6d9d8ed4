import { Ledger } from "./ledger";
import type { Registry } from "./registry";
import { WorkTable } from "./work";
import { ProgressHub } from "./progress";

/** What every part of the runtime shares inside one Durable Object. */
export interface Scope {
  readonly name: string;
  readonly env: unknown;
  readonly storage: DurableObjectStorage;
  readonly ledger: Ledger;
  readonly work: WorkTable;
  readonly registry: Registry;
  readonly progress: ProgressHub;
}

export function openScope(state: DurableObjectState, env: unknown, registry: Registry): Scope {
  return {
    // Objects reached through idFromName know their name; others are named by their id.
    name: state.id.name ?? state.id.toString(),
    env,
    storage: state.storage,
    ledger: new Ledger(state.storage.sql),
    work: new WorkTable(state.storage.sql),
    registry,
    progress: new ProgressHub(),
  };
}

/** Arms the alarm for the next needed drain, unless one is already armed sooner. */
export async function armAlarmNoLaterThanNeeded(scope: Scope): Promise<void> {
  const next = scope.work.nextWake();
  if (next === null) return;
  const armed = await scope.storage.getAlarm();
  if (armed === null || armed > next) await scope.storage.setAlarm(next);
}

/** After a drain: the alarm is exactly the next needed drain, or none. */
export async function rearmAlarm(scope: Scope): Promise<void> {
  const next = scope.work.nextWake();
  if (next === null) await scope.storage.deleteAlarm();
  else await scope.storage.setAlarm(next);
}
