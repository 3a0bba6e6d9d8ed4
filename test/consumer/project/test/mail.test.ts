import { env, exports } from "cloudflare:workers";
import { settled } from "durable-triggers/testing";
import { expect, it } from "vitest";

const until = async (check: () => Promise<boolean>) => {
  const deadline = Date.now() + 10_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error("timed out");
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
};

it("enqueues through the Worker, cancels the running send, and reads the cancelled fact", async () => {
  const response = await exports.default.fetch("http://my-worker.test/mail?user=ada", { method: "POST" });
  expect(response.status).toBe(201);
  const { id } = (await response.json()) as { id: number };

  const agent = env.AGENT.getByName("ada");
  await until(async () => (await agent.intentState(id)) === "claimed");
  expect(await agent.cancelTrigger({ triggerKind: "mail.send", intentEventId: id, reason: "user unsubscribed" })).toMatchObject({ status: "requested" });
  expect((await settled(agent, id)).phase).toBe("cancelled");

  const facts = await agent.events({ kinds: ["mail.send.cancelled"] });
  expect(facts).toHaveLength(1);
  expect(facts[0]!.payload).toEqual({ id: expect.any(String), reason: "user unsubscribed" });
});

it("refuses a bad payload at the door with the path of the bad field, and writes nothing", async () => {
  const agent = env.AGENT.getByName("refused");
  const bad = { triggerKind: "mail.send", payload: { id: "" } } as const;
  await expect(agent.enqueueTrigger(bad)).rejects.toThrow(/id: Too small/);
  expect(await agent.events()).toEqual([]);
});

it("serves the operator API under /ops to the token holder only", async () => {
  expect((await exports.default.fetch("http://my-worker.test/mail?user=grace", { method: "POST" })).status).toBe(201);
  const anonymous = await exports.default.fetch("https://my-worker.test/ops/scopes/grace/intents");
  expect(anonymous.status).toBe(403);
  const listed = await exports.default.fetch("https://my-worker.test/ops/scopes/grace/intents", { headers: { authorization: "Bearer let-me-in" } });
  expect(listed.status).toBe(200);
  expect(((await listed.json()) as { triggerKind: string }[]).map((intent) => intent.triggerKind)).toContain("mail.send");
});

it("answers the operator API's refusals as 400s naming the field, and cancels by id alone", async () => {
  const ops = (path: string, body: object) =>
    exports.default.fetch(`https://my-worker.test/ops/scopes/linus${path}`, {
      method: "POST",
      headers: { authorization: "Bearer let-me-in", "content-type": "application/json" },
      body: JSON.stringify(body),
    });
  const refused = await ops("/intents", { triggerKind: "mail.send", payload: { id: "" } });
  expect(refused.status).toBe(400);
  expect(((await refused.json()) as { error: string }).error).toMatch(/id: Too small/);
  expect(await env.AGENT.getByName("linus").events()).toEqual([]);

  const { id } = (await (await ops("/intents", { triggerKind: "mail.send", payload: { id: "later" }, at: Date.now() + 3_600_000 })).json()) as { id: number };
  const cancelled = await ops(`/intents/${id}/cancel`, { reason: "changed my mind" });
  expect(await cancelled.json()).toEqual({ status: "cancelled", intentEventId: id });
});
