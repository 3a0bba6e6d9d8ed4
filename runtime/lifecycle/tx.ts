import type { Clock } from "../store/clock.ts";
import { enqueueIntent, type IntentHost } from "./intents.ts";
import { RUNTIME_EVENT_PREFIX } from "../definition/registry.ts";
import type { BaseTx, LedgerEvent, NewEvent } from "../contract/types.ts";

/** What a commit transaction needs: the tables its `tx` writes, and the one owner of transactions. */
export interface TxHost extends IntentHost {
  readonly sql: SqlStorage;
  readonly clock: Clock;
  readonly store: IntentHost["store"] & { transaction<T>(write: () => T): T };
}

/**
 * Runs a user's commit callback and the runtime's own writes (`alsoWrite`)
 * in one transaction. A throw, or a callback that returns a promise, rolls
 * all of it back and is answered as the error; success answers null. Work
 * the callback enqueued is armed and started once the transaction commits.
 */
export function transact<Extra extends object>(
  host: TxHost,
  extra: Extra,
  write: (tx: BaseTx & Extra) => unknown,
  alsoWrite: (now: number) => void,
): Error | null {
  const now = host.clock.now();
  let open = true;
  try {
    host.store.transaction(() => {
      const returned = write({ ...openTx(host, now, () => open), ...extra });
      if (isThenable(returned)) {
        returned.then(undefined, () => {}); // its rejection is moot: the transaction is already refused
        throw new TypeError("commit callbacks must be synchronous, but this one returned a promise");
      }
      alsoWrite(now);
    });
    return null;
  } catch (error) {
    return error instanceof Error ? error : new Error(String(error));
  } finally {
    open = false;
  }
}

function assertOpen(isOpen: () => boolean, what: string): void {
  if (!isOpen()) throw new Error(`tx.${what} called after its transaction ended`);
}

function openTx(host: TxHost, now: number, isOpen: () => boolean): BaseTx {
  return {
    now,
    sql: host.sql,
    insertEvent<E extends NewEvent>(event: E): LedgerEvent<E["payload"]> {
      assertOpen(isOpen, "insertEvent");
      if (typeof event?.kind !== "string" || event.kind === "") throw new TypeError("tx.insertEvent: kind must be a non-empty string");
      if (event.kind.startsWith(RUNTIME_EVENT_PREFIX)) {
        throw new TypeError(`tx.insertEvent: "${event.kind}" is reserved for the runtime's own facts`);
      }
      const { id, text } = host.ledger.append(event.kind, event.payload, now);
      return storedEvent(id, now, event.kind, text);
    },
    enqueue(work) {
      assertOpen(isOpen, "enqueue");
      return { id: enqueueIntent(host, work, now).id };
    },
  };
}

/**
 * The event as stored. Its payload is a copy, so that the caller's object and
 * the event never alias, parsed from the stored text when first read: most
 * commits never read it, and a megabyte payload costs milliseconds to parse.
 */
function storedEvent<P>(id: number, ts: number, kind: string, text: string): LedgerEvent<P> {
  let parsed: { readonly payload: P } | null = null;
  return {
    id,
    ts,
    kind,
    get payload() {
      parsed ??= { payload: JSON.parse(text) as P };
      return parsed.payload;
    },
  };
}

/** Whether user code answered a promise (or anything with a `then`) rather than a value. */
export function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as PromiseLike<unknown> | null)?.then === "function";
}
