import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Workspace } from "./workspace";

const HERE = dirname(fileURLToPath(import.meta.url));
const GOLDEN = join(HERE, "fixtures/golden");
const shop = readFileSync(join(HERE, "fixtures/shop.yaml"), "utf8");

/** A filled handler, with the lines that must not compile marked. */
const handler = `import type { ShopCheckoutHandlers, ShopReceiptStreamHandlers } from "../../generated";

export const handlers: ShopCheckoutHandlers = {
  async acquire(intent, ctx) {
    ctx.progress({ step: "authorizing" });
    // @ts-expect-error a progress frame of the wrong shape does not compile
    ctx.progress({ step: "shipping" });
    const total = intent.lines.reduce((sum, line) => sum + line.quantity * line.price.amount, 0);
    return { chargeId: \`ch-\${intent.cartId}\`, total: { amount: total, currency: intent.total.currency } };
  },
  commit(outcome, tx) {
    tx.insertEvent({ kind: "shop.checkout.charged", payload: outcome });
    // @ts-expect-error an event kind the spec does not declare does not compile
    tx.insertEvent({ kind: "shop.checkout.shipped", payload: outcome });
    // @ts-expect-error a payload of the wrong shape does not compile
    tx.insertEvent({ kind: "shop.checkout.abandoned", payload: { cartId: 1, reason: null } });
    // Follow-up work is typed like enqueueTrigger: fields with a default may be left out.
    tx.enqueue({ triggerKind: "shop.checkout", payload: { cartId: "next", lines: [], total: { amount: 0 } }, at: tx.now + 60_000 });
    // @ts-expect-error a follow-up of a kind no spec declares does not compile
    tx.enqueue({ triggerKind: "shop.refund", payload: {} });
    // @ts-expect-error a follow-up payload of the wrong shape does not compile
    tx.enqueue({ triggerKind: "shop.checkout", payload: { cartId: 7, lines: [], total: { amount: 0 } } });
  },
  commitCancelled(intent, cancellation, tx) {
    tx.insertEvent({ kind: "shop.checkout.abandoned", payload: { cartId: intent.cartId, reason: cancellation.reason ?? null } });
  },
};

export const receipt: ShopReceiptStreamHandlers = {
  async *run(start) {
    yield { type: "output", payload: { line: start.cartId } };
    yield { type: "completed", payload: { lines: 1 } };
  },
  commitTerminal(_start, terminal, tx) {
    if (terminal.type === "completed") tx.insertEvent({ kind: "shop.receipt.sent", payload: terminal.payload });
    // @ts-expect-error a stream's follow-up is typed the same way
    tx.enqueue({ triggerKind: "shop.checkout", payload: { cartId: "c" } });
  },
};

export const wrongOutput: ShopReceiptStreamHandlers = {
  ...receipt,
  // @ts-expect-error a stream whose output frames have the wrong shape does not compile
  async *run() {
    yield { type: "output", payload: { line: 1 } };
  },
};

export const wrongOutcome: ShopCheckoutHandlers = {
  ...handlers,
  // @ts-expect-error an outcome of the wrong shape does not compile
  acquire: async () => ({ chargeId: 42 }),
};
`;

const typedEnqueue = `import type { EmitEventRequest } from "durable-triggers";
import type { AgentDO, events } from "../generated/agent-do";

/** What emitEvent takes, from the declared kinds the registration lists. */
type Emit = EmitEventRequest<(typeof events)[number]>;
// A field with a default (source) may be left out; a named schema's payload (Money) is typed too.
export const abandoned: Emit = { kind: "shop.cart.abandoned", payload: { cart: { id: "c" } }, idempotencyKey: "hook-1" };
export const priced: Emit = { kind: "shop.price.changed", payload: { amount: 1, currency: "USD" } };
// @ts-expect-error a payload of the wrong shape does not compile
export const wrongPayload: Emit = { kind: "shop.cart.abandoned", payload: { cart: { id: 1 } } };
// @ts-expect-error one kind's payload under another kind does not compile
export const swapped: Emit = { kind: "shop.price.changed", payload: { cart: { id: "c" } } };
// @ts-expect-error a kind the specs do not declare does not compile
export const undeclared: Emit = { kind: "shop.cart.lost", payload: {} };
// @ts-expect-error a trigger's own event kind is not a declared one
export const commitKind: Emit = { kind: "shop.checkout.charged", payload: {} };

export async function enqueue(agent: DurableObjectStub<InstanceType<typeof AgentDO>>) {
  const total = { amount: 100, currency: "EUR" as const };
  const lines = [{ sku: "a", quantity: 1, price: total }];
  await agent.enqueueTrigger({ triggerKind: "shop.checkout", payload: { cartId: "c", lines, total, channel: "web" } });
  // Fields with a default may be left out at enqueue (currency defaults to EUR); the handler still gets them filled in.
  await agent.enqueueTrigger({ triggerKind: "shop.checkout", payload: { cartId: "c", lines: [{ sku: "a", quantity: 1, price: { amount: 1 } }], total: { amount: 1 } } });
  // @ts-expect-error a payload of the wrong shape does not compile
  await agent.enqueueTrigger({ triggerKind: "shop.checkout", payload: { cartId: "c", lines: [], total: { amount: "1" } } });
  // @ts-expect-error an unknown trigger kind does not compile
  await agent.enqueueTrigger({ triggerKind: "shop.refund", payload: {} });
  // The object's emitEvent is typed the same way, over RPC.
  await agent.emitEvent({ kind: "shop.cart.abandoned", payload: { cart: { id: "c" } }, idempotencyKey: "hook-2" });
  // @ts-expect-error a payload of the wrong shape does not compile on the stub either
  await agent.emitEvent({ kind: "shop.price.changed", payload: { amount: "1" } });
}
`;

describe("generated code", () => {
  let ws: Workspace;
  beforeAll(async () => {
    ws = new Workspace({ "specs/shop.yaml": shop });
    await ws.generateOrThrow();
  });
  afterAll(() => ws.dispose());

  it("matches the golden output (UPDATE_GOLDEN=1 rewrites it)", () => {
    const output = ws.snapshot("generated");
    output["app/triggers/shop.checkout.ts"] = ws.read("app/triggers/shop.checkout.ts");
    output["app/streams/shop.receipt.ts"] = ws.read("app/streams/shop.receipt.ts");
    for (const [path, text] of Object.entries(output)) {
      const golden = join(GOLDEN, `${path.replace(/^generated\//, "").replace(/\//g, "__")}.golden`);
      if (process.env.UPDATE_GOLDEN || !existsSync(golden)) {
        mkdirSync(GOLDEN, { recursive: true });
        writeFileSync(golden, text);
      }
      expect(text, path).toBe(readFileSync(golden, "utf8"));
    }
  });

  it("imports the cron entry only while a spec declares a cron schedule, so a Worker without one bundles no cron parser", async () => {
    expect(ws.read("generated/agent-do.ts")).toContain('import { cron } from "durable-triggers/cron";');
    const every = new Workspace({ "specs/shop.yaml": shop.replace('cron: "0 3 * * *"\n        timezone: Europe/Paris', "every: 1d") });
    try {
      await every.generateOrThrow();
      const agentDo = every.read("generated/agent-do.ts");
      expect(agentDo).not.toContain("cron");
      expect(agentDo).toContain("defineAgentDO({ triggers, streams, events })");
    } finally {
      every.dispose();
    }
  });

  it("is byte-for-byte the same on a second run", async () => {
    const before = ws.snapshot("generated");
    const again = await ws.generateOrThrow();
    expect(again.changes).toEqual([]);
    expect(ws.snapshot("generated")).toEqual(before);
  });

  it("compiles under strict with a filled handler, and wrong payloads, event kinds, emitted events and outcomes do not", async () => {
    const stub = ws.read("app/triggers/shop.checkout.ts");
    try {
      expect(ws.typecheck()).toEqual([]); // the untouched stub compiles too
      ws.write("app/triggers/shop.checkout.ts", handler);
      ws.write("app/enqueue.ts", typedEnqueue);
      // Every @ts-expect-error must be needed: an unused one is itself a diagnostic.
      expect(ws.typecheck()).toEqual([]);
    } finally {
      ws.write("app/triggers/shop.checkout.ts", stub);
      ws.remove("app/enqueue.ts");
    }
  });
});
