import { operatorConsole } from "durable-triggers/console";
import { operatorApi } from "durable-triggers/http";

export { AgentDO } from "./agent";

/**
 * The example Worker is the operator surface alone: the JSON API, the
 * server-sent events and the console, for every scope of the AGENT binding.
 * With no `authorize` hook it answers on a loopback host only, which is
 * where `npm start` serves it; README shows a token-guarded one.
 */
const operator = operatorApi<Cloudflare.Env>({ namespace: (env) => env.AGENT, console: operatorConsole });

export default {
  fetch: operator.fetch,
} satisfies ExportedHandler<Cloudflare.Env>;
