import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { readSse, tailLedger, watchIntent } from "durable-triggers/client";
import type { Registration } from "durable-triggers";

const origin = "http://localhost";
const fetchApp: typeof fetch = (input, init) => exports.default.fetch(new Request(input, init));
let scopes = 0;
const scope = () => `live-${Date.now()}-${++scopes}`;

async function enqueue(s: string, body: object): Promise<number> {
  const response = await fetchApp(`${origin}/scopes/${s}/intents`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return ((await response.json()) as { id: number }).id;
}

describe("live progress through the example app", () => {
  it("watches a countdown with the typed client: phase, progress, then the terminal frame", async () => {
    const s = scope();
    const id = await enqueue(s, { triggerKind: "timer.countdown", payload: { id: "c", seconds: 2 } });
    const frames = [];
    for await (const frame of watchIntent(`${origin}/scopes/${s}/intents/${id}/watch`, { fetch: fetchApp })) frames.push(frame);
    expect(frames[0]?.event).toBe("phase");
    const progress = frames.filter((f) => f.event === "progress").map((f) => (f.data as { payload: unknown }).payload);
    expect(progress.at(-1)).toEqual({ remaining: 0, of: 2 });
    expect(frames.at(-1)).toMatchObject({ event: "completed", data: { intentEventId: id, phase: "completed" } });
  });

  it("tails the ledger with the typed client, resuming after the last event it saw", async () => {
    const s = scope();
    await enqueue(s, { triggerKind: "tutorial.cancelable", payload: { id: "a" }, at: Date.now() + 60_000 });
    await enqueue(s, { triggerKind: "tutorial.cancelable", payload: { id: "b" }, at: Date.now() + 60_000 });
    const controller = new AbortController();
    const seen = [];
    for await (const event of tailLedger(`${origin}/scopes/${s}/events/stream`, {
      fetch: fetchApp,
      afterId: 1,
      signal: controller.signal,
    })) {
      seen.push(event);
      if (seen.length === 1) await enqueue(s, { triggerKind: "tutorial.cancelable", payload: { id: "c" }, at: Date.now() + 60_000 });
      if (seen.length === 2) break;
    }
    controller.abort();
    expect(seen.map((e) => [e.id, (e.payload as { id: string }).id])).toEqual([
      [2, "b"],
      [3, "c"],
    ]);
  });

  it("streams text.generate frames and cancels it by streamRef", async () => {
    const s = scope();
    const response = await fetchApp(`${origin}/scopes/${s}/streams/text.generate`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ prompt: "hello", words: 50 }),
    });
    const frames = readSse(response.body!);
    const opened = JSON.parse((await frames.next()).value!.data);
    const output = (await frames.next()).value!;
    expect(output.event).toBe("output");
    const cancel = await fetchApp(`${origin}/scopes/${s}/streams/${opened.streamRef}/cancel`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ reason: "enough" }),
    });
    expect(await cancel.json()).toEqual({ status: "requested", streamRef: opened.streamRef });
    let last: { data: string } | undefined;
    for await (const frame of frames) last = frame;
    expect(last).toMatchObject({ event: "cancelled" });
    expect(JSON.parse(last!.data).reason).toBe("enough");
    const facts = await (await fetchApp(`${origin}/scopes/${s}/events?kinds=text.generate.cancelled`)).json();
    expect(facts).toEqual([expect.objectContaining({ payload: { streamRef: opened.streamRef, prompt: "hello", reason: "enough" } })]);
  });

  it("serves the console, which reads server-sent events with the client's own readSse", async () => {
    const response = await fetchApp(`${origin}/`);
    expect(response.headers.get("content-type")).toMatch(/text\/html/);
    const page = await response.text();
    expect(page).toContain("durable</b>-triggers · console");
    expect(page).toContain(readSse.toString());
  });

  it("lists the registration the console builds its forms from: every trigger and stream, with JSON Schemas from the specs", async () => {
    const registration = (await (await fetchApp(`${origin}/scopes/${scope()}/registration`)).json()) as Registration;
    expect(registration.triggers.map((t) => t.kind).sort()).toEqual([
      "order.placed",
      "report.fetch",
      "timer.countdown",
      "tutorial.cancelable",
    ]);
    expect(registration.triggers.find((t) => t.kind === "timer.countdown")).toMatchObject({
      cancellation: "cooperative",
      concurrency: 10,
      retry: { maxAttempts: 3 },
      intentSchema: { type: "object", required: ["id", "seconds"], properties: { seconds: { type: "integer", minimum: 1, maximum: 600 } } },
    });
    expect(registration.streams).toEqual([
      expect.objectContaining({ kind: "text.generate", onDetach: "abort", startSchema: expect.objectContaining({ type: "object" }) }),
    ]);
  });
});
