import { Hono, type Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { opsPage } from "./ops-page";

type AgentStub = DurableObjectStub<import("./agent").AgentDO>;

/**
 * The example's JSON API over scopes. Each scope is one Durable Object; the
 * API only translates HTTP to its RPC methods and refusals to 400s.
 */
export const api = new Hono<{ Bindings: Cloudflare.Env }>();

const agentOf = (c: Context<{ Bindings: Cloudflare.Env }>): AgentStub =>
  c.env.AGENT.get(c.env.AGENT.idFromName(c.req.param("scope") ?? ""));

const intentId = (c: Context) => {
  const id = Number(c.req.param("id"));
  if (!Number.isSafeInteger(id) || id < 1) throw new BadRequest("intent id must be a positive integer");
  return id;
};

class BadRequest extends Error {}

async function jsonBody(c: Context): Promise<Record<string, unknown>> {
  const body: unknown = await c.req.json().catch(() => undefined);
  if (typeof body !== "object" || body === null || Array.isArray(body)) throw new BadRequest("the body must be a JSON object");
  return body as Record<string, unknown>;
}

api.get("/", (c) => c.html(opsPage));

api.post("/scopes/:scope/intents", async (c) => {
  const { triggerKind, payload, at, idempotencyKey } = await jsonBody(c);
  // The runtime checks kind and payload against the registered triggers; HTTP input is untyped.
  const request = { triggerKind, payload, at, idempotencyKey } as Parameters<AgentStub["enqueueTrigger"]>[0];
  return c.json(await agentOf(c).enqueueTrigger(request), 201);
});

api.post("/scopes/:scope/intents/:id/cancel", async (c) => {
  const { triggerKind, reason } = await jsonBody(c);
  if (reason !== undefined && typeof reason !== "string") throw new BadRequest("reason must be a string");
  const request = { triggerKind, intentEventId: intentId(c), reason } as Parameters<AgentStub["cancelTrigger"]>[0];
  return c.json(await agentOf(c).cancelTrigger(request));
});

api.get("/scopes/:scope/intents/:id", async (c) => {
  const id = intentId(c);
  const phase = await agentOf(c).intentState(id);
  return phase === null ? c.json({ error: `no intent ${id} in this scope` }, 404) : c.json({ intentEventId: id, phase });
});

api.get("/scopes/:scope/intents", async (c) => {
  const limit = c.req.query("limit");
  const beforeId = c.req.query("beforeId");
  return c.json(
    await agentOf(c).intents({
      ...(limit === undefined ? {} : { limit: Number(limit) }),
      ...(beforeId === undefined ? {} : { beforeId: Number(beforeId) }),
    }),
  );
});

api.get("/scopes/:scope/events", async (c) => {
  const afterId = c.req.query("afterId");
  const kinds = c.req.query("kinds");
  const limit = c.req.query("limit");
  return c.json(
    await agentOf(c).events({
      ...(afterId === undefined ? {} : { afterId: Number(afterId) }),
      ...(kinds === undefined ? {} : { kinds: kinds.split(",").filter(Boolean) }),
      ...(limit === undefined ? {} : { limit: Number(limit) }),
    }),
  );
});

// Server-sent events are served by the scope's object itself; the request is
// forwarded whole, so the object sees the client's disconnect through its signal.
const forward = (c: Context<{ Bindings: Cloudflare.Env }>) => agentOf(c).fetch(c.req.raw);
api.get("/scopes/:scope/intents/:id/watch", forward);
api.get("/scopes/:scope/events/stream", forward);
api.post("/scopes/:scope/streams/:kind", forward);

api.post("/scopes/:scope/streams/:ref/cancel", async (c) => {
  const { reason } = await jsonBody(c);
  if (reason !== undefined && typeof reason !== "string") throw new BadRequest("reason must be a string");
  return c.json(await agentOf(c).cancelStream({ streamRef: c.req.param("ref"), ...(reason === undefined ? {} : { reason }) }));
});

api.onError((error, c) => {
  // Refusals keep their name across RPC; anything else is our fault, not the caller's.
  const refused = error instanceof BadRequest || error.name === "RequestError" || /^RequestError\b/.test(error.message);
  const status: ContentfulStatusCode = refused ? 400 : 500;
  if (!refused) console.error(error);
  return c.json({ error: refused ? error.message.replace(/^RequestError: /, "") : "internal error" }, status);
});
