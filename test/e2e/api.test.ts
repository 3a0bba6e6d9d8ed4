import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";

/** The tutorial, as a person runs it with curl against `npm start`. */
const call = async (path: string, init?: { method?: string; body?: unknown }) => {
  const response = await exports.default.fetch(`http://localhost${path}`, {
    method: init?.method ?? (init?.body === undefined ? "GET" : "POST"),
    ...(init?.body === undefined ? {} : { body: JSON.stringify(init.body), headers: { "content-type": "application/json" } }),
  });
  return { status: response.status, body: (await response.json()) as any };
};

const until = async (path: string, done: (body: any) => boolean, timeoutMs = 8_000) => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { body } = await call(path);
    if (done(body) || Date.now() > deadline) return body;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
};

let scopes = 0;
const scope = () => `tutorial-${Date.now()}-${++scopes}`;

describe("the example app's JSON API", () => {
  it("runs the tutorial: enqueue, cancel the running job, read the cancelled fact", async () => {
    const s = scope();
    const enqueued = await call(`/scopes/${s}/intents`, {
      body: { triggerKind: "tutorial.cancelable", payload: { id: "job-1" }, at: Date.now() },
    });
    expect(enqueued.status).toBe(201);
    const { id } = enqueued.body;
    expect(await until(`/scopes/${s}/intents/${id}`, (b) => b.phase === "claimed")).toMatchObject({ intentEventId: id, phase: "claimed" });

    const cancel = await call(`/scopes/${s}/intents/${id}/cancel`, { body: { triggerKind: "tutorial.cancelable", reason: "user" } });
    expect(cancel.body.status).toBe("requested");

    expect((await until(`/scopes/${s}/intents/${id}`, (b) => b.phase === "cancelled")).phase).toBe("cancelled");
    const facts = await call(`/scopes/${s}/events?kinds=tutorial.cancelable.cancelled`);
    expect(facts.body.map((e: any) => e.payload)).toEqual([{ id: "job-1", reason: "user" }]);
  });

  it("completes the tutorial job when nobody cancels it", async () => {
    const s = scope();
    const { body } = await call(`/scopes/${s}/intents`, { body: { triggerKind: "tutorial.cancelable", payload: { id: "job-2" } } });
    expect((await until(`/scopes/${s}/intents/${body.id}`, (b) => b.phase === "completed")).phase).toBe("completed");
    const facts = await call(`/scopes/${s}/events?afterId=${body.id}`);
    expect(facts.body.map((e: any) => [e.kind, e.payload])).toEqual([
      ["tutorial.cancelable.done", { id: "job-2", result: "processed job-2" }],
    ]);
  });

  it("cancels pending work at once and runs a countdown to its finished fact", async () => {
    const s = scope();
    const later = await call(`/scopes/${s}/intents`, {
      body: { triggerKind: "timer.countdown", payload: { id: "later", seconds: 5 }, at: Date.now() + 60_000 },
    });
    const cancelled = await call(`/scopes/${s}/intents/${later.body.id}/cancel`, { body: { triggerKind: "timer.countdown" } });
    expect(cancelled.body).toEqual({ status: "cancelled", intentEventId: later.body.id });

    const now = await call(`/scopes/${s}/intents`, { body: { triggerKind: "timer.countdown", payload: { id: "now", seconds: 1 } } });
    await until(`/scopes/${s}/intents/${now.body.id}`, (b) => b.phase === "completed");
    const list = await call(`/scopes/${s}/intents`);
    expect(list.body.map((i: any) => [i.intentEventId, i.phase])).toEqual([
      [now.body.id, "completed"],
      [later.body.id, "cancelled"],
    ]);
  });

  it("lists intents newest first, a page at a time with limit and beforeId", async () => {
    const s = scope();
    const ids: number[] = [];
    for (let n = 0; n < 5; n++) {
      const later = Date.now() + 3_600_000;
      ids.push(
        (await call(`/scopes/${s}/intents`, { body: { triggerKind: "timer.countdown", payload: { id: `c-${n}`, seconds: 1 }, at: later } }))
          .body.id,
      );
    }
    const first = (await call(`/scopes/${s}/intents?limit=2`)).body;
    expect(first.map((i: any) => i.intentEventId)).toEqual([ids[4], ids[3]]);
    const second = (await call(`/scopes/${s}/intents?limit=2&beforeId=${first.at(-1).intentEventId}`)).body;
    expect(second.map((i: any) => [i.intentEventId, i.phase])).toEqual([
      [ids[2], "scheduled"],
      [ids[1], "scheduled"],
    ]);
    expect((await call(`/scopes/${s}/intents?beforeId=abc`)).status).toBe(400);
  });

  it("refuses bad requests with 400 and the path of the bad field, writing nothing", async () => {
    const s = scope();
    const bad = await call(`/scopes/${s}/intents`, { body: { triggerKind: "timer.countdown", payload: { id: "x", seconds: "ten" } } });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatch(/payload refused: seconds: /);
    const unknown = await call(`/scopes/${s}/intents`, { body: { triggerKind: "nope", payload: {} } });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error).toMatch(/unknown trigger kind "nope"/);
    expect((await call(`/scopes/${s}/intents/abc`)).status).toBe(400);
    expect((await call(`/scopes/${s}/intents/99`)).status).toBe(404);
    expect((await call(`/scopes/${s}/events`)).body).toEqual([]);
  });
});
