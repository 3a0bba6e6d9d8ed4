import { defineAgentDO, type DurableTrigger } from "../../runtime";

/** The smallest useful worker: one no-op trigger, enqueued from fetch. Its intent is checked by hand. */
const job = {
  kind: "job.run",
  intentEventKind: "job.requested",
  cancellation: "cooperative",
  parseIntent: (raw: unknown) =>
    typeof (raw as { n?: unknown } | null)?.n === "number" ? { ok: true, intent: raw as { n: number } } : { ok: false, reason: "n: expected a number" },
  acquire: (intent) => intent,
  commit(outcome, tx) {
    tx.insertEvent({ kind: "job.done", payload: outcome });
  },
  commitCancelled(intent, _cancellation, tx) {
    tx.insertEvent({ kind: "job.cancelled", payload: intent });
  },
} satisfies DurableTrigger<{ n: number }, { n: number }>;

export class Agent extends defineAgentDO({ triggers: [job] }) {}

export default {
  async fetch(_request: Request, env: { AGENT: DurableObjectNamespace<Agent> }): Promise<Response> {
    const agent = env.AGENT.get(env.AGENT.idFromName("size"));
    return Response.json(await agent.enqueueTrigger({ triggerKind: "job.run", payload: { n: 1 } }));
  },
};
