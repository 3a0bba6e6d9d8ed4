import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { AgentMethods } from "../../runtime";
import { HIGH_WATER_BYTES } from "../../runtime/live/sse";
import { readChunks, type Read } from "../sse-chunks";
import { freshAgent, type TestAgent } from "./helpers";

/** Enough facts that one chunk a frame is thousands of writes, and coalescing still spans several chunks. */
const FACTS = 20_000;

/** `count` small facts in one transaction, written straight to the ledger (the fastest way to a big one). */
async function manyFacts(agent: TestAgent, count: number): Promise<void> {
  await runInDurableObject(agent, (_, state) => {
    state.storage.transactionSync(() => {
      for (let i = 0; i < count; i++)
        state.storage.sql.exec("INSERT INTO events (ts, kind, payload) VALUES (?, ?, ?)", Date.now(), "test.fact", `{"n":${i}}`);
    });
  });
}

type Agent = Pick<AgentMethods, "enqueueTrigger">;

/**
 * Opens a tail from `afterId` inside the object and reads its raw body
 * there until `count` event ids have arrived, counting the chunks they came
 * in: each `read()` is one chunk the object wrote. (Read through the stub
 * instead, the body crosses a pipe that splits it again at about 4 KiB.)
 * `meanwhile` runs once the tail is open.
 */
function tailChunks(agent: TestAgent, afterId: number, count: number, meanwhile: (object: Agent) => void = () => {}): Promise<Read> {
  return runInDurableObject(agent, async (instance) => {
    const response = await instance.fetch!(new Request("https://agent/events/stream", { headers: { "last-event-id": String(afterId) } }));
    meanwhile(instance as unknown as Agent);
    return readChunks(response.body!, count);
  });
}

const oneToN = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

describe("server-sent events go out in chunks, not one write a frame", () => {
  it("a tail of a big ledger from Last-Event-ID 0 sends a page of frames as one chunk", async () => {
    const { agent } = freshAgent("chunks-tail");
    await manyFacts(agent, FACTS);
    const { chunks, bytes, ids } = await tailChunks(agent, 0, FACTS);
    expect(ids).toEqual(oneToN(FACTS));
    // One chunk a frame was 20 000 writes. Coalesced, a chunk is what the client had room for:
    // about 1 MiB, so the whole tail fits in a few (the heartbeat aside, which is 15 s away).
    expect(chunks).toBeLessThanOrEqual(Math.ceil(bytes / HIGH_WATER_BYTES) + 2);
  });

  it("frames appended at once reach a caught-up tail as one chunk", async () => {
    const { agent } = freshAgent("chunks-live");
    // The tail is open and has sent nothing (the ledger is empty). 500 facts are appended, each as
    // its own enqueue and transaction, all in one turn: the tail sends them together.
    const { chunks, ids } = await tailChunks(agent, 0, 500, (object) => {
      for (let i = 0; i < 500; i++) void object.enqueueTrigger({ triggerKind: "test.any", payload: { id: `live-${i}` } });
    });
    expect(ids).toEqual(oneToN(500));
    expect(chunks).toBe(1);
  });
});
