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

/** A fact the runtime writes itself, in its reserved `durable_trigger.*` kinds. */
export interface RuntimeFact {
  readonly kind: string;
  readonly payload: unknown;
}

/**
 * The one path for a commit the runtime must back with its own fact (a
 * trigger's `commitFailed`, a stream's `commitTerminal`): the user's callback,
 * if there is one, in one transaction with `alsoWrite`; if it is refused, or
 * there is none, the runtime's fact with `alsoWrite` in a transaction of its
 * own, so that the ledger still explains the outcome. Answers the user's
 * refusal, or null when the user's commit stood. Throws only when the fact
 * itself cannot be written, which only storage failing can cause.
 */
export function commitOrFact<Extra extends object>(
  host: TxHost,
  extra: Extra,
  user: ((tx: BaseTx & Extra) => unknown) | undefined,
  fact: (refused: Error | null) => RuntimeFact,
  alsoWrite: (now: number) => void = () => {},
): Error | null {
  const refused = user ? transact(host, extra, user, alsoWrite) : null;
  if (user && refused === null) return null;
  const { kind, payload } = fact(refused);
  const storageError = transact(host, extra, (tx) => writeRuntimeFact(host, tx.now, { kind, payload }), alsoWrite);
  if (storageError) throw storageError;
  return refused;
}

/** The runtime's facts bypass `tx.insertEvent`, which refuses the reserved kinds to user code. */
export function writeRuntimeFact(host: Pick<TxHost, "ledger">, now: number, { kind, payload }: RuntimeFact): void {
  host.ledger.append(kind, payload, now);
}
