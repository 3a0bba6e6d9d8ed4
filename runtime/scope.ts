import { Ledger } from "./ledger";
import type { Registry } from "./registry";
import { WorkTable } from "./work";
import { stateFrames, Watchers } from "./watch";

/** What every part of the runtime shares inside one Durable Object. */
export interface Scope {
  readonly name: string;
  readonly env: unknown;
  readonly storage: DurableObjectStorage;
  readonly ledger: Ledger;
  readonly work: WorkTable;
  readonly registry: Registry;
  readonly watchers: Watchers;
}

export function openScope(state: DurableObjectState, env: unknown, registry: Registry): Scope {
  const ledger: Ledger = new Ledger(state.storage.sql, () => watchers.ledgerAppended());
  const watchers = new Watchers(ledger);
  return {
    // Objects reached through idFromName know their name; others are named by their id.
    name: state.id.name ?? state.id.toString(),
    env,
    storage: state.storage,
    ledger,
    work: new WorkTable(state.storage.sql),
    registry,
    watchers,
  };
}

/** Tells an intent's watchers, if it has any, what its row says now. */
export function announce(scope: Scope, intentId: number): void {
  if (!scope.watchers.isWatched(intentId)) return;
  const row = scope.work.get(intentId);
  if (row !== null) scope.watchers.state(intentId, stateFrames(row));
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
