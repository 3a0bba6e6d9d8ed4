import { operatorConsole } from "durable-triggers/console";
import { operatorApi, type Authorize } from "durable-triggers/http";

export { AgentDO } from "../../../app/agent";

interface Env {
  readonly AGENT: Cloudflare.Env["AGENT"];
  readonly OPS_TOKEN: string;
  readonly OPS_READ_TOKEN: string;
}

// The README's hook, word for word: the browser test runs the console behind it.
const authorize: Authorize<Env> = (request, { scope, action }, env) => {
  if (scope === null) return true; // the console's page: it holds no data, and asks for the token itself
  const token = request.headers.get("authorization")?.replace(/^Bearer /, "");
  if (!token) return Response.json({ error: "token required" }, { status: 401, headers: { "www-authenticate": "Bearer" } });
  return token === env.OPS_TOKEN || (token === env.OPS_READ_TOKEN && action === "read");
};

export default {
  fetch: operatorApi<Env>({ namespace: (env) => env.AGENT, authorize, console: operatorConsole }).fetch,
} satisfies ExportedHandler<Env>;
