import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { streamSteps } from "./gates";
import { freshAgent, phaseOf, release, sleep, sse, type TestAgent } from "./helpers";

const MiB = 1024 * 1024;
/** What one page of `events()` may carry, in bytes of payload JSON. */
const PAGE_BYTES = 8 * MiB;

/** `count` events of `kind` whose payload is exactly 1 MiB of JSON text, written straight into the ledger. */
async function bigEvents(agent: TestAgent, count: number, kind = "test.big") {
  await runInDurableObject(agent, (_, state) => {
    const payload = JSON.stringify("x".repeat(MiB - 2));
    state.storage.transactionSync(() => {
      for (let i = 0; i < count; i++)
        state.storage.sql.exec("INSERT INTO events (ts, kind, payload) VALUES (?, ?, ?)", Date.now(), kind, payload);
    });
  });
}

const payloadBytes = (events: { payload: unknown }[]) => events.reduce((sum, e) => sum + JSON.stringify(e.payload).length, 0);

/**
 * Counts the ledger rows the object reads from now on: every `SELECT … FROM
 * events` cursor is wrapped, in the object's own SQL handle.
 */
function countLedgerReads(agent: TestAgent): Promise<void> {
  return runInDurableObject(agent, (_, state) => {
    const sql = state.storage.sql as SqlStorage & { ledgerRowsRead?: number };
    const exec = sql.exec.bind(sql);
    sql.ledgerRowsRead = 0;
    sql.exec = ((query: string, ...bindings: unknown[]) => {
      const cursor = exec(query, ...(bindings as SqlStorageValue[]));
      if (!/FROM events\b/.test(query)) return cursor;
      return new Proxy(cursor, {
        get(target, key) {
          if (key === "next")
            return () => {
              const step = target.next();
              if (!step.done) sql.ledgerRowsRead! += 1;
              return step;
            };
          if (key === Symbol.iterator)
            return function* () {
              for (const row of target) {
                sql.ledgerRowsRead! += 1;
                yield row;
              }
            };
          if (key === "toArray")
            return () => {
              const rows = target.toArray();
              sql.ledgerRowsRead! += rows.length;
              return rows;
            };
          const value = Reflect.get(target, key);
          return typeof value === "function" ? value.bind(target) : value;
        },
      });
    }) as SqlStorage["exec"];
  });
}

const ledgerRowsRead = (agent: TestAgent) =>
  runInDurableObject(agent, (_, state) => (state.storage.sql as SqlStorage & { ledgerRowsRead?: number }).ledgerRowsRead ?? 0);

/** Reads an SSE body to the end of `count` events, keeping only their ids (the payloads are megabytes). */
async function readIds(body: ReadableStream<Uint8Array>, count: number): Promise<number[]> {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  const ids: number[] = [];
  let carry = "";
  try {
    while (ids.length < count) {
      const { value, done } = await reader.read();
      if (done) break;
      const text = carry + value;
      for (const match of text.matchAll(/(?:^|\n)id: (\d+)\n/g)) ids.push(Number(match[1]));
      // An id line split between two chunks is found in the next one; a longer rest is payload.
      const rest = text.slice(text.lastIndexOf("\n") + 1);
      carry = rest.length <= 32 ? `\n${rest}` : "";
    }
  } finally {
    await reader.cancel().catch(() => {});
  }
  return ids;
}

describe("reads are bounded by bytes as well as count", () => {
  it("events() stops a page at its byte budget, and paging after the last id reaches every event", async () => {
    const { agent } = freshAgent("bytes-events");
    await bigEvents(agent, 40);
    const first = await agent.events();
    expect(first.length).toBeGreaterThanOrEqual(1);
    expect(first.length).toBeLessThan(40);
    expect(payloadBytes(first)).toBeLessThanOrEqual(PAGE_BYTES);

    const ids = first.map((e) => e.id);
    for (let page = first; page.length > 0; ) {
      page = await agent.events({ afterId: ids.at(-1)! });
      expect(payloadBytes(page)).toBeLessThanOrEqual(PAGE_BYTES);
      ids.push(...page.map((e) => e.id));
    }
    expect(ids).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
  });

  it("always answers at least one event, however large", async () => {
    const { agent } = freshAgent("bytes-one");
    await bigEvents(agent, 2);
    expect((await agent.events({ limit: 1 })).map((e) => e.id)).toEqual([1]);
    expect((await agent.events({ afterId: 1 })).map((e) => e.id)).toEqual([2]);
  });

  it("ctx.events() inside an acquire stops at the same budget", async () => {
    const { agent } = freshAgent("bytes-ctx");
    await bigEvents(agent, 12);
    const { id } = await agent.enqueueTrigger({
      triggerKind: "test.script",
      payload: { id: "b-1", acquire: "return", readKinds: ["test.big"] },
    });
    await phaseOf(agent, id, "completed");
    const [done] = await agent.events({ kinds: ["test.script.done"] });
    const seen = (done!.payload as { seenKinds: string[] }).seenKinds;
    expect(seen.length).toBeGreaterThanOrEqual(1);
    expect(seen.length * MiB).toBeLessThanOrEqual(PAGE_BYTES);
  });

  it("a ledger tail nobody reads stops reading the ledger, and sends all of it once read", async () => {
    const { agent } = freshAgent("bytes-tail");
    await bigEvents(agent, 40);
    await countLedgerReads(agent);
    const response = await sse.tail(agent);
    await sleep(300);
    const readWhileIdle = await ledgerRowsRead(agent);
    expect(readWhileIdle).toBeGreaterThanOrEqual(1);
    expect(readWhileIdle).toBeLessThanOrEqual(8);
    expect(await readIds(response.body!, 40)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
  });

  it("an attached stream whose client does not read is held back, and runs on when read", async () => {
    const { agent } = freshAgent("bytes-stream");
    const response = await sse.open(agent, "test.stream", { id: "big-stream", steps: 40, end: "gate", padding: 256 * 1024 });
    await sleep(300);
    // 1 MiB of room, 256 KiB a step: a few steps, not forty.
    expect(streamSteps.get("big-stream")).toBeLessThanOrEqual(8);
    const reading = new Response(response.body).text();
    await sleep(100);
    await release(agent, "big-stream");
    const text = await reading;
    expect(streamSteps.get("big-stream")).toBe(40);
    expect(text).toMatch(/event: completed\n/);
  });

  it("an intent watcher that does not read skips progress once 1 MiB behind, and still gets its terminal frame", async () => {
    const { agent } = freshAgent("bytes-watch");
    const { id } = await agent.enqueueTrigger({
      triggerKind: "test.script",
      payload: { id: "big-progress", acquire: "gate", progress: 20, progressPadding: 256 * 1024 },
    });
    await phaseOf(agent, id, "claimed");
    const response = await sse.watch(agent, id);
    await release(agent, "big-progress");
    await phaseOf(agent, id, "completed");
    const frames = [...(await response.text()).matchAll(/^event: (\w+)$/gm)].map((m) => m[1]);
    const progress = frames.filter((event) => event === "progress").length;
    expect(progress).toBeGreaterThanOrEqual(1);
    expect(progress).toBeLessThanOrEqual(8);
    expect(frames.slice(-2)).toEqual(["phase", "completed"]);
  });
});
