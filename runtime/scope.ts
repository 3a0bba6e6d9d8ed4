import { Alarm } from "./alarm.ts";
import { Ledger } from "./ledger.ts";
import type { Registry } from "./registry.ts";
import { WorkTable } from "./work.ts";
import { stateFrames, Watchers } from "./watch.ts";

/** What every part of the runtime shares inside one Durable Object. */
export interface Scope {
  readonly name: string;
  readonly env: unknown;
  readonly storage: DurableObjectStorage;
  readonly alarm: Alarm;
  readonly ledger: Ledger;
  readonly work: WorkTable;
  readonly registry: Registry;
  readonly watchers: Watchers;
  /** Kinds that got work since the pump last looked (see `Pump`). */
  readonly newWork: Set<string>;
}

export function openScope(state: DurableObjectState, env: unknown, registry: Registry): Scope {
  const ledger: Ledger = new Ledger(state.storage.sql, () => watchers.ledgerAppended());
  const watchers = new Watchers(ledger);
  return {
    // Objects reached through idFromName know their name; others are named by their id.
    name: state.id.name ?? state.id.toString(),
    env,
    storage: state.storage,
    alarm: new Alarm(state.storage),
    ledger,
    work: new WorkTable(state.storage.sql),
    registry,
    watchers,
    newWork: new Set(),
  };
}

/** Tells an intent's watchers, if it has any, what its row says now. */
export function announce(scope: Scope, intentId: number): void {
  if (!scope.watchers.isWatched(intentId)) return;
  const row = scope.work.get(intentId);
  if (row !== null) scope.watchers.state(intentId, stateFrames(row));
}

/** Arms the alarm for the next needed drain, unless one is already armed sooner. */
export function armForPendingWork(scope: Scope): void {
  scope.alarm.armNoLaterThan(scope.work.nextWake());
}
