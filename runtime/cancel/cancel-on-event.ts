import { cancelRow, type CancelHost } from "./cancel.ts";
import type { CancelOnRules } from "../definition/cancel-on.ts";
import type { AppendedFact } from "../store/ledger.ts";

/** What cancelling on a fact needs: the rules, the stored keys, and cancelling itself. */
export interface CancelOnHost extends CancelHost {
  readonly cancelOnRules: CancelOnRules;
  readonly store: CancelHost["store"] & {
    readonly cancelOn: { matching(eventKind: string, matchKey: string): number[] };
    afterCommit(effect: () => void): void;
  };
}

/** The longest fact kind a reason carries whole; a rule's kind is bounded at registration, so this only guards. */
const MAX_REASON_KIND = 256;

/**
 * Runs inside the transaction that appends `fact` (the ledger's hook): every
 * unsettled intent its payload matches gets a cancel request through the one
 * cancel path, `cancelRow`, with the reason `event:<kind>#<id>`. Pending
 * work settles `cancelled` here, its `commitCancelled` in a savepoint of this
 * transaction; a running acquire's signal is aborted only once the
 * transaction commits, so a fact that rolls back cancels nothing. Work that
 * already has a request keeps it (the first reason stands, as with
 * `cancelTrigger`): that also stops a `commitCancelled` that writes a
 * matching fact from cancelling its own intent again.
 */
export function cancelOnFact(host: CancelOnHost, abort: (intentId: number, reason: string | null) => void, fact: AppendedFact): void {
  const keys = host.cancelOnRules.keysOf(fact.kind, () => JSON.parse(fact.text));
  if (keys.length === 0) return;
  const reason = `event:${fact.kind.slice(0, MAX_REASON_KIND)}#${fact.id}`;
  const drain = { abort: (intentId: number, why: string | null) => host.store.afterCommit(() => abort(intentId, why)) };
  const now = host.clock.now();
  for (const { triggerKind, matchKey } of keys) {
    // Keys are stored only for registered, cooperative triggers (see `CancelOnRules`).
    const registered = host.registry.get(triggerKind);
    if (registered === undefined) continue;
    for (const intentEventId of host.store.cancelOn.matching(fact.kind, matchKey)) {
      const row = host.store.work.get(intentEventId);
      if (row === null || row.settled !== null || row.cancel !== null) continue;
      cancelRow(host, drain, registered, row, reason, now);
    }
  }
}
