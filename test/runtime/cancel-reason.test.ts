import { describe, expect, it } from "vitest";
import { freshAgent, storeOf } from "./helpers";

const inAnHour = () => Date.now() + 3_600_000;

describe("cancelTrigger's reason", () => {
  it("refuses a reason over 1 024 bytes at the door and writes nothing: the work stays due in an hour", async () => {
    const { agent } = freshAgent("cancel-reason-big");
    const { id } = await agent.enqueueTrigger({ triggerKind: "test.script", payload: { id: "big-1", acquire: "return" }, at: inAnHour() });
    const before = await storeOf(agent);

    // 3 MB: over SQLite's row limit too, which is how a refused call used to write on its way out.
    await expect(
      agent.cancelTrigger({ triggerKind: "test.script", intentEventId: id, reason: "x".repeat(3 * 1024 * 1024) }),
    ).rejects.toThrow(/reason is \d+ bytes of UTF-8, over the 1024-byte limit/);

    expect(await storeOf(agent)).toEqual(before);
    expect(await agent.intentState(id)).toBe("scheduled");
  });

  it("measures the reason in bytes of UTF-8, not in characters", async () => {
    const { agent } = freshAgent("cancel-reason-bytes");
    const { id } = await agent.enqueueTrigger({
      triggerKind: "test.script",
      payload: { id: "bytes-1", acquire: "return" },
      at: inAnHour(),
    });
    const before = await storeOf(agent);

    // 600 characters, 1 200 bytes.
    await expect(agent.cancelTrigger({ triggerKind: "test.script", intentEventId: id, reason: "é".repeat(600) })).rejects.toThrow(
      /reason is \d+ bytes of UTF-8, over the 1024-byte limit/,
    );
    expect(await storeOf(agent)).toEqual(before);

    const atLimit = "é".repeat(512);
    expect(await agent.cancelTrigger({ triggerKind: "test.script", intentEventId: id, reason: atLimit })).toEqual({
      status: "cancelled",
      intentEventId: id,
    });
    const facts = await agent.events({ kinds: ["test.script.cancelled"] });
    expect(facts.map((e) => e.payload)).toEqual([{ id: "bytes-1", reason: atLimit }]);
  });

  it("refuses a reason that is not a string, and writes nothing", async () => {
    const { agent } = freshAgent("cancel-reason-type");
    const { id } = await agent.enqueueTrigger({ triggerKind: "test.script", payload: { id: "type-1", acquire: "return" }, at: inAnHour() });
    const before = await storeOf(agent);
    await expect(agent.cancelTrigger({ triggerKind: "test.script", intentEventId: id, reason: 42 as never })).rejects.toThrow(
      /reason must be a string/,
    );
    expect(await storeOf(agent)).toEqual(before);
  });
});
