import * as z from "zod";
import { defineAgentDO, type DurableTrigger } from "../../runtime";

/** The same worker with its intent checked by zod, as generated `parseIntent` functions do. */
const Intent = z.object({ n: z.number() });

const job = {
  kind: "job.run",
  intentEventKind: "job.requested",
  cancellation: "cooperative",
  parseIntent: (raw: unknown) => {
    const parsed = Intent.safeParse(raw);
    return parsed.success ? { ok: true, intent: parsed.data } : { ok: false, reason: z.prettifyError(parsed.error) };
  },
  acquire: (intent) => intent,
  commit(outcome, tx) {
    tx.insertEvent({ kind: "job.done", payload: outcome });
  },
  commitCancelled(intent, _cancellation, tx) {
    tx.insertEvent({ kind: "job.cancelled", payload: intent });
  },
} satisfies DurableTrigger<z.infer<typeof Intent>, z.infer<typeof Intent>>;

export class Agent extends defineAgentDO({ triggers: [job] }) {}

export default {
  async fetch(_request: Request, env: { AGENT: DurableObjectNamespace<Agent> }): Promise<Response> {
    const agent = env.AGENT.get(env.AGENT.idFromName("size"));
    return Response.json(await agent.enqueueTrigger({ triggerKind: "job.run", payload: { n: 1 } }));
  },
};
