import { transact, type TxHost } from "./tx.ts";
import type { BaseTx } from "../contract/types.ts";

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
