import { describe, expect, it } from "vitest";
import { defineAgentDO, RegistrationError, type DeclaredEvent } from "../../runtime";
import { eventTriggers, insertedEvents, noteAdded, paymentRefunded } from "./events-worker";
import { freshEventsAgent, later, phaseOf, wholeStore } from "./events-helpers";

describe("emitEvent", () => {
  it("appends a declared fact as its parser answers it, and lists the declared kinds in registration()", async () => {
    const { agent } = freshEventsAgent("emit");
    const result = await agent.emitEvent({ kind: "payment.refunded", payload: { orderId: "o-1" } });
    expect(result).toEqual({ id: expect.any(Number), duplicate: false });
    const [event] = await agent.events();
    expect(event).toMatchObject({ id: result.id, kind: "payment.refunded", payload: { orderId: "o-1", amount: 0 } });

    const { events, triggers } = await agent.registration();
    expect(events).toEqual([
      { kind: "payment.refunded", description: paymentRefunded.description, payloadSchema: paymentRefunded.payloadSchema },
      { kind: "note.added", description: null, payloadSchema: null },
    ]);
    expect(triggers.find((t) => t.kind === "test.ev.order")?.cancelOn).toEqual([
      { event: "payment.refunded", match: { orderId: "orderId" } },
      { event: "account.closed", match: { "customer.id": "account.customerId", region: "account.region" } },
      { event: "test.ev.order.cancelled", match: { parent: "orderId" } },
    ]);
  });

  it("takes an idempotency key of exactly 1 024 bytes, and it still answers duplicates", async () => {
    const { agent } = freshEventsAgent("emit-key-limit");
    const key = `${"€".repeat(341)}k`; // 341 · 3 + 1 = 1 024 bytes of UTF-8
    const first = await agent.emitEvent({ kind: "payment.refunded", payload: { orderId: "o-1" }, idempotencyKey: key });
    expect(await agent.emitEvent({ kind: "payment.refunded", payload: { orderId: "o-1" }, idempotencyKey: key })).toEqual({
      id: first.id,
      duplicate: true,
    });
  });

  it("answers the first event's id for a repeated idempotency key of the same kind, and writes nothing", async () => {
    const { agent } = freshEventsAgent("emit-key");
    const first = await agent.emitEvent({ kind: "payment.refunded", payload: { orderId: "o-1" }, idempotencyKey: "refund-1" });
    const before = await wholeStore(agent);
    const again = await agent.emitEvent({ kind: "payment.refunded", payload: { orderId: "o-2", amount: 5 }, idempotencyKey: "refund-1" });
    expect(again).toEqual({ id: first.id, duplicate: true });
    expect(await wholeStore(agent)).toEqual(before);

    const otherKind = await agent.emitEvent({ kind: "note.added", payload: { text: "hi" }, idempotencyKey: "refund-1" });
    const noKey = await agent.emitEvent({ kind: "payment.refunded", payload: { orderId: "o-1" } });
    expect(otherKind.duplicate).toBe(false);
    expect(new Set([first.id, otherKind.id, noKey.id]).size).toBe(3);
    expect((await agent.events()).map((e) => e.kind)).toEqual(["payment.refunded", "note.added", "payment.refunded"]);
  });

  it.each([
    [
      "an unknown kind",
      { kind: "payment.lost", payload: {} },
      /unknown event kind "payment.lost"; declared kinds: "payment.refunded", "note.added"/,
    ],
    [
      "a reserved kind",
      { kind: "durable_trigger.failed", payload: {} },
      /"durable_trigger.failed" is reserved for the runtime's own facts/,
    ],
    ["a kind that is not a string", { kind: 7, payload: {} }, /unknown event kind 7/],
    [
      "a payload its parser refuses",
      { kind: "payment.refunded", payload: { orderId: "o-1", amount: "ten" } },
      /emitEvent "payment.refunded": payload refused: amount: expected a number/,
    ],
    [
      "a payload that is not JSON",
      { kind: "payment.refunded", payload: { orderId: "o-1", at: { when: new Date(0) } } },
      /payload at \$\.at\.when: a Date object is not JSON/,
    ],
    [
      "an empty idempotency key",
      { kind: "payment.refunded", payload: { orderId: "o-1" }, idempotencyKey: "" },
      /idempotencyKey must be a non-empty string/,
    ],
    [
      "an idempotency key that is not a string",
      { kind: "payment.refunded", payload: { orderId: "o-1" }, idempotencyKey: 1 },
      /idempotencyKey must be a non-empty string/,
    ],
    [
      "a 1 MiB idempotency key",
      { kind: "payment.refunded", payload: { orderId: "o-1" }, idempotencyKey: "k".repeat(1024 * 1024) },
      /emitEvent "payment.refunded": idempotencyKey is 1048576 bytes of UTF-8, over the 1024-byte limit/,
    ],
    [
      "an idempotency key of 1 025 bytes",
      { kind: "payment.refunded", payload: { orderId: "o-1" }, idempotencyKey: "k".repeat(1025) },
      /over the 1024-byte limit/,
    ],
  ])("refuses %s, and every table is left as it was", async (_, request, message) => {
    const { agent } = freshEventsAgent("emit-refused");
    // Work the refused fact would have cancelled, had it been written.
    const { id } = await agent.enqueueTrigger({ triggerKind: "test.ev.order", payload: { orderId: "o-1" }, at: later() });
    await agent.emitEvent({ kind: "note.added", payload: { text: "before" }, idempotencyKey: "k" });
    const before = await wholeStore(agent);
    await expect(agent.emitEvent(request as never)).rejects.toThrow(message);
    expect(await wholeStore(agent)).toEqual(before);
    expect(await agent.intentState(id)).toBe("scheduled");
  });
});

describe("defineAgentDO with declared events", () => {
  const order = eventTriggers[0];

  it("refuses bad declarations and bad cancelOn rules, naming each at once", () => {
    const events = [
      paymentRefunded,
      { ...paymentRefunded }, // duplicate kind
      { ...noteAdded, kind: "durable_trigger.note" },
      { ...noteAdded, kind: "test.ev.order.requested" },
      { kind: "no.parser" },
      { ...noteAdded, kind: "bad.schema", payloadSchema: [], description: 3 },
    ] as unknown as DeclaredEvent[];
    const triggers = [
      order,
      { ...order, kind: "r1", intentEventKind: "r1.requested", cancelOn: { event: "x" } },
      {
        ...order,
        kind: "r2",
        intentEventKind: "r2.requested",
        cancelOn: [
          null,
          { event: "", match: { a: "b" } },
          { event: "durable_trigger.failed", match: {} },
          { event: "ok", match: { "a..b": "c", d: 4 } },
        ],
      },
    ] as unknown as typeof eventTriggers;

    let error: unknown;
    try {
      defineAgentDO({ triggers, events });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(RegistrationError);
    expect((error as RegistrationError).problems).toEqual([
      'trigger "r1": cancelOn must be a list of { event, match } rules (got {"event":"x"})',
      'trigger "r2": cancelOn[0] must be an object { event, match } (got null)',
      'trigger "r2": cancelOn[1].event must be a fact kind of 1 to 256 characters (got "")',
      `trigger "r2": cancelOn[2].event must be outside the runtime's own "durable_trigger.*" kinds (got "durable_trigger.failed")`,
      'trigger "r2": cancelOn[2].match must be an object of at least one { intent path: event path } pair (got {})',
      'trigger "r2": cancelOn[3].match: "a..b" is not a dotted intent path',
      'trigger "r2": cancelOn[3].match["d"] must be a dotted event payload path (got 4)',
    ]);

    try {
      defineAgentDO({ triggers: eventTriggers, events });
    } catch (caught) {
      error = caught;
    }
    expect((error as RegistrationError).problems).toEqual([
      'event "payment.refunded": kind is registered twice',
      `event "durable_trigger.note": kind must be outside the runtime's own "durable_trigger.*" kinds (got "durable_trigger.note")`,
      'event "test.ev.order.requested": kind is already the intentEventKind of trigger "test.ev.order"',
      'event "no.parser": parsePayload must be a function (got nothing)',
      'event "bad.schema": description must be a string when given (got 3)',
      'event "bad.schema": payloadSchema must be a JSON Schema object when given (got [])',
    ]);
  });
});

describe("tx.insertEvent", () => {
  it("answers the event as stored: its id, time and kind, and a copy of its payload that the caller's object does not alias", async () => {
    const { agent } = freshEventsAgent("insert-answer");
    insertedEvents.length = 0;
    const payload = { note: "é", list: [1, { deep: true }], nothing: null };
    const { id } = await agent.enqueueTrigger({
      triggerKind: "test.ev.commit",
      payload: { steps: [{ insertEvent: { kind: "test.note", payload } }] },
    });
    await phaseOf(agent, id, "completed");
    const [stored] = await agent.events({ kinds: ["test.note"] });
    const [{ given, inserted }] = insertedEvents as [(typeof insertedEvents)[number]];
    expect({ ...inserted }).toEqual(stored);
    expect(inserted.payload).toEqual(payload);
    expect(inserted.payload).not.toBe(given);
    expect(inserted.payload).toBe(inserted.payload); // read twice, the same copy
  });
});
