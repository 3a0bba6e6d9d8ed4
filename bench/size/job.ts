import { defineAgentDO, type CronEngine, type DurableTrigger, type ParseResult } from "durable-triggers";

type Job = { n: number };

/**
 * The smallest useful worker: one no-op trigger, enqueued from fetch. Each
 * entry beside this file differs only in how it checks the intent, which is
 * what decides the bundle's size.
 */
export function sizeWorker(parseIntent: (raw: unknown) => ParseResult<Job>, cron?: CronEngine) {
  const job = {
    kind: "job.run",
    intentEventKind: "job.requested",
    cancellation: "cooperative",
    parseIntent,
    acquire: (intent) => intent,
    commit(outcome, tx) {
      tx.insertEvent({ kind: "job.done", payload: outcome });
    },
    commitCancelled(intent, _cancellation, tx) {
      tx.insertEvent({ kind: "job.cancelled", payload: intent });
    },
  } satisfies DurableTrigger<Job, Job>;

  const Agent = defineAgentDO({ triggers: [job], ...(cron ? { cron } : {}) });
  const handler = {
    async fetch(_request: Request, env: { AGENT: DurableObjectNamespace<InstanceType<typeof Agent>> }): Promise<Response> {
      const agent = env.AGENT.get(env.AGENT.idFromName("size"));
      return Response.json(await agent.enqueueTrigger({ triggerKind: "job.run", payload: { n: 1 } }));
    },
  };
  return { Agent, handler };
}
