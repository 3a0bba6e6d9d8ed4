import { operatorApi } from "durable-triggers/http";
import worker from "./with-zod";

export { Agent } from "./with-zod";

/** The zod worker with the operator API under /ops, no console: what most Workers mount. */
const ops = operatorApi<{ AGENT: DurableObjectNamespace }>({ namespace: (env) => env.AGENT as never, basePath: "/ops" });

export default {
  fetch: (request: Request, env: { AGENT: DurableObjectNamespace }) =>
    new URL(request.url).pathname.startsWith("/ops") ? ops.fetch(request, env) : worker.fetch(request, env as never),
};
