import { exports } from "cloudflare:workers";
import { expect, it } from "vitest";

/**
 * The example app's use of #12, over HTTP: the refund declared in
 * specs/payments.yaml cancels order.placed work for the same order
 * (specs/orders.yaml's cancelOn), and report.fetch carries its timeouts and
 * its hourly default schedule.
 */
const origin = "http://localhost";
const fetchApp: typeof fetch = (input, init) => exports.default.fetch(new Request(input, init));
const post = async (path: string, body: unknown) => {
  const response = await fetchApp(`${origin}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as any };
};
const get = async (path: string) => (await (await fetchApp(`${origin}${path}`)).json()) as any;
let scopes = 0;
const scope = () => `time-events-${Date.now()}-${++scopes}`;

it("a refund from outside cancels the pending order for the same orderId, and no other", async () => {
  const s = scope();
  const registration = await get(`/scopes/${s}/registration`);
  expect(registration.events).toEqual([
    expect.objectContaining({ kind: "payment.refunded", payloadSchema: expect.objectContaining({ type: "object" }) }),
  ]);
  const orderId = "8f14e45f-ceea-467f-a0e6-0d3c1f9b5a2e";
  const later = Date.now() + 3_600_000;
  const order = await post(`/scopes/${s}/intents`, {
    triggerKind: "order.placed",
    payload: { orderId, items: [{ sku: "tea", quantity: 1 }] },
    at: later,
  });
  const other = await post(`/scopes/${s}/intents`, {
    triggerKind: "order.placed",
    payload: { orderId: "9f14e45f-ceea-467f-a0e6-0d3c1f9b5a2e", items: [{ sku: "tea", quantity: 1 }] },
    at: later,
  });
  expect([order.status, other.status]).toEqual([201, 201]);
  // Refused at the door with the path of the bad field; nothing is cancelled.
  const refused = await post(`/scopes/${s}/events`, { kind: "payment.refunded", payload: { orderId, amount: 0 } });
  expect(refused.status).toBe(400);
  expect((await get(`/scopes/${s}/intents/${order.body.id}`)).phase).toBe("scheduled");
  const refund = await post(`/scopes/${s}/events`, {
    kind: "payment.refunded",
    payload: { orderId, amount: 1200 },
    idempotencyKey: "evt_1",
  });
  expect(refund.status).toBe(201);
  expect((await get(`/scopes/${s}/intents/${order.body.id}`)).phase).toBe("cancelled");
  expect((await get(`/scopes/${s}/intents/${other.body.id}`)).phase).toBe("scheduled");
  const [cancelled] = await get(`/scopes/${s}/events?kinds=order.placed.cancelled`);
  expect(cancelled.payload).toEqual({ orderId, reason: `event:payment.refunded#${refund.body.id}` });
});

it("installs report.fetch's default schedule with a scope's first write, not its reads, and registers its timeouts in ms", async () => {
  const s = scope();
  const registration = await get(`/scopes/${s}/registration`);
  const report = registration.triggers.find((t: any) => t.kind === "report.fetch");
  expect(report.timeouts).toEqual({ startMs: 600_000, finishMs: 120_000 });
  expect(await get(`/scopes/${s}/schedules`)).toEqual([]);
  const later = Date.now() + 86_400_000;
  expect(
    (
      await post(`/scopes/${s}/intents`, {
        triggerKind: "order.placed",
        payload: { orderId: "0b9e2f6a-3c1d-4e5f-8a7b-9c0d1e2f3a4b", items: [{ sku: "tea", quantity: 1 }] },
        at: later,
      })
    ).status,
  ).toBe(201);
  const schedules = await get(`/scopes/${s}/schedules`);
  expect(schedules).toEqual([
    expect.objectContaining({
      key: "hourly-inventory",
      triggerKind: "report.fetch",
      everyMs: 3_600_000,
      cron: null,
      origin: "spec",
      lastFiredAt: null,
    }),
  ]);
  expect(schedules[0].nextFireAt).toBeGreaterThan(Date.now() + 3_500_000);
});
