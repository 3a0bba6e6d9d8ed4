import { Hono, type Context } from "hono";
import type { AgentMethods, AgentObject, RefusableMethod } from "../contract/agent.ts";
import type { Outcome } from "../contract/refusal.ts";
import type { AnyTrigger, EventQuery } from "../contract/types.ts";
import { assertSameOrigin, loopbackOnly, type Action, type Authorize } from "./guard.ts";
import { BadRequest, decimal, jsonObject, kinds, MAX_LIMIT, MAX_REASON_BYTES, optionalText, wellEncoded } from "./input.ts";

export interface OperatorOptions<Env, Trigger extends AnyTrigger> {
  /** The binding of a class built by `defineAgentDO`: `(env) => env.AGENT`. */
  // `any`: the class's own Env is the Worker's business.
  readonly namespace: (env: Env) => DurableObjectNamespace<AgentObject<Trigger, any>>;
  /**
   * Who may do what. Without it, the API answers on a loopback host only
   * (`wrangler dev`), and a deployed Worker exposes nothing.
   */
  readonly authorize?: Authorize<Env>;
  /** Origins besides the API's own that may send writes (a console served elsewhere). */
  readonly trustedOrigins?: readonly string[];
  /** Where the API is mounted when used as a plain `fetch` handler (`/ops`); not needed under `app.route`. */
  readonly basePath?: string;
  /**
   * The console page, served at `GET /`: `import { operatorConsole } from "durable-triggers/console"`.
   * Without it `GET /` answers 404 and the page's 22 KiB stay out of the Worker's bundle.
   */
  readonly console?: OperatorConsole;
}

/** The console's page, as `durable-triggers/console` exports it. */
export interface OperatorConsole {
  readonly html: string;
}

/**
 * The operator surface as a Worker's fetch handler. A plain interface, not
 * hono's types: a user's type-check never loads hono's declarations.
 */
export interface OperatorApi<Env> {
  fetch(request: Request, env: Env, ctx?: ExecutionContext): Response | Promise<Response>;
}

/** The longest scope name the API accepts, in characters. */
const MAX_SCOPE_LENGTH = 256;

/**
 * The operator surface over every scope of one binding: the JSON API, the
 * three server-sent-event endpoints and, when given, the console page. Serve it alone as
 * `{ fetch: operatorApi({ namespace: (env) => env.AGENT }).fetch }`, under a
 * prefix with `basePath: "/ops"`, or inside a hono app with
 * `app.mount("/ops", operatorApi(…).fetch)`.
 *
 *   GET  /                               the console, with `console: operatorConsole`
 *   GET  /scopes/:scope/registration     the registered triggers and streams, with their JSON Schemas
 *   POST /scopes/:scope/intents          { triggerKind, payload, at?, idempotencyKey? } → 201 { id }
 *   GET  /scopes/:scope/intents          ?limit=1..1000&beforeId= → newest first
 *   GET  /scopes/:scope/intents/:id      the intent's summary, as `intent(id)` answers it over RPC
 *   POST /scopes/:scope/intents/:id/cancel   { triggerKind?, reason? }
 *   GET  /scopes/:scope/intents/:id/watch    server-sent events
 *   GET  /scopes/:scope/intents/watch        server-sent events: every intent's frames, on one connection
 *   GET  /scopes/:scope/schedules        every schedule, soonest first, with its next fire time
 *   PUT  /scopes/:scope/schedules/:key   { triggerKind, payload, cron, timezone? } or { …, everyMs } → the schedule
 *   DELETE /scopes/:scope/schedules/:key → { removed }; a spec's default schedule is refused (change the spec)
 *   GET  /scopes/:scope/events           ?afterId=&kinds=a,b&limit=1..1000
 *   POST /scopes/:scope/events           { kind, payload, idempotencyKey? } → 201 { id, duplicate: false },
 *                                        or 200 { id, duplicate: true } for a key seen before (a webhook's door)
 *   GET  /scopes/:scope/events/stream    server-sent events, resuming after Last-Event-ID
 *   POST /scopes/:scope/streams/:kind    opens an attached stream (server-sent events)
 *   POST /scopes/:scope/streams/:ref/cancel  { reason? }
 *
 * Every refusal is a 4xx JSON `{ error }`, and a refused request reaches no object.
 */
export function operatorApi<Env extends object = Cloudflare.Env, Trigger extends AnyTrigger = AnyTrigger>(
  options: OperatorOptions<Env, Trigger>,
): OperatorApi<Env> {
  const authorize = options.authorize ?? loopbackOnly;
  const trusted = options.trustedOrigins ?? [];
  // Not strict: /ops and /ops/ both serve the console.
  const app = new Hono<{ Bindings: Env }>({ strict: false }).basePath(options.basePath ?? "/");
  type C = Context<{ Bindings: Env }>;

  /** Checks the request may do `action` on its scope, and answers the scope's object. */
  const admit = async (c: C, action: Action) => {
    const scope = c.req.param("scope") ?? "";
    if (scope === "" || scope.length > MAX_SCOPE_LENGTH) throw new BadRequest(`the scope must be 1 to ${MAX_SCOPE_LENGTH} characters`);
    if (action !== "read") assertSameOrigin(c.req.raw, trusted);
    const verdict = await authorize(c.req.raw, { scope, action }, c.env);
    if (verdict instanceof Response) throw new Answer(verdict);
    if (!verdict) throw new BadRequest(`not allowed to ${action} scope ${JSON.stringify(scope.slice(0, 80))}`, 403);
    return options.namespace(c.env).getByName(scope);
  };
  // hono hands out path parameters decoded, and a segment it cannot decode as it came:
  // the path is checked whole, once, so nothing is decoded twice or not at all.
  app.use("*", async (c, next) => {
    wellEncoded(new URL(c.req.url).pathname);
    await next();
  });

  const id = (c: C) => decimal(c.req.param("id") ?? "", "the intent id", 1);
  const query = (c: C, name: string, read: (text: string) => unknown) => {
    const text = c.req.query(name);
    return text === undefined ? {} : { [name]: read(text) };
  };

  const page = options.console;
  app.get("/", async (c) => {
    if (page === undefined)
      throw new BadRequest('no console mounted: pass `console: operatorConsole` from "durable-triggers/console" to operatorApi', 404);
    const verdict = await authorize(c.req.raw, { scope: null, action: "read" }, c.env);
    if (verdict instanceof Response) return verdict;
    if (!verdict) throw new BadRequest("not allowed to read", 403);
    return c.html(page.html);
  });

  app.get("/scopes/:scope/registration", async (c) => c.json(await (await admit(c, "read")).registration()));

  app.post("/scopes/:scope/intents", async (c) => {
    const agent = await admit(c, "write");
    const { triggerKind, payload, at, idempotencyKey } = await jsonObject(c.req.raw);
    // The object checks kind, payload, time and key against what it runs; HTTP input is untyped.
    return c.json(await call(agent, "enqueueTrigger", { triggerKind, payload, at, idempotencyKey }), 201);
  });

  app.get("/scopes/:scope/intents", async (c) => {
    const agent = await admit(c, "read");
    const limit = query(c, "limit", (text) => decimal(text, "limit", 1, MAX_LIMIT));
    const beforeId = query(c, "beforeId", (text) => decimal(text, "beforeId", 1));
    return c.json(await call(agent, "intents", { ...limit, ...beforeId }));
  });

  // Before `/intents/:id`, which would read "watch" as an id.
  app.get("/scopes/:scope/intents/watch", async (c) => (await admit(c, "read")).fetch(c.req.raw));

  app.get("/scopes/:scope/intents/:id", async (c) => {
    const agent = await admit(c, "read");
    const intentEventId = id(c);
    const intent = await agent.intent(intentEventId);
    if (intent === null) throw new BadRequest(`no intent ${intentEventId} in this scope`, 404);
    return c.json(intent);
  });

  app.post("/scopes/:scope/intents/:id/cancel", async (c) => {
    const agent = await admit(c, "cancel");
    const intentEventId = id(c);
    const body = await jsonObject(c.req.raw);
    const reason = optionalText(body, "reason", MAX_REASON_BYTES);
    // Without a kind, the intent's own: the id names it.
    return c.json(
      await call(agent, "cancelTrigger", { triggerKind: body["triggerKind"], intentEventId, ...(reason === undefined ? {} : { reason }) }),
    );
  });

  app.post("/scopes/:scope/events", async (c) => {
    const agent = await admit(c, "write");
    const { kind, payload, idempotencyKey } = await jsonObject(c.req.raw);
    // The object checks kind, payload and key against its declared events; HTTP input is untyped.
    const result = await call(agent, "emitEvent", { kind, payload, idempotencyKey });
    return c.json(result, result.duplicate ? 200 : 201);
  });

  app.get("/scopes/:scope/schedules", async (c) => c.json(await (await admit(c, "read")).schedules()));

  app.put("/scopes/:scope/schedules/:key", async (c) => {
    const agent = await admit(c, "write");
    const { triggerKind, payload, cron, timezone, everyMs } = await jsonObject(c.req.raw);
    // The object checks the key, kind, payload and timing against what it runs; HTTP input is untyped.
    return c.json(await call(agent, "scheduleTrigger", { key: c.req.param("key"), triggerKind, payload, cron, timezone, everyMs }));
  });

  app.delete("/scopes/:scope/schedules/:key", async (c) =>
    c.json(await call(await admit(c, "write"), "unscheduleTrigger", c.req.param("key"))),
  );

  app.get("/scopes/:scope/events", async (c) => {
    const agent = await admit(c, "read");
    const eventQuery: EventQuery = {
      ...query(c, "afterId", (text) => decimal(text, "afterId", 0)),
      ...query(c, "kinds", kinds),
      ...query(c, "limit", (text) => decimal(text, "limit", 1, MAX_LIMIT)),
    };
    return c.json(await call(agent, "events", eventQuery));
  });

  // Server-sent events are served by the scope's object itself, which sees the client leave
  // through the forwarded request's signal. What the object reads is checked here first.
  app.get("/scopes/:scope/intents/:id/watch", async (c) => {
    const agent = await admit(c, "read");
    id(c);
    return agent.fetch(c.req.raw);
  });

  app.get("/scopes/:scope/events/stream", async (c) => {
    const agent = await admit(c, "read");
    const lastEventId = c.req.header("last-event-id");
    if (lastEventId !== undefined) decimal(lastEventId, "Last-Event-ID", 0);
    query(c, "afterId", (text) => decimal(text, "afterId", 0));
    query(c, "kinds", kinds);
    return agent.fetch(c.req.raw);
  });

  app.post("/scopes/:scope/streams/:kind", async (c) => {
    const agent = await admit(c, "write");
    // Read and checked here (type, size, depth); the object gets the same bytes and the client's signal.
    const start = await jsonObject(c.req.raw);
    return agent.fetch(
      new Request(c.req.url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(start),
        signal: c.req.raw.signal,
      }),
    );
  });

  app.post("/scopes/:scope/streams/:ref/cancel", async (c) => {
    const agent = await admit(c, "cancel");
    const streamRef = c.req.param("ref");
    const reason = optionalText(await jsonObject(c.req.raw), "reason", MAX_REASON_BYTES);
    return c.json(await call(agent, "cancelStream", { streamRef, ...(reason === undefined ? {} : { reason }) }));
  });

  app.notFound((c) => c.json({ error: `no route for ${c.req.method} ${new URL(c.req.url).pathname.slice(0, 200)}` }, 404));

  app.onError((error, c) => {
    if (error instanceof Answer) return error.response;
    if (error instanceof BadRequest) return c.json({ error: error.message }, error.status);
    console.error(error);
    return c.json({ error: "internal error" }, 500);
  });
  return { fetch: (request, env, ctx) => app.fetch(request, env, ctx) };
}

/**
 * One refusable call on a scope's object, through `attempt`: the object's
 * refusal comes back as a value on every compatibility date, and is answered
 * here as a 400 naming what was wrong. HTTP input is untyped: the object
 * checks kind, payload, time and key against what it runs.
 */
async function call<M extends RefusableMethod>(
  agent: { attempt(method: M, argument: never): Promise<unknown> },
  method: M,
  argument: unknown,
): Promise<Answered<M>> {
  const outcome = (await agent.attempt(method, argument as never)) as Outcome<Answered<M>>;
  if (!outcome.ok) throw new BadRequest(outcome.refused, 400);
  return outcome.value;
}
type Answered<M extends RefusableMethod> = Awaited<ReturnType<AgentMethods[M]>>;

/** A response the authorize hook chose, answered as it is. */
class Answer extends Error {
  constructor(readonly response: Response) {
    super("answered by authorize");
  }
}
