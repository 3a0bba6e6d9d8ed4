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

  /** Every row of every table the runtime made, and the alarm: what a read of a new scope must leave empty. */
  async stored(): Promise<{ rows: number; alarm: number | null }> {
    const { storage } = (this as unknown as { ctx: DurableObjectState }).ctx;
    const tables = storage.sql
      .exec<{ name: string }>(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '\\_%' ESCAPE '\\' AND name NOT LIKE 'sqlite%'",
      )
      .toArray();
    let rows = 0;
    for (const { name } of tables) rows += storage.sql.exec<{ n: number }>(`SELECT count(*) AS n FROM "${name}"`).one().n;
    return { rows, alarm: await storage.getAlarm() };
  }
}

interface Env {
  readonly AGENT: Cloudflare.Env["AGENT"];
}

/** The binding as `fill` is called on it (its stub's full type is deeper than the checker goes). */
type Filling = {
  getByName(name: string): { fill(count: number): Promise<number>; stored(): Promise<{ rows: number; alarm: number | null }> };
};

const operator = operatorApi<Env>({ namespace: (env) => env.AGENT });

export default {
  /**
   * `POST /fill/:scope?count=n` appends n facts (at most 20 000 a request); `GET /stored/:scope` answers what the
   * scope holds; everything else is the operator API.
   */
  async fetch(request, env, ctx): Promise<Response> {
    const { pathname, searchParams } = new URL(request.url);
    const stored = /^\/stored\/([^/]+)$/.exec(pathname);
    if (request.method === "GET" && stored !== null)
      return Response.json(await (env.AGENT as unknown as Filling).getByName(decodeURIComponent(stored[1]!)).stored());
    const fill = /^\/fill\/([^/]+)$/.exec(pathname);
    if (request.method !== "POST" || fill === null) return operator.fetch(request, env, ctx);
    const count = Math.min(MAX_FILL, Math.max(0, Number(searchParams.get("count")) || 0));
    const filled = await (env.AGENT as unknown as Filling).getByName(decodeURIComponent(fill[1]!)).fill(count);
    return Response.json({ filled });
  },
} satisfies ExportedHandler<Env>;
