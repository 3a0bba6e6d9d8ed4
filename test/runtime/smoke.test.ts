import { describe, expect, it } from "vitest";
import { freshAgent, phaseOf } from "./helpers";

describe("smoke", () => {
  it("enqueues, drains on a real alarm and writes the completion fact", async () => {
    const { agent } = freshAgent();
    const { id } = await agent.enqueueTrigger({ triggerKind: "test.script", payload: { id: "a", acquire: "return" } });
    expect(await phaseOf(agent, id, "completed")).toBe("completed");
    const events = await agent.events();
    expect(events.map((e) => e.kind)).toEqual(["test.script.requested", "test.script.done"]);
  });
});
