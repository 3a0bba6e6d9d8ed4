import { afterAll, beforeAll, expect, it } from "vitest";
import { join } from "node:path";
import { Workspace } from "./workspace";

/**
 * Issue 21 item 9: a bad field deep in a union's branch is reported at its own path, from the
 * branch the value matched best, not as the union's "Invalid input". Modelled on Stripe's
 * expandable fields: an invoice's `customer` is an id, a customer, or a deleted customer.
 */
const spec = `
schemas:
  customer:
    type: object
    required: [id, object, balance]
    properties:
      id: { type: string }
      object: { type: string, enum: [customer] }
      balance: { type: integer }
      address: { type: object, nullable: true, properties: { city: { type: string, maxLength: 5 } } }
  deleted_customer:
    type: object
    required: [id, object, deleted]
    properties:
      id: { type: string }
      object: { type: string, enum: [customer] }
      deleted: { type: boolean, enum: [true] }
events:
  invoice.paid:
    payload:
      type: object
      required: [id, customer]
      properties:
        id: { type: string }
        customer:
          anyOf:
            - { type: string, maxLength: 5000 }
            - { $ref: "#/components/schemas/customer" }
            - { $ref: "#/components/schemas/deleted_customer" }
`;

let ws: Workspace;
let parse: (raw: unknown) => { ok: boolean; reason?: string };
beforeAll(async () => {
  ws = new Workspace({ "specs/stripe.yaml": spec });
  await ws.generateOrThrow();
  parse = (await import(join(ws.root, "generated/stripe.ts"))).parseInvoicePaidPayload;
}, 30_000);
afterAll(() => ws.dispose());

const customer = { id: "cus_1", object: "customer", balance: 0, address: null };

it("reports the deepest path of the branch a value matched best", () => {
  expect(parse({ id: "in_1", customer }).ok).toBe(true);
  expect(parse({ id: "in_1", customer: { ...customer, balance: "0" } }).reason).toMatch(
    /^customer\.balance: expected number, received string$/,
  );
  expect(parse({ id: "in_1", customer: { ...customer, address: { city: "Berlin-Mitte" } } }).reason).toMatch(
    /^customer\.address\.city: Too big/,
  );
  expect(parse({ id: "in_1", customer: { id: "cus_1", object: "customer", deleted: "yes" } }).reason).toMatch(/^customer\.deleted: /);
});

it("says what each branch wanted when the value got into none", () => {
  expect(parse({ id: "in_1", customer: 42 }).reason).toMatch(/^customer: /);
});
