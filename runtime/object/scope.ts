import { CancelOnRules } from "../definition/cancel-on.ts";
import { EventKeys, type EventRegistry } from "../lifecycle/declared-events.ts";
import { ObjectClock } from "../store/clock.ts";
import { Ledger, type AppendedFact } from "../store/ledger.ts";
import type { Registry } from "../definition/registry.ts";
import { DrainMemory } from "../drain/memory.ts";
import { Waker } from "../drain/waker.ts";
import { Store } from "../store/store.ts";
import { rowChangesTo, Watchers } from "../live/watch.ts";

/**
 * What one Durable Object's runtime is made of, wired once. Each module takes
 * only the host interface it declares (`DrainHost`, `CancelHost`,
 * `StreamHost`, …), which this object meets where it is passed: the scope
 * imports no module it serves. `store` is the unit of
 * work and the only writer of work; the drain's memory, the waker (alarm and
 * timer) and the watchers each listen to its changes.
 */
export interface Scope {
  readonly name: string;
  readonly env: unknown;
  readonly sql: SqlStorage;
  readonly registry: Registry;
  readonly ledger: Ledger;
  readonly store: Store;
  readonly memory: DrainMemory;
  readonly waker: Waker;
  /** The object's time, the one the runtime reads (see `clock.ts`); the store's clock. */
  readonly clock: ObjectClock;
  readonly watchers: Watchers;
  readonly events: EventRegistry;
  readonly eventKeys: EventKeys;
  readonly cancelOnRules: CancelOnRules;
}

/**
 * `appended` hears every appended fact, inside its own transaction: the
 * object passes it through the cancel-on-event rules and installs its spec
 * defaults with the first.
 */
export function openScope(
  state: DurableObjectState,
  env: unknown,
  registry: Registry,
  events: EventRegistry = new Map(),
  appended: (fact: AppendedFact) => void = () => {},
): Scope {
  // Every appended fact wakes the ledger's tails.
  const ledger: Ledger = new Ledger(state.storage.sql, (fact) => {
    appended(fact);
    watchers.ledgerAppended();
  });
  const watchers = new Watchers(ledger);
  const cancelOnRules = new CancelOnRules(registry);
  const clock = new ObjectClock();
  const store = new Store(state.storage, cancelOnRules.triggerKinds, clock);
  // Listeners hear a commit in this order: the drain's memory first, so that a drain the waker starts finds it current.
  const memory = new DrainMemory(store);
  const waker = new Waker(state.storage, store, memory);
  store.listen(rowChangesTo(watchers, store.work));
  const scope: Scope = {
    // Objects reached through idFromName know their name; others are named by their id.
    name: state.id.name ?? state.id.toString(),
    env,
    sql: state.storage.sql,
    registry,
    ledger,
    store,
    memory,
    waker,
    clock,
    watchers,
    events,
    eventKeys: new EventKeys(state.storage.sql),
    cancelOnRules,
  };
  return scope;
}
