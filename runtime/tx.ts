import { enqueueIntent } from "./intents.ts";
import { RUNTIME_EVENT_PREFIX } from "./registry.ts";
import type { Scope } from "./scope.ts";
import type { BaseTx, LedgerEvent, NewEvent } from "./types.ts";

/**
 * Runs a user's commit callback and the runtime's own writes (`alsoWrite`)
 * in one `transactionSync`. A throw, or a callback that returns a promise,
 * rolls all of it back and is answered as the error; success answers null.
 */
export function transact<Extra extends object>(
  scope: Scope,
  extra: Extra,
  write: (tx: BaseTx & Extra) => unknown,
  alsoWrite: (now: number) => void,
): Error | null {
  const now = Date.now();
  let open = true;
  try {
    scope.storage.transactionSync(() => {
      const returned = write({ ...openTx(scope, now, () => open), ...extra });
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

function openTx(scope: Scope, now: number, isOpen: () => boolean): BaseTx {
  const assertOpen = (what: string) => {
    if (!isOpen()) throw new Error(`tx.${what} called after its transaction ended`);
  };
  return {
    now,
    sql: scope.storage.sql,
    insertEvent<E extends NewEvent>(event: E): LedgerEvent<E["payload"]> {
      assertOpen("insertEvent");
      if (typeof event?.kind !== "string" || event.kind === "") throw new TypeError("tx.insertEvent: kind must be a non-empty string");
      if (event.kind.startsWith(RUNTIME_EVENT_PREFIX)) {
        throw new TypeError(`tx.insertEvent: "${event.kind}" is reserved for the runtime's own facts`);
      }
      const { id, text } = scope.ledger.append(event.kind, event.payload, now);
      // A copy as stored, so that the caller's object and the event never alias.
      return { id, ts: now, kind: event.kind, payload: JSON.parse(text) as E["payload"] };
    },
    enqueue(work) {
      assertOpen("enqueue");
      return { id: enqueueIntent(scope, work, now).id };
    },
  };
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as PromiseLike<unknown> | null)?.then === "function";
}
