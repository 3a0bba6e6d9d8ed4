import { Agent } from "agents";
import { countRows, type RowCost } from "../../worker/rows";

/**
 * The Agents SDK's durable queue doing the same 10 000 no-op jobs: each job
 * records its result the way a durable trigger's commit records its fact.
 */
export class QueueAgent extends Agent<Env> {
  async throughput(count: number): Promise<number> {
    this.sql`CREATE TABLE IF NOT EXISTS done (n INTEGER NOT NULL)`;
    const started = performance.now();
    for (let n = 0; n < count; n++) await this.queue("job", { n });
    while (this.sql<{ c: number }>`SELECT count(*) AS c FROM done`[0]!.c < count) {
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    return performance.now() - started;
  }

  /** What the same jobs cost in statements and SQLite rows (the polling excluded). */
  async cost(count: number): Promise<RowCost> {
    const stop = countRows(this.ctx.storage.sql, /count\(\*\) AS c FROM done/);
    await this.throughput(count);
    return stop();
  }

  async job(payload: { n: number }): Promise<void> {
    this.sql`INSERT INTO done (n) VALUES (${payload.n})`;
  }
}

interface Env {
  QUEUE: DurableObjectNamespace<QueueAgent>;
}

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const url = new URL(request.url);
    const count = Number(url.searchParams.get("count") ?? 100);
    const scope = url.searchParams.get("scope") ?? crypto.randomUUID();
    const agent = env.QUEUE.get(env.QUEUE.idFromName(scope));
    if (url.pathname === "/cost") return Response.json(await agent.cost(count));
    if (url.pathname !== "/throughput") return new Response("not found", { status: 404 });
    return Response.json({ ms: await agent.throughput(count) });
  },
};
