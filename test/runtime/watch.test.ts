import { describe, expect, it } from "vitest";
import { readSse, watchIntent, type SseMessage, type WatchFrame } from "../../runtime/client";
import { eventually, freshAgent, phaseOf, release, sse } from "./helpers";

async function collect(response: Response, max = 100): Promise<SseMessage[]> {
  const frames: SseMessage[] = [];
  for await (const message of readSse(response.body!)) {
    frames.push(message);
    if (frames.length >= max) break;
  }
  return frames;
}

const shape = (frames: SseMessage[]) => frames.map((f) => [f.event, JSON.parse(f.data)]);

describe("watching an intent", () => {
  it("sends the current phase, the progress frames, then exactly one terminal frame, and ends", async () => {
    const { agent } = freshAgent("watch");
    const { id } = await agent.enqueueTrigger({ triggerKind: "test.script", payload: { id: "w-1", acquire: "gate", progress: 2 } });
    await phaseOf(agent, id, "claimed");
    const watching = collect(await sse.watch(agent, id));
    await release(agent, "w-1");

    const frames = shape(await watching);
    expect(frames.slice(0, 3)).toEqual([
      ["phase", { intentEventId: id, phase: "claimed" }],
      ["progress", { intentEventId: id, payload: { step: 1 } }],
      ["progress", { intentEventId: id, payload: { step: 2 } }],
    ]);
    expect(frames.slice(3)).toEqual([
      ["phase", { intentEventId: id, phase: "completed" }],
      [
        "completed",
        { intentEventId: id, triggerKind: "test.script", phase: "completed", settledAt: expect.any(Number), error: null, cancel: null },
      ],
    ]);
  });

  it("hands the typed client's terminal frame its error as an object, and progress typed as asked", async () => {
    const { agent } = freshAgent("watch-client");
    const { id } = await agent.enqueueTrigger({
      triggerKind: "test.script",
      payload: { id: "w-c", acquire: "throwNonRetryable", sync: true },
    });
    await phaseOf(agent, id, "failed");
    const frames: WatchFrame<{ step: number }>[] = [];
    const viaStub: typeof fetch = (input, init) => agent.fetch(new Request(input, init));
    for await (const frame of watchIntent<{ step: number }>(`https://agent/intents/${id}/watch`, { fetch: viaStub })) frames.push(frame);
    expect(frames.at(-1)).toEqual({
      event: "failed",
      data: {
        intentEventId: id,
        triggerKind: "test.script",
        phase: "failed",
        settledAt: expect.any(Number),
        error: { name: "NonRetryableError", message: "w-c: the address does not exist" },
        cancel: null,
      },
    });
    const progress = frames.flatMap((frame) => (frame.event === "progress" ? [frame.data.payload.step] : []));
    expect(progress).toEqual([]);
  });

  it("sends every intent's frames on one scope-wide watch, which stays open after each settles", async () => {
    const { agent } = freshAgent("watch-scope");
    const watching = (async (response: Response) => {
      const frames: SseMessage[] = [];
      for await (const message of readSse(response.body!)) {
        frames.push(message);
        if (frames.filter((f) => f.event === "completed").length === 2) return frames;
      }
      return frames;
    })(await agent.fetch("https://agent/intents/watch"));
    const ids: number[] = [];
    for (const n of [1, 2])
      ids.push((await agent.enqueueTrigger({ triggerKind: "test.script", payload: { id: `ws-${n}`, acquire: "gate", progress: 1 } })).id);
    await phaseOf(agent, ids[0]!, "claimed");
    await release(agent, "ws-1");
    await phaseOf(agent, ids[1]!, "claimed");
    await release(agent, "ws-2");
    const frames = shape(await watching);
    for (const id of ids) {
      const own = frames.filter(([, data]) => data.intentEventId === id).map(([event]) => event);
      expect(own).toContain("progress");
      expect(own.at(-1)).toBe("completed");
    }
    // Both settled on the one connection: the first terminal frame did not close it.
    expect(frames.filter(([event]) => event === "completed")).toHaveLength(2);
  });

  it("serves two watchers of one intent the same frames", async () => {
    const { agent } = freshAgent("watch-two");
    const { id } = await agent.enqueueTrigger({ triggerKind: "test.script", payload: { id: "w-2", acquire: "gate", progress: 3 } });
    await phaseOf(agent, id, "claimed");
    const first = collect(await sse.watch(agent, id));
    const second = collect(await sse.watch(agent, id));
    await release(agent, "w-2");
    const [a, b] = await Promise.all([first, second]);
    expect(a).toHaveLength(6);
    expect(b).toEqual(a);
  });

  it("answers a watcher of a settled intent with its phase and terminal frame at once", async () => {
    const { agent } = freshAgent("watch-settled");
    const { id } = await agent.enqueueTrigger({
      triggerKind: "test.script",
      payload: { id: "w-3", acquire: "return" },
      at: Date.now() + 60_000,
    });
    await agent.cancelTrigger({ triggerKind: "test.script", intentEventId: id, reason: "late" });
    expect(shape(await collect(await sse.watch(agent, id)))).toEqual([
      ["phase", { intentEventId: id, phase: "cancelled" }],
      [
        "cancelled",
        {
          intentEventId: id,
          triggerKind: "test.script",
          phase: "cancelled",
          settledAt: expect.any(Number),
          error: null,
          cancel: { requestedAt: expect.any(Number), reason: "late" },
        },
      ],
    ]);
  });

  it("shows the cancel request as a phase, and a disconnected watcher never cancels the work", async () => {
    const { agent } = freshAgent("watch-detach");
    const { id } = await agent.enqueueTrigger({ triggerKind: "test.script", payload: { id: "w-4", acquire: "ignoreAbort" } });
    await phaseOf(agent, id, "claimed");
    const leaving = await collect(await sse.watch(agent, id), 1); // reads one frame, then hangs up
    expect(shape(leaving)).toEqual([["phase", { intentEventId: id, phase: "claimed" }]]);

    const staying = collect(await sse.watch(agent, id));
    await agent.cancelTrigger({ triggerKind: "test.script", intentEventId: id });
    await release(agent, "w-4");
    const frames = shape(await staying);
    expect(frames.map(([event, data]) => `${event}:${data.phase ?? ""}`)).toEqual([
      "phase:claimed",
      "phase:cancel_requested",
      "phase:completed_after_cancel_requested",
      "completed:completed_after_cancel_requested",
    ]);
  });

  it("answers 404 for an intent that does not exist", async () => {
    const { agent } = freshAgent("watch-missing");
    expect((await sse.watch(agent, 77)).status).toBe(404);
  });
});

describe("tailing the ledger", () => {
  it("resumes after Last-Event-ID with no gap and no duplicate, then follows live appends", async () => {
    const { agent } = freshAgent("tail");
    for (let i = 0; i < 4; i++)
      await agent.enqueueTrigger({ triggerKind: "test.script", payload: { id: `t-${i}`, acquire: "return" }, at: Date.now() + 60_000 });

    const firstTwo = await collect(await sse.tail(agent), 2); // a client that drops after two events
    const lastSeen = Number(firstTwo.at(-1)!.id);
    const resumed = readSse((await sse.tail(agent, { afterId: lastSeen })).body!);
    const next = async () => (await resumed.next()).value as SseMessage;
    const backlog = [await next(), await next()];
    const live = await agent.enqueueTrigger({
      triggerKind: "test.script",
      payload: { id: "t-live", acquire: "return" },
      at: Date.now() + 60_000,
    });
    const fifth = await next();
    await resumed.return(undefined);

    const ids = [...firstTwo, ...backlog, fifth].map((m) => Number(m.id));
    expect(ids).toEqual([1, 2, 3, 4, live.id]);
    expect(JSON.parse(fifth.data)).toMatchObject({ id: live.id, kind: "test.script.requested", payload: { id: "t-live" } });
  });

  it("never sends an event whose transaction rolled back", async () => {
    const { agent } = freshAgent("tail-rollback");
    const tail = readSse((await sse.tail(agent, { kinds: ["test.slowRetry.done", "test.script.done"] })).body!);
    const boom = await agent.enqueueTrigger({
      triggerKind: "test.slowRetry",
      payload: { id: "rb", acquire: "return", commit: "throwAfterSideWrite" },
    });
    await phaseOf(agent, boom.id, "retry_scheduled");
    const fine = await agent.enqueueTrigger({ triggerKind: "test.script", payload: { id: "ok", acquire: "return" } });
    const first = (await tail.next()).value as SseMessage;
    await tail.return(undefined);
    expect(JSON.parse(first.data)).toMatchObject({ kind: "test.script.done", payload: { id: "ok" } });
    await eventually(
      () => agent.intentState(fine.id),
      (p) => p === "completed",
      "the fine intent",
    );
  });
});
