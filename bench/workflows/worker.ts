import { WorkflowEntrypoint, type WorkflowEvent, type WorkflowStep } from "cloudflare:workers";

interface Env {
  NOOP: Workflow<{ n: number }>;
}

/** One durable step per instance: the no-op job the other figures run. */
export class NoopWorkflow extends WorkflowEntrypoint<Env, { n: number }> {
  override async run(event: WorkflowEvent<{ n: number }>, step: WorkflowStep): Promise<{ n: number }> {
    return step.do("noop", async () => ({ n: event.payload.n }));
  }
}

/** Creating instances takes at most 100 per batch. */
const BATCH = 100;

export default {
  /** `/throughput?count=N`: creates N instances in batches, then polls until every one is complete (wall time in ms). */
  async fetch(request: Request, env: Env): Promise<Response> {
    const url = new URL(request.url);
    if (url.pathname !== "/throughput") return new Response("not found", { status: 404 });
    const count = Number(url.searchParams.get("count") ?? 100);
    const run = url.searchParams.get("scope") ?? crypto.randomUUID();
    const started = performance.now();
    const instances: WorkflowInstance[] = [];
    for (let from = 0; from < count; from += BATCH) {
      const batch = Array.from({ length: Math.min(BATCH, count - from) }, (_, i) => ({
        id: `${run}-${from + i}`,
        params: { n: from + i },
      }));
      instances.push(...(await env.NOOP.createBatch(batch)));
    }
    let waiting = instances;
    while (waiting.length > 0) {
      const statuses = await Promise.all(waiting.map((instance) => instance.status()));
      const failed = statuses.find((s) => s.status === "errored" || s.status === "terminated");
      if (failed) return Response.json({ error: failed }, { status: 500 });
      waiting = waiting.filter((_, i) => statuses[i]!.status !== "complete");
      if (waiting.length > 0) await new Promise((resolve) => setTimeout(resolve, 20));
    }
    return Response.json({ ms: performance.now() - started });
  },
};
