import { env, exports } from "cloudflare:workers";
import { operatorApi } from "../../runtime/operator/index.ts";
import { describe, expect, it } from "vitest";
import { agentFor, freshAgent } from "./helpers";
import type { TestAgentDO } from "./worker";

type TestAgentNamespace = DurableObjectNamespace<InstanceType<typeof TestAgentDO>>;

/** The operator surface as test/runtime/worker.ts mounts it: /ops, bearer tokens "reader" and "operator". */
const ORIGIN = "https://ops.example";

async function call(path: string, init: { method?: string; token?: string; body?: string; headers?: Record<string, string> } = {}) {
  const headers: Record<string, string> = { ...init.headers };
  if (init.token) headers["authorization"] = `Bearer ${init.token}`;
  const response = await exports.default.fetch(`${ORIGIN}/ops${path}`, {
    method: init.method ?? "GET",
    headers,
    ...(init.body === undefined ? {} : { body: init.body }),
  });
  return {
    status: response.status,
    headers: response.headers,
    body: (await response.json()) as { error?: string } & Record<string, unknown>,
  };
}

const enqueue = (scope: string, token: string, headers: Record<string, string> = { "content-type": "application/json" }) =>
  call(`/scopes/${scope}/intents`, {
    method: "POST",
    token,
    headers,
    body: JSON.stringify({ triggerKind: "test.script", payload: { id: "x", acquire: "return" }, at: Date.now() + 3_600_000 }),
  });

describe("the operator surface's guard", () => {
  it("asks for credentials with the hook's own 401, and refuses a reader's write with 403, writing nothing", async () => {
    const { agent, scope } = freshAgent("guard");
    const anonymous = await call(`/scopes/${scope}/intents`);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get("www-authenticate")).toBe("Bearer");
    expect(anonymous.body).toEqual({ error: "a bearer token is required" });

    expect((await call(`/scopes/${scope}/intents`, { token: "reader" })).status).toBe(200);
    const write = await enqueue(scope, "reader");
    expect(write.status).toBe(403);
    expect(write.body.error).toMatch(/not allowed to write scope/);
    expect(
      (
        await call(`/scopes/${scope}/intents/1/cancel`, {
          method: "POST",
          token: "reader",
          headers: { "content-type": "application/json" },
          body: "{}",
        })
      ).status,
    ).toBe(403);
    expect((await call(`/scopes/${scope}/intents`, { token: "nobody" })).status).toBe(403);
    expect(await agent.events()).toEqual([]);
  });

  it("refuses cross-site writes by Origin, Sec-Fetch-Site or a form's content type, even from an operator, and writes nothing", async () => {
    const { agent, scope } = freshAgent("csrf");
    const json = { "content-type": "application/json" };
    const crossOrigin = await enqueue(scope, "operator", { ...json, origin: "http://evil.example" });
    expect(crossOrigin.status).toBe(403);
    expect(crossOrigin.body.error).toBe("cross-origin write from http://evil.example refused");
    expect((await enqueue(scope, "operator", { ...json, "sec-fetch-site": "cross-site" })).status).toBe(403);
    const form = await enqueue(scope, "operator", { "content-type": "text/plain", origin: ORIGIN });
    expect(form.status).toBe(415);
    expect(form.body.error).toMatch(/content-type: application\/json/);
    expect(await agent.events()).toEqual([]);

    // The same request from the console's own origin, or from no browser at all, goes through.
    expect((await enqueue(scope, "operator", { ...json, origin: ORIGIN, "sec-fetch-site": "same-origin" })).status).toBe(201);
    expect((await enqueue(scope, "operator")).status).toBe(201);
    expect((await agent.events()).length).toBe(2);
  });

  it("names a scope by its decoded path segment, decoded once", async () => {
    const scope = `team a/b%2F ü ${Date.now()}`;
    const enqueued = await enqueue(encodeURIComponent(scope), "operator");
    expect(enqueued.status).toBe(201);
    const listed = await call(`/scopes/${encodeURIComponent(scope)}/intents`, { token: "reader" });
    expect(listed.body).toEqual([expect.objectContaining({ intentEventId: 1, triggerKind: "test.script" })]);
    expect((await agentFor(scope).events()).length).toBe(1);
    expect((await call(`/scopes/%E0%A4%A/intents`, { token: "reader" })).body.error).toBe("the path is not valid percent-encoded UTF-8");
  });

  it("works mounted inside a user's own hono app with app.mount", async () => {
    const { agent, scope } = freshAgent("mounted");
    const headers = { authorization: "Bearer operator", "content-type": "application/json" };
    const body = JSON.stringify({ triggerKind: "test.script", payload: { id: "m", acquire: "return" }, at: Date.now() + 3_600_000 });
    const enqueued = await exports.default.fetch(`${ORIGIN}/mounted/scopes/${scope}/intents`, { method: "POST", headers, body });
    expect(enqueued.status).toBe(201);
    expect(await (await exports.default.fetch(`${ORIGIN}/mounted/scopes/${scope}/intents/1`, { headers })).json()).toMatchObject({
      intentEventId: 1,
      phase: "scheduled",
    });
    expect((await exports.default.fetch(`${ORIGIN}/mounted/`, { headers })).status).toBe(200);
    expect(await (await exports.default.fetch(`${ORIGIN}/`)).text()).toBe("the user's own app");
    expect((await agent.events()).length).toBe(1);
  });

  it("answers GET of an intent with the summary the RPC `intent` answers, and cancels by id alone", async () => {
    const { agent, scope } = freshAgent("by-id");
    const { body } = await enqueue(scope, "operator");
    const id = body["id"] as number;
    const read = await call(`/scopes/${scope}/intents/${id}`, { token: "reader" });
    expect(read.body).toEqual(JSON.parse(JSON.stringify(await agent.intent(id))));
    expect(read.body).toMatchObject({ intentEventId: id, triggerKind: "test.script", phase: "scheduled", attempts: 0 });
    const cancel = (path: string, payload: object) =>
      call(path, { method: "POST", token: "operator", headers: { "content-type": "application/json" }, body: JSON.stringify(payload) });
    expect((await cancel(`/scopes/${scope}/intents/${id}/cancel`, { reason: "no kind needed" })).body).toEqual({
      status: "cancelled",
      intentEventId: id,
    });
    expect(await agent.intentState(id)).toBe("cancelled");
    expect((await cancel(`/scopes/${scope}/intents/999/cancel`, {})).body).toEqual({ status: "not_found", intentEventId: 999 });
    // A kind that is given is still checked: a wrong one is refused at the door.
    const wrong = await cancel(`/scopes/${scope}/intents/${id}/cancel`, { triggerKind: "test.nope" });
    expect(wrong.status).toBe(400);
    expect(wrong.body.error).toMatch(/unknown trigger kind "test.nope"/);
  });

  it("answers the object's refusals as 400s through `attempt`, a value that crosses RPC on any compatibility date", async () => {
    const { agent, scope } = freshAgent("attempt");
    expect(await agent.attempt("enqueueTrigger", { triggerKind: "test.script", payload: { id: "" } as never })).toEqual({
      ok: false,
      refused: expect.stringMatching(/^enqueueTrigger "test.script": payload refused: id: expected a non-empty string/),
    });
    expect(await agent.attempt("intents", {})).toEqual({ ok: true, value: [] });
    expect(await agent.attempt("alarm" as never, undefined as never)).toMatchObject({
      ok: false,
      refused: expect.stringMatching(/^attempt: "alarm" is not one of enqueueTrigger/),
    });
    const bad = await call(`/scopes/${scope}/intents`, {
      method: "POST",
      token: "operator",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ triggerKind: "test.script", payload: { id: "" } }),
    });
    expect(bad).toMatchObject({ status: 400, body: { error: expect.stringMatching(/payload refused: id: expected a non-empty string/) } });
    expect(await agent.events()).toEqual([]);
  });

  it("answers the console page only to whom the hook lets read", async () => {
    const page = await exports.default.fetch(`${ORIGIN}/ops/`, { headers: { authorization: "Bearer reader" } });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("durable</b>-triggers · console");
    expect((await exports.default.fetch(`${ORIGIN}/ops/`)).status).toBe(401);
  });

  it("serves no console unless one is passed (durable-triggers/console), and the API still answers", async () => {
    const bare = operatorApi<{ AGENT: TestAgentNamespace }>({ namespace: (e) => e.AGENT, authorize: () => true });
    const page = await bare.fetch(new Request(`${ORIGIN}/`), env as never);
    expect(page.status).toBe(404);
    expect(((await page.json()) as { error: string }).error).toMatch(/durable-triggers\/console/);
    const { scope } = freshAgent("bare");
    expect((await bare.fetch(new Request(`${ORIGIN}/scopes/${scope}/intents`), env as never)).status).toBe(200);
  });
});

describe("the operator surface's schedules", () => {
  it("lists a scope's schedules with their next fire time, to a reader, and the console has a table for them", async () => {
    const { agent, scope } = freshAgent("ops-schedules");
    expect((await call(`/scopes/${scope}/schedules`, { token: "reader" })).body).toEqual([]);
    const nightly = await agent.scheduleTrigger({
      key: "nightly",
      triggerKind: "test.script",
      payload: { id: "n", acquire: "return" },
      cron: "0 3 * * *",
      timezone: "Europe/Paris",
    });
    const listed = await call(`/scopes/${scope}/schedules`, { token: "reader" });
    expect(listed.status).toBe(200);
    expect(listed.body).toEqual([nightly]);
    expect(nightly).toMatchObject({
      key: "nightly",
      triggerKind: "test.script",
      cron: "0 3 * * *",
      timezone: "Europe/Paris",
      everyMs: null,
      origin: "api",
    });
    expect((await call(`/scopes/${scope}/schedules`)).status).toBe(401);

    const page = await exports.default.fetch(`${ORIGIN}/ops/`, { headers: { authorization: "Bearer reader" } });
    const html = await page.text();
    expect(html).toContain('data-testid="schedules"');
    expect(html).toContain('api("/schedules")');
  });
  it("puts and deletes a schedule for an operator, refuses a reader and a bad timing at the door, and writes nothing when it refuses", async () => {
    const { scope } = freshAgent("ops-schedule-writes");
    const put = (key: string, body: unknown, token = "operator") =>
      call(`/scopes/${scope}/schedules/${encodeURIComponent(key)}`, {
        method: "PUT",
        token,
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
      });
    const hourly = { triggerKind: "test.script", payload: { id: "h", acquire: "return" }, everyMs: 3_600_000 };

    expect((await put("hourly", hourly, "reader")).status).toBe(403);
    const refused = await put("hourly", { ...hourly, everyMs: 10 });
    expect(refused.status).toBe(400);
    expect(refused.body.error).toMatch(/everyMs must be a whole number of milliseconds, at least 1000 \(got 10\)/);
    expect((await put("hourly", { ...hourly, payload: { id: 1 } })).status).toBe(400);
    const offset = await put("hourly", {
      triggerKind: "test.script",
      payload: { id: "h", acquire: "return" },
      cron: "0 * * * *",
      timezone: "+14:00",
    });
    expect([offset.status, offset.body.error]).toEqual([400, expect.stringMatching(/timezone must be an IANA time zone .*"\+14:00"/)]);
    const forever = await put("hourly", { ...hourly, everyMs: Number.MAX_SAFE_INTEGER });
    expect([forever.status, forever.body.error]).toEqual([
      400,
      expect.stringMatching(/everyMs must be at most 3155760000000 milliseconds/),
    ]);
    expect((await call(`/scopes/${scope}/schedules`, { token: "reader" })).body).toEqual([]);

    const created = await put("hourly", hourly);
    expect(created.status).toBe(200);
    expect(created.body).toMatchObject({ key: "hourly", triggerKind: "test.script", everyMs: 3_600_000, cron: null, origin: "api" });
    const changed = await put("hourly", {
      triggerKind: "test.script",
      payload: { id: "h", acquire: "return" },
      cron: "0 * * * *",
      timezone: "Europe/Paris",
    });
    expect(changed.body).toMatchObject({ key: "hourly", cron: "0 * * * *", timezone: "Europe/Paris", everyMs: null });
    expect((await call(`/scopes/${scope}/schedules`, { token: "reader" })).body).toEqual([changed.body]);

    const remove = (key: string, token = "operator") =>
      call(`/scopes/${scope}/schedules/${encodeURIComponent(key)}`, { method: "DELETE", token });
    expect((await remove("hourly", "reader")).status).toBe(403);
    expect((await remove("hourly")).body).toEqual({ removed: true });
    expect((await remove("hourly")).body).toEqual({ removed: false });
    expect((await call(`/scopes/${scope}/schedules`, { token: "reader" })).body).toEqual([]);
  });
});
