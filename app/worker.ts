import { api } from "./api";

export { AgentDO } from "./agent";

export default {
  fetch: api.fetch,
} satisfies ExportedHandler<Cloudflare.Env>;
