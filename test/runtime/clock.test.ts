import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { clockOf } from "../../runtime/store/clock.ts";
import { freshAgent, phaseOf, sleep } from "./helpers";

const HOUR = 3_600_000;

describe("the object's clock (the one place the runtime reads time)", () => {
  it("moved forward an hour, runs work due in an hour at once, and stamps its facts with the moved time", async () => {
    const { agent } = freshAgent("clock-advance");
    const at = Date.now() + HOUR;
    const { id } = await agent.enqueueTrigger({ triggerKind: "test.script", payload: { id: "later", acquire: "return" }, at });
    await sleep(50);
    expect(await agent.intentState(id)).toBe("scheduled");

    await runInDurableObject(agent, (instance) => clockOf(instance).advance(HOUR));
    expect(await phaseOf(agent, id, "completed")).toBe("completed");
    const facts = await agent.events({ kinds: ["test.script.done"] });
    expect(facts.length).toBe(1);
    expect(facts[0]!.ts).toBeGreaterThanOrEqual(at);
  });

  it("refuses to move back", async () => {
    const { agent } = freshAgent("clock-back");
    await runInDurableObject(agent, (instance) => expect(() => clockOf(instance).advance(-1)).toThrow(/at least 0/));
  });
});
