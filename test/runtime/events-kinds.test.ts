import { describe, expect, it } from "vitest";
import { readSse, type SseMessage } from "../../runtime/client";
import { freshAgent, phaseOf, sse } from "./helpers";

describe("an empty kinds list", () => {
  it("reads every kind from events(), as no filter does", async () => {
    const { agent } = freshAgent("kinds-empty");
    const { id } = await agent.enqueueTrigger({ triggerKind: "test.script", payload: { id: "k-1", acquire: "return" } });
    await phaseOf(agent, id, "completed");
    const all = await agent.events();
    expect(all.map((e) => e.kind)).toEqual(["test.script.requested", "test.script.done"]);
    expect(await agent.events({ kinds: [] })).toEqual(all);
  });

  it("reads every kind from ctx.events() inside an acquire", async () => {
    const { agent } = freshAgent("kinds-empty-ctx");
    const { id } = await agent.enqueueTrigger({ triggerKind: "test.script", payload: { id: "k-2", acquire: "return", readKinds: [] } });
    await phaseOf(agent, id, "completed");
    const [done] = await agent.events({ kinds: ["test.script.done"] });
    expect(done?.payload).toMatchObject({ id: "k-2", seenKinds: ["test.script.requested"] });
  });

  it("tails every kind when ?kinds= is empty", async () => {
    const { agent } = freshAgent("kinds-empty-tail");
    await agent.enqueueTrigger({ triggerKind: "test.script", payload: { id: "k-3", acquire: "return" }, at: Date.now() + 60_000 });
    const tail = readSse((await sse.tail(agent, { kinds: [] })).body!);
    const first = (await tail.next()).value as SseMessage;
    await tail.return(undefined);
    expect(JSON.parse(first.data)).toMatchObject({ kind: "test.script.requested", payload: { id: "k-3" } });
  });
});
