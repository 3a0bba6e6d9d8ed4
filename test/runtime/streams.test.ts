import { describe, expect, it } from "vitest";
import { readSse, type SseMessage } from "../../runtime/client";
import { eventually, freshAgent, phaseOf, release, sse, type TestAgent } from "./helpers";

/** Opens a stream and reads it frame by frame, as a client would. */
async function open(agent: TestAgent, streamKind: "test.stream" | "test.stream.continue" | "test.stream.ignored", start: object) {
  const frames = readSse((await sse.open(agent, streamKind, start)).body!);
  const next = async () => {
    const { value } = await frames.next();
    const message = value as SseMessage;
    return { event: message.event, data: JSON.parse(message.data) };
  };
  const opened = await next();
  return { streamRef: opened.data.streamRef as string, opened, next, hangUp: () => frames.return(undefined) };
}

async function readAll(next: () => Promise<{ event: string; data: any }>) {
  const frames = [];
  for (;;) {
    const frame = await next();
    frames.push(frame);
    if (["completed", "failed", "cancelled"].includes(frame.event)) return frames;
  }
}

const factsOf = (agent: TestAgent) => agent.events({ afterId: 0 });

describe("output-only attached streams", () => {
  it("sends opened, progress and output frames, then one terminal, with increasing seq and one terminal fact", async () => {
    const { agent } = freshAgent("stream");
    const stream = await open(agent, "test.stream", { id: "s-1", steps: 2, end: "complete" });
    const rest = await readAll(stream.next);

    expect([stream.opened, ...rest].map((f) => f.event)).toEqual(["opened", "progress", "output", "progress", "output", "completed"]);
    expect([stream.opened, ...rest].map((f) => f.data.seq)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(rest.every((f) => f.data.streamRef === stream.streamRef)).toBe(true);
    expect(rest[1]).toEqual({ event: "output", data: { streamRef: stream.streamRef, seq: 2, payload: { text: "chunk 1" } } });
    expect(rest.at(-1)?.data.payload).toEqual({ id: "s-1", steps: 2 });
    const facts = await factsOf(agent);
    expect(facts.map((e) => e.kind)).toEqual(["test.stream.completed"]);
    expect(facts[0]?.payload).toMatchObject({ id: "s-1", streamRef: stream.streamRef });
  });

  it("settles a run that ends without a terminal as failed", async () => {
    const { agent } = freshAgent("stream-no-terminal");
    const stream = await open(agent, "test.stream", { id: "s-2", steps: 1, end: "none" });
    const last = (await readAll(stream.next)).at(-1)!;
    expect(last).toMatchObject({ event: "failed", data: { error: { name: "MissingTerminal" } } });
    expect((await factsOf(agent)).map((e) => e.kind)).toEqual(["test.stream.failed"]);
  });

  it("settles a run that throws as failed with its error", async () => {
    const { agent } = freshAgent("stream-throw");
    const stream = await open(agent, "test.stream", { id: "s-3", steps: 0, end: "throw" });
    expect(await stream.next()).toMatchObject({ event: "failed", data: { error: { name: "Error", message: "run exploded" } } });
  });

  it("stops a cooperative stream on cancelStream, with the reason in its terminal frame and fact", async () => {
    const { agent } = freshAgent("stream-cancel");
    const stream = await open(agent, "test.stream", { id: "s-4", steps: 1, end: "gate" });
    await stream.next();
    await stream.next();
    expect(await agent.cancelStream({ streamRef: stream.streamRef, reason: "enough" })).toEqual({
      status: "requested",
      streamRef: stream.streamRef,
    });
    expect(await stream.next()).toEqual({ event: "cancelled", data: { streamRef: stream.streamRef, seq: 3, reason: "enough" } });
    expect((await factsOf(agent)).map((e) => e.kind)).toEqual(["test.stream.cancelled"]);
    expect((await agent.cancelStream({ streamRef: stream.streamRef })).status).toBe("already_completed");
    expect((await agent.cancelStream({ streamRef: "no-such-stream" })).status).toBe("not_found");
  });

  it("refuses a cancel reason over 1 024 bytes at the door: the stream runs on, untold, and ends as it would have", async () => {
    const { agent } = freshAgent("stream-cancel-big-reason");
    const stream = await open(agent, "test.stream", { id: "s-4b", steps: 0, end: "gate" });
    await expect(agent.cancelStream({ streamRef: stream.streamRef, reason: "é".repeat(513) })).rejects.toThrow(
      /cancelStream: reason is 1026 bytes of UTF-8, over the 1024-byte limit/,
    );
    await release(agent, "s-4b");
    expect(await stream.next()).toMatchObject({ event: "completed", data: { seq: 1 } });
    expect((await factsOf(agent)).map((e) => e.kind)).toEqual(["test.stream.completed"]);
  });

  it("answers ignored for a stream that declares cancellation: ignored, and it runs on", async () => {
    const { agent } = freshAgent("stream-ignored");
    const stream = await open(agent, "test.stream.ignored", { id: "s-5", steps: 0, end: "gate" });
    expect((await agent.cancelStream({ streamRef: stream.streamRef })).status).toBe("ignored");
    await release(agent, "s-5");
    expect((await stream.next()).event).toBe("cancel_ignored");
    expect((await stream.next()).event).toBe("completed");
  });

  it("tells the stream's watchers that a cancel was ignored, with the reason, and runs on", async () => {
    const { agent } = freshAgent("stream-ignored-frame");
    const stream = await open(agent, "test.stream.ignored", { id: "s-5b", steps: 0, end: "gate" });
    expect((await agent.cancelStream({ streamRef: stream.streamRef, reason: "stop please" })).status).toBe("ignored");
    expect(await stream.next()).toEqual({ event: "cancel_ignored", data: { streamRef: stream.streamRef, seq: 1, reason: "stop please" } });
    await agent.cancelStream({ streamRef: stream.streamRef });
    expect(await stream.next()).toEqual({ event: "cancel_ignored", data: { streamRef: stream.streamRef, seq: 2, reason: null } });
    await release(agent, "s-5b");
    expect(await stream.next()).toMatchObject({ event: "completed", data: { seq: 3 } });
  });

  it("aborts on detach when onDetach is abort: a disconnect is not a cancel request, but the run stops", async () => {
    const { agent } = freshAgent("stream-detach-abort");
    await open(agent, "test.stream", { id: "s-6", steps: 0, end: "gate" }).then((s) => s.hangUp());
    const facts = await eventually(
      () => factsOf(agent),
      (events) => events.length === 1,
      "the detached stream's terminal fact",
    );
    expect(facts[0]).toMatchObject({
      kind: "test.stream.cancelled",
      payload: { id: "s-6", terminal: { type: "cancelled", reason: "detached" } },
    });
  });

  it("runs on after a detach when onDetach is continue, and still commits its terminal", async () => {
    const { agent } = freshAgent("stream-detach-continue");
    await open(agent, "test.stream.continue", { id: "s-7", steps: 0, end: "gate" }).then((s) => s.hangUp());
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await factsOf(agent)).toEqual([]);
    await release(agent, "s-7");
    const facts = await eventually(
      () => factsOf(agent),
      (events) => events.length === 1,
      "the unwatched stream's terminal fact",
    );
    expect(facts[0]).toMatchObject({ kind: "test.stream.continue.completed", payload: { id: "s-7" } });
  });

  it("writes the runtime's own failure fact when commitTerminal throws", async () => {
    const { agent } = freshAgent("stream-commit-throws");
    const stream = await open(agent, "test.stream", { id: "s-8", steps: 0, end: "complete", failCommit: true });
    expect(await stream.next()).toMatchObject({ event: "failed", data: { error: { message: "commitTerminal exploded" } } });
    const facts = await factsOf(agent);
    expect(facts.map((e) => [e.kind, (e.payload as { terminal: string }).terminal])).toEqual([
      ["durable_trigger.stream_failed", "completed"],
    ]);
  });

  it("runs the follow-up work a terminal's commit enqueued", async () => {
    const { agent } = freshAgent("stream-follow-up");
    const stream = await open(agent, "test.stream", { id: "s-next", steps: 1, end: "complete", followUp: true });
    await readAll(stream.next);
    const [intent] = await eventually(
      () => agent.events({ kinds: ["test.script.requested"] }),
      (events) => events.length === 1,
      "the follow-up intent",
    );
    expect(intent?.payload).toEqual({ id: "s-next.next", acquire: "return" });
    expect(await phaseOf(agent, intent!.id, "completed")).toBe("completed");
  });

  it("refuses a bad start payload or an unknown kind before anything runs", async () => {
    const { agent } = freshAgent("stream-refused");
    const badStart = await sse.open(agent, "test.stream", { id: 1 });
    expect(badStart.status).toBe(400);
    expect(await badStart.json()).toEqual({ error: 'openStream "test.stream": start refused: id: expected a string' });
    const unknown = await sse.open(agent, "test.nope", {});
    expect(unknown.status).toBe(400);
    expect(((await unknown.json()) as { error: string }).error).toMatch(/unknown stream kind "test.nope"/);
    expect(await factsOf(agent)).toEqual([]);
  });
});
