import { join } from "node:path";
import { afterEach, expect, it } from "vitest";
import { formatError } from "../../generator/read";
import { Workspace } from "./workspace";

/**
 * Issue 21 item 5: a reference that leads into a schema (a JSON pointer into a named one, a file the
 * user brings in) is read as what it leads to; one that leads nowhere is an error at its `$ref`,
 * `file:line:col`, and nothing is read outside the project root.
 */
let ws: Workspace | undefined;
afterEach(() => ws?.dispose());

type Parse = (raw: unknown) => { ok: boolean; reason?: string };

async function generated(files: Record<string, string>, module = "a"): Promise<Record<string, Parse>> {
  ws = new Workspace(files);
  const result = await ws.generate();
  if (!result.ok) throw new Error(result.errors.map(formatError).join("\n"));
  return (await import(join(ws.root, `generated/${module}.ts`))) as Record<string, Parse>;
}

async function errors(files: Record<string, string>): Promise<string[]> {
  ws = new Workspace(files);
  const result = await ws.generate();
  return result.ok ? [] : result.errors.map(formatError);
}

const named = `schemas:
  update:
    type: object
    properties:
      allow:
        type: array
        items: { type: object, required: [name], properties: { name: { type: string, minLength: 2 } } }
events:
  a.seen:
    payload:
      type: object
      properties:
        first: { $ref: "#/definitions/update/properties/allow/items", description: the first rule }
        name: { $ref: "#/schemas/update/properties/allow/items/properties/name" }
`;

it("reads a JSON pointer into a named schema as the schema it points at", async () => {
  const { parseASeenPayload: parse } = await generated({ "specs/a.yaml": named });
  expect(parse!({ first: { name: "ab" }, name: "cd" }).ok).toBe(true);
  expect(parse!({ first: { name: "a" } }).reason).toMatch(/^first\.name: Too small/);
  expect(parse!({ name: "x" }).reason).toMatch(/^name: Too small/);
  expect(ws!.typecheck()).toEqual([]);
});

it("says where a pointer leads nowhere, or back to itself", async () => {
  const bad = named
    .replace('allow/items"', 'allow/itemz"')
    .replace("#/schemas/update/properties/allow/items/properties/name", "#/schemas/nope/x");
  expect(await errors({ "specs/a.yaml": bad })).toEqual([
    `specs/a.yaml:13:${bad.split("\n")[12]!.indexOf('"#/definitions') + 1}: "#/definitions/update/properties/allow/itemz" points at nothing: update/properties/allow has no "itemz"`,
    `specs/a.yaml:14:${bad.split("\n")[13]!.indexOf('"#/schemas') + 1}: "#/schemas/nope/x" points into "nope", which names no schema; expected one under schemas`,
  ]);
  const loop = `schemas:\n  a:\n    type: object\n    properties:\n      b: { $ref: "#/schemas/a/properties/b" }\nevents:\n  a.seen: { payload: a }\n`;
  expect((await errors({ "specs/a.yaml": loop }))[0]).toMatch(/^specs\/a\.yaml:5:\d+: "#\/schemas\/a\/properties\/b" leads back to itself/);
});

const common = `definitions:
  money:
    type: object
    required: [amount, currency]
    properties:
      amount: { type: integer, minimum: 0 }
      currency: { $ref: "#/definitions/currency" }
  currency: { $ref: ./currency.json }
`;

it("reads a file the user brings in, relative to the spec, its own references relative to it", async () => {
  const { parseASeenPayload: parse } = await generated({
    "specs/a.yaml": `events:\n  a.seen:\n    payload:\n      type: object\n      required: [price]\n      properties:\n        price: { $ref: ./shared/common.yaml#/definitions/money }\n        tag: { $ref: "shared/currency.json" }\n`,
    "specs/shared/common.yaml": common,
    "specs/shared/currency.json": JSON.stringify({
      $schema: "http://json-schema.org/draft-07/schema#",
      type: "string",
      pattern: "^[A-Z]{3}$",
    }),
  });
  expect(parse!({ price: { amount: 5, currency: "EUR" }, tag: "USD" }).ok).toBe(true);
  expect(parse!({ price: { amount: 5, currency: "eur" } }).reason).toMatch(/^price\.currency: /);
  expect(parse!({ price: { amount: -1, currency: "EUR" } }).reason).toMatch(/^price\.amount: Too small/);
  expect(parse!({ price: { amount: 1, currency: "EUR" }, tag: "x" }).reason).toMatch(/^tag: /);
  expect(ws!.typecheck()).toEqual([]);
});

it("says where a brought-in file or its pointer is missing, and reads nothing outside the project root", async () => {
  const spec = `events:\n  a.seen:\n    payload:\n      type: object\n      properties:\n        a: { $ref: ./missing.yaml }\n        b: { $ref: ./shared/common.yaml#/definitions/nope }\n        c: { $ref: ../../outside.json }\n        d: { $ref: ./broken.json }\n`;
  const col = (line: number, text: string) => spec.split("\n")[line - 1]!.indexOf(text) + 1;
  expect(
    await errors({
      "specs/a.yaml": spec,
      "specs/shared/common.yaml": common,
      "specs/shared/currency.json": "{}",
      "specs/broken.json": "{ nope",
    }),
  ).toEqual([
    `specs/a.yaml:6:${col(6, "./missing")}: "./missing.yaml": cannot read specs/missing.yaml`,
    `specs/a.yaml:7:${col(7, "./shared")}: "./shared/common.yaml#/definitions/nope" points at nothing: specs/shared/common.yaml/definitions has no "nope"`,
    `specs/a.yaml:8:${col(8, "../../outside")}: "../../outside.json" leads outside the project root (or is absolute); a referenced file must be inside the project: copy it in, or put the schema under schemas`,
    expect.stringMatching(/^specs\/a\.yaml:9:\d+: "\.\/broken\.json": specs\/broken\.json is not valid JSON: /),
  ]);
});
