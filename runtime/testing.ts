/**
 * What a Worker's own tests need, as `durable-triggers/testing`. Importable
 * from Node (a vitest config) and from workerd (a test) alike: it imports no
 * `cloudflare:` module and no Workers type, so a Node tsconfig checks it too.
 */

/** The phases no intent leaves (`IntentPhase`'s terminal ones). */
const SETTLED: ReadonlySet<string> = new Set(["completed", "completed_after_cancel_requested", "cancelled", "failed", "rejected"]);

/** A ledger event, as `settled` answers the facts of a settlement. */
export interface SettledFact {
  readonly id: number;
  readonly ts: number;
  readonly kind: string;
  readonly payload: unknown;
}

/** What `settled` needs of a stub: a class built by `defineAgentDO` has it, answering an `IntentSummary`. */
export interface IntentReader<Summary extends { readonly phase: string; readonly settledAt: number | null }> {
  intent(intentEventId: number): Summary | null | Promise<Summary | null>;
  events(query: { afterId: number }): readonly SettledFact[] | Promise<readonly SettledFact[]>;
}

export interface SettledOptions {
  /** How long to wait before failing the test; default 10 000 ms. */
  readonly timeoutMs?: number;
  /** How often to look; default 20 ms. */
  readonly intervalMs?: number;
}

/**
 * Waits until intent `intentEventId` settles and answers its summary (its
 * `phase` says how: completed, failed, cancelled, …) with `facts`, the
 * ledger events its settlement wrote (those after it stamped with its
 * `settledAt`, from the first page of 1 000). Rejects when the scope has no
 * such intent, or when it has not settled within `timeoutMs`.
 *
 *   const { id } = await stub.enqueueTrigger({ triggerKind: "mail.send", payload });
 *   expect((await settled(stub, id)).phase).toBe("completed");
 */
export async function settled<Summary extends { readonly phase: string; readonly settledAt: number | null }>(
  stub: IntentReader<Summary>,
  intentEventId: number,
  options: SettledOptions = {},
): Promise<Summary & { readonly facts: SettledFact[] }> {
  const { timeoutMs = 10_000, intervalMs = 20 } = options;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const intent = await stub.intent(intentEventId);
    if (intent === null) throw new Error(`settled: no intent ${intentEventId} in this scope`);
    if (SETTLED.has(intent.phase)) {
      const facts = (await stub.events({ afterId: intentEventId })).filter((event) => event.ts === intent.settledAt);
      return { ...intent, facts };
    }
    if (Date.now() >= deadline) throw new Error(`settled: intent ${intentEventId} is still ${intent.phase} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/**
 * Whether `error` is one of the runtime's refusals (a `RequestError`) that
 * crossed RPC: by its name under `enhanced_error_serialization`, by the name
 * the message starts with on an older compatibility date, where only the
 * message crosses.
 */
export function isRemoteRefusal(error: unknown): boolean {
  const { remote, name, message } = (error ?? {}) as { remote?: unknown; name?: unknown; message?: unknown };
  return remote === true && (name === "RequestError" || (typeof message === "string" && message.startsWith("RequestError: ")));
}

/**
 * For vitest's `test.onUnhandledError`: vitest-pool-workers reports every
 * Durable Object RPC that rejects as unhandled, even one the test awaits
 * (cloudflare/workers-sdk#14736), and `vitest run` then exits 1 on passing
 * tests. This lets the runtime's refusals through and nothing else.
 *
 *   test: { onUnhandledError: ignoreRefusals }
 */
export function ignoreRefusals(error: unknown): boolean {
  return !isRemoteRefusal(error);
}
