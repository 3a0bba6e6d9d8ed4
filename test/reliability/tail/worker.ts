import { operatorApi } from "durable-triggers/http";
import { AgentDO as AppAgentDO } from "../../../app/agent";

/** The most facts one fill request appends, in one transaction. */
const MAX_FILL = 20_000;

/** The example app's object, plus `fill`: facts appended straight to the ledger, many in one transaction. */
export class AgentDO extends AppAgentDO {
  fill(count: number): number {
    const { storage } = (this as unknown as { ctx: DurableObjectState }).ctx;
    storage.transactionSync(() => {
      for (let i = 0; i < count; i++)
        storage.sql.exec("INSERT INTO events (ts, kind, payload) VALUES (?, 'test.fact', ?)", Date.now(), `{"n":${i}}`);
    });
    return count;
  }
}

interface Env {
  readonly AGENT: Cloudflare.Env["AGENT"];
}

/** The binding as `fill` is called on it (its stub's full type is deeper than the checker goes). */
type Filling = { getByName(name: string): { fill(count: number): Promise<number> } };

const operator = operatorApi<Env>({ namespace: (env) => env.AGENT });

export default {
  /** `POST /fill/:scope?count=n` appends n facts (at most 20 000 a request); everything else is the operator API. */
  async fetch(request, env, ctx): Promise<Response> {
    const { pathname, searchParams } = new URL(request.url);
    const fill = /^\/fill\/([^/]+)$/.exec(pathname);
    if (request.method !== "POST" || fill === null) return operator.fetch(request, env, ctx);
    const count = Math.min(MAX_FILL, Math.max(0, Number(searchParams.get("count")) || 0));
    const filled = await (env.AGENT as unknown as Filling).getByName(decodeURIComponent(fill[1]!)).fill(count);
    return Response.json({ filled });
  },
} satisfies ExportedHandler<Env>;
