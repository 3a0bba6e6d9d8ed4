import { describe, expect, it } from "vitest";
import { formatError } from "../../generator/read";
import { Workspace } from "./workspace";

/** A file of facts from outside alone, and a change to one's payload that facts already in a ledger would not survive. */
const refunds = (required: string) => `events:
  payment.refunded:
    description: A refund arrived.
    payload:
      type: object
      required: [${required}]
      properties:
        orderId: { type: string }
        amount: { type: integer }
`;
const trigger = `triggers:
  - kind: a.job
    intentEventKind: a.job.requested
    cancellation: cooperative
    intent: { type: object, properties: { id: { type: string } } }
    outcome: { type: object }
    events: {}
`;

describe("declared events in the version record", () => {
  it("records a declared event's payload, and warns at its node when a change would refuse facts already written", async () => {
    const ws = new Workspace({ "specs/a.yaml": trigger, "specs/payments.yaml": refunds("orderId") });
    try {
      expect((await ws.generateOrThrow()).warnings).toEqual([]);
      expect(JSON.parse(ws.read("generated/intent-versions.json")).events).toHaveProperty(["payment.refunded"]);
      // A module of declared events alone compiles under strict: nothing unused is imported.
      expect(ws.typecheck()).toEqual([]);
      ws.write("specs/payments.yaml", refunds("orderId, amount"));
      const warned = await ws.generateOrThrow();
      expect(warned.warnings.map(formatError)).toEqual([
        expect.stringMatching(
          /^specs\/payments\.yaml:6:17: warning: the payload of "payment\.refunded" changed so that facts already written would no longer parse: /,
        ),
      ]);
    } finally {
      ws.dispose();
    }
  });
});
