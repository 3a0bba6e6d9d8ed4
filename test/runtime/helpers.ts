import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { openGate } from "./gates";
import type { IntentPhase } from "../../runtime";
import type { TestAgentDO } from "./worker";

export type TestAgent = DurableObjectStub<InstanceType<typeof TestAgentDO>>;

let scopes = 0;

/** A fresh scope (Durable Object) per call, so tests never share a ledger. */
export function freshAgent(label = "scope"): { agent: TestAgent; scope: string } {
  const scope = `${label}-${Date.now()}-${++scopes}`;
  return { agent: agentFor(scope), scope };
}

/** A new stub for a scope, as a client gets after the object behind its old stub crashed. */
export function agentFor(scope: string): TestAgent {
  const namespace = (env as unknown as { AGENT: DurableObjectNamespace<InstanceType<typeof TestAgentDO>> }).AGENT;
  return namespace.get(namespace.idFromName(scope));
}

/** Polls until `read` answers something `done` accepts; real alarms drive the work meanwhile. */
export async function eventually<T>(read: () => Promise<T> | T, done: (value: T) => boolean, what: string, timeoutMs = 5_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T;
  do {
    last = await read();
    if (done(last)) return last;
    await new Promise((resolve) => setTimeout(resolve, 10));
  } while (Date.now() < deadline);
  throw new Error(`timed out waiting for ${what}; last seen: ${JSON.stringify(last)}`);
}

export function phaseOf(agent: TestAgent, id: number, ...phases: IntentPhase[]) {
  return eventually(
    () => agent.intentState(id),
    (phase) => phase !== null && phases.includes(phase),
    `intent ${id} to reach ${phases.join(" or ")}`,
  );
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Opens a gate from inside the Durable Object: workerd runs a promise's
 * continuation in the I/O context that resolved it, and the acquire waiting
 * at the gate must resume in its own object's context to write storage.
 */
export function release(agent: TestAgent, gate: string): Promise<void> {
  return runInDurableObject(agent, () => openGate(gate));
}

/** The object's server-sent-event endpoints, reached over `fetch` as a Worker forwards them. */
export const sse = {
  watch: (agent: TestAgent, id: number) => agent.fetch(`https://agent/intents/${id}/watch`),
  tail: (agent: TestAgent, { afterId, kinds }: { afterId?: number; kinds?: string[] } = {}) =>
    agent.fetch(`https://agent/events/stream${kinds ? `?kinds=${kinds.join(",")}` : ""}`, {
      headers: afterId === undefined ? {} : { "last-event-id": String(afterId) },
    }),
  open: (agent: TestAgent, streamKind: string, start: unknown) =>
    agent.fetch(`https://agent/streams/${encodeURIComponent(streamKind)}`, { method: "POST", body: JSON.stringify(start) }),
};

/**
 * Everything a refused call must leave as it was: the ledger, every work row
 * (fire time, claim, attempts, cancel request, settlement) and the alarm.
 */
export function storeOf(agent: TestAgent) {
  return runInDurableObject(agent, async (_, state) => ({
    events: state.storage.sql.exec("SELECT * FROM events ORDER BY id").toArray(),
    work: state.storage.sql.exec("SELECT * FROM work ORDER BY intent_id").toArray(),
    alarm: await state.storage.getAlarm(),
  }));
}
