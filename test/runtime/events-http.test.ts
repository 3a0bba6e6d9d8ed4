import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { operatorApi } from "../../runtime/operator/index.ts";
import type { EventsAgentDO } from "./events-worker";
import { freshEventsAgent, wholeStore } from "./events-helpers";

type EventsEnv = { EVENTS: DurableObjectNamespace<InstanceType<typeof EventsAgentDO>> };
/** The operator surface over the events test object, every request allowed: the door's own checks are what is tested. */
const api = operatorApi<EventsEnv>({ namespace: (e) => e.EVENTS, authorize: () => true });

async function post(scope: string, body: string, contentType = "application/json") {
  const request = new Request(`https://ops.example/scopes/${scope}/events`, {
    method: "POST",
    headers: { "content-type": contentType },
    body,
  });
  const response = await api.fetch(request, env as unknown as EventsEnv);
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe("POST /scopes/:scope/events, a webhook's door", () => {
  it("answers 201 with the new event's id, then 200 with the same id for the same idempotency key", async () => {
    const { agent, scope } = freshEventsAgent("http-emit");
    const body = JSON.stringify({ kind: "payment.refunded", payload: { orderId: "o-1", amount: 3 }, idempotencyKey: "wh-1" });
    const first = await post(scope, body);
    expect(first).toEqual({ status: 201, body: { id: expect.any(Number), duplicate: false } });
    expect(await post(scope, body)).toEqual({ status: 200, body: { id: first.body["id"], duplicate: true } });
    expect((await agent.events()).map((e) => [e.kind, e.payload])).toEqual([["payment.refunded", { orderId: "o-1", amount: 3 }]]);
  });

  it.each([
    ["an unknown kind", JSON.stringify({ kind: "payment.lost", payload: {} }), 400, /unknown event kind "payment.lost"/],
    ["a reserved kind", JSON.stringify({ kind: "durable_trigger.failed", payload: {} }), 400, /reserved for the runtime's own facts/],
    [
      "a payload its parser refuses",
      JSON.stringify({ kind: "payment.refunded", payload: { orderId: 1 } }),
      400,
      /payload refused: orderId: expected a string/,
    ],
    ["no payload", JSON.stringify({ kind: "note.added" }), 400, /emitEvent "note.added": payload at \$: a undefined is not JSON/],
    [
      "an empty idempotency key",
      JSON.stringify({ kind: "note.added", payload: { text: "x" }, idempotencyKey: "" }),
      400,
      /idempotencyKey must be a non-empty string/,
    ],
    [
      "a 1 MiB idempotency key",
      JSON.stringify({ kind: "note.added", payload: { text: "x" }, idempotencyKey: "k".repeat(1024 * 1024) }),
      400,
      /idempotencyKey is 1048576 bytes of UTF-8, over the 1024-byte limit/,
    ],
    ["a body that is not JSON", "{kind:", 400, /not JSON/],
    ["a body that is not an object", "[]", 400, /must be a JSON object/],
  ])("refuses %s with a 4xx JSON error, writing nothing", async (_, body, status, message) => {
    const { agent, scope } = freshEventsAgent("http-refused");
    await agent.emitEvent({ kind: "note.added", payload: { text: "before" } });
    const before = await wholeStore(agent);
    const answer = await post(scope, body);
    expect(answer.status).toBe(status);
    expect(String(answer.body["error"])).toMatch(message);
    expect(await wholeStore(agent)).toEqual(before);
  });

  it("refuses a body sent as a form with 415", async () => {
    const { scope } = freshEventsAgent("http-form");
    expect((await post(scope, "kind=note.added", "application/x-www-form-urlencoded")).status).toBe(415);
  });
});
