import type { CancelHost } from "./cancel.ts";
import { Ledger } from "./ledger.ts";
import type { DrainHost } from "./pump.ts";
import type { Registry } from "./registry.ts";
import { Scheduler } from "./scheduler.ts";
import type { StreamHost } from "./streams.ts";
import { Watchers } from "./watch.ts";

/**
 * What one Durable Object's runtime is made of, wired once. Each module takes
 * only the host interface it declares (`DrainHost`, `CancelHost`,
 * `StreamHost`, …), which this object satisfies; `work` is the one owner of
 * work, and only its methods write the work table or the alarm.
 */
export interface Scope extends DrainHost, CancelHost, StreamHost {
  readonly name: string;
  readonly env: unknown;
  readonly sql: SqlStorage;
  readonly registry: Registry;
  readonly ledger: Ledger;
  readonly work: Scheduler;
  readonly watchers: Watchers;
}

export function openScope(state: DurableObjectState, env: unknown, registry: Registry): Scope {
  const ledger: Ledger = new Ledger(state.storage.sql, () => watchers.ledgerAppended());
  const watchers = new Watchers(ledger);
  return {
    // Objects reached through idFromName know their name; others are named by their id.
    name: state.id.name ?? state.id.toString(),
    env,
    sql: state.storage.sql,
    registry,
    ledger,
    work: new Scheduler(state.storage, watchers),
    watchers,
  };
}
