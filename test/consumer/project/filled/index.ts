export { AgentDO } from "../generated/agent-do";

export default {
  async fetch(request, env): Promise<Response> {
    const url = new URL(request.url);
    if (request.method === "POST" && url.pathname === "/mail") {
      const agent = env.AGENT.getByName(url.searchParams.get("user") ?? "anonymous");
      const { id } = await agent.enqueueTrigger({ triggerKind: "mail.send", payload: { id: crypto.randomUUID() } });
      return Response.json({ id }, { status: 201 });
    }
    return new Response("my worker");
  },
} satisfies ExportedHandler<Env>;
