import { operatorConsole } from "durable-triggers/console";
import { operatorApi } from "durable-triggers/http";
import worker from "./with-zod";

export { Agent } from "./with-zod";

/** The same, with the console mounted too. */
const ops = operatorApi<{ AGENT: DurableObjectNamespace }>({
  namespace: (env) => env.AGENT as never,
  basePath: "/ops",
  console: operatorConsole,
});

export default {
  fetch: (request: Request, env: { AGENT: DurableObjectNamespace }) =>
    new URL(request.url).pathname.startsWith("/ops") ? ops.fetch(request, env) : worker.fetch(request, env as never),
};
