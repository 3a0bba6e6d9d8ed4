import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { watchIntent } from "durable-triggers/client";

/**
 * Spec → generated code → filled handlers → the example app in workerd:
 * the triggers in specs/orders.yaml, reached over HTTP as a user reaches them.
 */
const origin = "http://localhost";
const fetchApp: typeof fetch = (input, init) => exports.default.fetch(new Request(input, init));
let scopes = 0;
const scope = () => `generated-${Date.now()}-${++scopes}`;

const post = async (path: string, body: unknown) => {
  const response = await fetchApp(`${origin}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as any };
};
const get = async (path: string) => (await (await fetchApp(`${origin}${path}`)).json()) as any;
const settled = async (s: string, id: number, phase = "completed") => {
  const deadline = Date.now() + 10_000;
  while ((await get(`/scopes/${s}/intents/${id}`)).phase !== phase && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
  return (await get(`/scopes/${s}/intents/${id}`)).phase;
};

describe("generated triggers in the example app", () => {
  it("confirms an order and runs the report its commit enqueued in the same transaction", async () => {
    const s = scope();
    const orderId = "8f14e45f-ceea-467f-a0e6-0d3c1f9b5a2e";
    const order = await post(`/scopes/${s}/intents`, {
      triggerKind: "order.placed",
      payload: {
        orderId,
        items: [
          { sku: "tea", quantity: 2 },
          { sku: "cup", quantity: 1 },
        ],
      },
    });
    expect(order.status).toBe(201);
    expect(await settled(s, order.body.id)).toBe("completed");

    const [report] = await get(`/scopes/${s}/events?kinds=report.fetch.requested`);
    expect(report.payload).toEqual({ reportId: "order-8f14e45f", source: "orders", flaky: false, down: false });
    expect(await settled(s, report.id)).toBe("completed");
    const facts = await get(`/scopes/${s}/events?kinds=order.placed.confirmed,report.fetch.stored`);
    expect(facts.map((e: any) => e.kind)).toEqual(["order.placed.confirmed", "report.fetch.stored"]);
    expect(facts[0].payload).toEqual({ orderId, reservationId: `res-${order.body.id}`, units: 3 });
  });

  it("retries a flaky report and shows its stages to a watcher", async () => {
    const s = scope();
    const { body } = await post(`/scopes/${s}/intents`, {
      triggerKind: "report.fetch",
      payload: { reportId: "weekly", source: "payments", flaky: true },
    });
    const frames = [];
    for await (const frame of watchIntent(`${origin}/scopes/${s}/intents/${body.id}/watch`, { fetch: fetchApp })) frames.push(frame);
    const phases = frames.filter((f) => f.event === "phase").map((f) => (f.data as { phase: string }).phase);
    expect(phases).toContain("retry_scheduled");
    const stages = new Set(
      frames.filter((f) => f.event === "progress").map((f) => (f.data as { payload: { stage: string } }).payload.stage),
    );
    expect([...stages]).toEqual(expect.arrayContaining(["connecting", "downloading", "parsing"]));
    expect(frames.at(-1)?.event).toBe("completed");
    const [stored] = await get(`/scopes/${s}/events?kinds=report.fetch.stored`);
    expect(stored.payload).toMatchObject({ reportId: "weekly", attempts: 2 });
  });

  it("refuses payloads the spec refuses, naming the path of the bad field", async () => {
    const s = scope();
    const order = await post(`/scopes/${s}/intents`, {
      triggerKind: "order.placed",
      payload: { orderId: "nope", items: [{ sku: "tea", quantity: 0 }] },
    });
    expect(order.status).toBe(400);
    expect(order.body.error).toMatch(/payload refused: orderId: Invalid UUID; items\[0\]\.quantity: Too small/);
    const report = await post(`/scopes/${s}/intents`, {
      triggerKind: "report.fetch",
      payload: { reportId: "Weekly Report", source: "orders", extra: 1 },
    });
    expect(report.body.error).toMatch(/reportId: Invalid string: must match pattern/);
    expect(report.body.error).toMatch(/\$: Unrecognized key: "extra"/);
    expect(await get(`/scopes/${s}/events`)).toEqual([]);
  });
});
