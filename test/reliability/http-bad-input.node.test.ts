import { request as httpRequest } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startWranglerDev, type DevServer } from "../browser/wrangler-dev";

/**
 * Every route of the operator API against `npm start`'s server, with every
 * kind of malformed input: each answer is a 4xx JSON `{ error }`, never a
 * 500, and the scope's ledger and intents are the same afterwards.
 */
let server: DevServer;
beforeAll(async () => {
  server = await startWranglerDev();
}, 90_000);
afterAll(() => server?.stop());

const deep = (depth: number) => `${"[".repeat(depth)}${"]".repeat(depth)}`;
const json = { "content-type": "application/json" };
const mb = (n: number) => "x".repeat(n * 1024 * 1024);

interface Case {
  readonly method?: string;
  readonly path: string;
  readonly headers?: Record<string, string>;
  readonly body?: string;
  readonly status: number;
}

/** The battery, for scope `s` holding intent 1. */
function battery(s: string): Case[] {
  const intents = `/scopes/${s}/intents`;
  const enqueue = (body: string, headers: Record<string, string> = json): Case => ({
    method: "POST",
    path: intents,
    headers,
    body,
    status: 400,
  });
  const badIds = ["0x10", "%205", "abc", "0", "-1", "1e3", "1.5", "99999999999999999999", "%E0%A4%A"];
  return [
    ...["abc", "0", "1001", "%205", "0x10", "-3", "1e2"].flatMap((limit) => [
      { path: `/scopes/${s}/events?limit=${limit}`, status: 400 },
      { path: `${intents}?limit=${limit}`, status: 400 },
    ]),
    ...["abc", "-1", "1e3", "0x10", "%205"].map((afterId) => ({ path: `/scopes/${s}/events?afterId=${afterId}`, status: 400 })),
    ...["abc", "0", "0x10"].map((beforeId) => ({ path: `${intents}?beforeId=${beforeId}`, status: 400 })),
    { path: `/scopes/${s}/events?kinds=${encodeURIComponent("bad kind!")}`, status: 400 },
    { path: `/scopes/${s}/events?kinds=${Array.from({ length: 51 }, (_, i) => `k${i}`).join(",")}`, status: 400 },
    ...badIds.flatMap((id) => [
      { path: `${intents}/${id}`, status: 400 },
      { path: `${intents}/${id}/watch`, status: 400 },
      { method: "POST", path: `${intents}/${id}/cancel`, headers: json, body: '{"triggerKind":"timer.countdown"}', status: 400 },
    ]),
    { path: `${intents}/2`, status: 404 },
    ...["abc", "0x10", "-1", "1e3"].map((id) => ({ path: `/scopes/${s}/events/stream`, headers: { "last-event-id": id }, status: 400 })),
    { path: `/scopes/${s}/events/stream?afterId=0x10`, status: 400 },
    { path: `/scopes/${s}/events/stream?kinds=${encodeURIComponent("no good")}`, status: 400 },
    { method: "POST", path: `/scopes/${s}/streams/%E0%A4%A`, headers: json, body: "{}", status: 400 },
    { method: "POST", path: `/scopes/${s}/streams/no.such.stream`, headers: json, body: "{}", status: 400 },
    { method: "POST", path: `/scopes/${s}/streams/text.generate`, headers: { "content-type": "text/plain" }, body: "{}", status: 415 },
    { method: "POST", path: `/scopes/%E0%A4%A/intents`, headers: json, body: "{}", status: 400 },
    { path: `/scopes/${"s".repeat(300)}/intents`, status: 400 },
    enqueue("not json"),
    enqueue("[]"),
    enqueue(""),
    enqueue('{"triggerKind":"nope","payload":{}}'),
    enqueue('{"triggerKind":"timer.countdown","payload":{"id":"x","seconds":"ten"}}'),
    enqueue('{"triggerKind":"timer.countdown","payload":{"id":"x","seconds":1},"at":1e308}'),
    ...[100, 1_000, 5_000, 100_000].map((depth) => enqueue(`{"triggerKind":"timer.countdown","payload":${deep(depth)}}`)),
    { ...enqueue(JSON.stringify({ triggerKind: "timer.countdown", payload: { id: mb(2), seconds: 1 } })), status: 413 },
    { ...enqueue('{"triggerKind":"timer.countdown","payload":{"id":"x","seconds":1}}', { "content-type": "text/plain" }), status: 415 },
    {
      ...enqueue('{"triggerKind":"timer.countdown","payload":{"id":"x","seconds":1}}', { ...json, origin: "http://evil.example" }),
      status: 403,
    },
    {
      method: "POST",
      path: `${intents}/1/cancel`,
      headers: json,
      body: JSON.stringify({ triggerKind: "timer.countdown", reason: mb(3) }),
      status: 413,
    },
    {
      method: "POST",
      path: `${intents}/1/cancel`,
      headers: json,
      body: JSON.stringify({ triggerKind: "timer.countdown", reason: 5 }),
      status: 400,
    },
    { method: "POST", path: `${intents}/1/cancel`, headers: json, body: JSON.stringify({ triggerKind: "nope" }), status: 400 },
    { method: "POST", path: `/scopes/${s}/streams/some-ref/cancel`, headers: json, body: JSON.stringify({ reason: mb(3) }), status: 413 },
    { path: "/nope", status: 404 },
    { path: `/scopes/${s}/nope`, status: 404 },
    { method: "PUT", path: intents, headers: json, body: "{}", status: 404 },
    { method: "DELETE", path: `${intents}/1`, status: 404 },
  ];
}

describe("the operator API against wrangler dev", () => {
  it("answers every malformed request with its 4xx JSON error, and the scope is unchanged", async () => {
    const s = `bad-input-${Date.now()}`;
    const first = await fetch(`${server.url}/scopes/${s}/intents`, {
      method: "POST",
      headers: json,
      body: JSON.stringify({ triggerKind: "timer.countdown", payload: { id: "later", seconds: 1 }, at: Date.now() + 3_600_000 }),
    });
    expect(await first.json()).toEqual({ id: 1 });
    const store = async () => [
      await (await fetch(`${server.url}/scopes/${s}/events`)).json(),
      await (await fetch(`${server.url}/scopes/${s}/intents`)).json(),
    ];
    const before = await store();

    const answers: string[] = [];
    for (const { method = "GET", path, headers, body, status } of battery(s)) {
      const response = await fetch(`${server.url}${path}`, {
        method,
        ...(headers ? { headers } : {}),
        ...(body === undefined ? {} : { body }),
      });
      const text = await response.text();
      let error: unknown;
      try {
        error = (JSON.parse(text) as { error?: unknown }).error;
      } catch {
        error = undefined;
      }
      answers.push(
        `${method} ${path.slice(0, 80)} → ${response.status} ${typeof error === "string" ? "JSON" : `not JSON: ${text.slice(0, 60)}`}`,
      );
      expect.soft(response.status, `${method} ${path.slice(0, 120)}: ${text.slice(0, 200)}`).toBe(status);
      expect.soft(response.headers.get("content-type"), `${method} ${path.slice(0, 120)}`).toMatch(/^application\/json/);
      expect.soft(typeof error, `${method} ${path.slice(0, 120)}`).toBe("string");
    }
    expect(answers.length).toBeGreaterThan(80);
    expect(await store()).toEqual(before);
  });

  it("refuses a Host that is not loopback (DNS rebinding), since the example has no authorize hook", async () => {
    const { port } = new URL(server.url);
    const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = httpRequest({ host: "127.0.0.1", port, path: "/scopes/x/events", headers: { host: `evil.example:${port}` } }, (res) => {
        let body = "";
        res.on("data", (chunk) => (body += chunk));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on("error", reject);
      req.end();
    });
    expect(answer.status).toBe(403);
    expect(JSON.parse(answer.body).error).toMatch(/answers on a loopback host only/);
  });
});
