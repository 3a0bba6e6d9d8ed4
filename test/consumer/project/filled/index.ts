import { operatorConsole } from "durable-triggers/console";
import { operatorApi } from "durable-triggers/http";

export { AgentDO } from "../generated/agent-do";

/** The operator API and console under /ops, for whoever holds the token. */
const operator = operatorApi<Env>({
  namespace: (env) => env.AGENT,
  basePath: "/ops",
  console: operatorConsole,
  authorize: (request) => request.headers.get("authorization") === "Bearer let-me-in",
});

export default {
  async fetch(request, env, ctx): Promise<Response> {
    const url = new URL(request.url);
    if (url.pathname.startsWith("/ops")) return operator.fetch(request, env, ctx);
    if (request.method === "POST" && url.pathname === "/mail") {
      const agent = env.AGENT.getByName(url.searchParams.get("user") ?? "anonymous");
      const { id } = await agent.enqueueTrigger({ triggerKind: "mail.send", payload: { id: crypto.randomUUID() } });
      return Response.json({ id }, { status: 201 });
    }
    return new Response("my worker");
  },
} satisfies ExportedHandler<Env>;
