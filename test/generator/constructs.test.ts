import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Workspace } from "./workspace";

const HERE = dirname(fileURLToPath(import.meta.url));
const GOLDEN = join(HERE, "fixtures/golden/constructs.ts.golden");
const spec = readFileSync(join(HERE, "fixtures/constructs.yaml"), "utf8");

/** A handler's use of the types, with the lines that must not compile marked. */
const usage = `import type { Bank, Card, Comment, ConstructsJobIntent } from "../generated";

type Method = ConstructsJobIntent["method"];
export function describeMethod(method: Method): string {
  // A discriminated union: the tag narrows to the branch.
  switch (method.type) {
    case "card":
      return method.last4;
    case "sepa_debit":
      return method.iban;
  }
}
export function last4(method: Method): string {
  // @ts-expect-error without narrowing, a branch's own field is not there
  return method.last4;
}
// @ts-expect-error a tag no branch declares does not compile
export const wrongTag: Method = { type: "paypal", last4: "4242" };
// @ts-expect-error a branch's fields go with its own tag only
export const mixed: Card = { type: "card", iban: "DE00" };
export const bank: Bank = { type: "sepa_debit", iban: "DE00" };

const base = { customer: "cus_1", method: bank, content: "hi", point: [1, 2] } satisfies ConstructsJobIntent;
export const nulls: ConstructsJobIntent = { ...base, shipping: null, billing: null, fallback: null };
export const objects: ConstructsJobIntent = {
  ...base,
  shipping: { name: "Ada" },
  billing: { line1: "Main St 1", line2: null, country: "DE" },
  customer: { login: "ada" },
  content: [{ text: "a" }, { text: "b" }],
  shape: { kind: "rect", w: 1, h: 2 },
  stamped: { created: 1, note: "n" },
  range: [1, 2, "x", "y"],
  headers: { "x-trace": "t" },
};
// @ts-expect-error a nullable reference is still the referenced object, not any object
export const wrongBilling: ConstructsJobIntent = { ...base, billing: { line1: "x" } };
// @ts-expect-error a union of string or parts takes no number
export const wrongContent: ConstructsJobIntent = { ...base, content: 1 };
// @ts-expect-error a circle has no width
export const wrongShape: ConstructsJobIntent = { ...base, shape: { kind: "circle", w: 1 } };
// @ts-expect-error allOf merges: the note is required too
export const wrongStamped: ConstructsJobIntent = { ...base, stamped: { created: 1 } };
// @ts-expect-error a closed tuple takes two numbers, no more
export const wrongPoint: ConstructsJobIntent = { ...base, point: [1, 2, 3] };
// @ts-expect-error the items after a tuple's prefix are strings
export const wrongRange: ConstructsJobIntent = { ...base, range: [1, 2, 3] };

export function sound(pet: NonNullable<ConstructsJobIntent["pet"]>): string {
  // Branches built by allOf on a base schema are told apart by the const each adds.
  return pet.kind === "dog" ? (pet.barks ? "woof" : "…") : pet.name;
}
// @ts-expect-error a cat does not bark
export const wrongPet: ConstructsJobIntent["pet"] = { kind: "cat", name: "Tom", barks: true };

export const tree: Comment = { id: 1, body: "top", author: null, replies: [{ id: 2, body: "reply", replies: [] }] };
// @ts-expect-error a reply is a comment all the way down
export const wrongTree: Comment = { id: 1, body: "top", replies: [{ id: 2, body: "reply", replies: [{ id: 3 }] }] };
`;

type Parse = (raw: unknown) => { ok: boolean; intent?: unknown; reason?: string };

describe("schema constructs vendors' schemas use", () => {
  let ws: Workspace;
  let parse: Parse;
  const valid = {
    customer: "cus_1",
    method: { type: "card", last4: "4242" },
    content: "hello",
    point: [1.5, -2],
  };
  const refused = (patch: Record<string, unknown>) => {
    const result = parse({ ...valid, ...patch });
    expect(result.ok, JSON.stringify(patch)).toBe(false);
    return result.reason!;
  };
  const accepted = (patch: Record<string, unknown>) => {
    const result = parse({ ...valid, ...patch });
    expect(result, JSON.stringify(patch)).toMatchObject({ ok: true });
    return result.intent as Record<string, unknown>;
  };

  beforeAll(async () => {
    ws = new Workspace({ "specs/constructs.yaml": spec });
    await ws.generateOrThrow();
    parse = (await import(join(ws.root, "generated/constructs.ts"))).parseConstructsJobIntent;
  });
  afterAll(() => ws.dispose());

  it("matches the golden output (UPDATE_GOLDEN=1 rewrites it)", () => {
    const text = ws.read("generated/constructs.ts");
    if (process.env.UPDATE_GOLDEN || !existsSync(GOLDEN)) writeFileSync(GOLDEN, text);
    expect(text).toBe(readFileSync(GOLDEN, "utf8"));
  });

  it("is byte-for-byte the same on a second run", async () => {
    const before = ws.snapshot("generated");
    expect((await ws.generateOrThrow()).changes).toEqual([]);
    expect(ws.snapshot("generated")).toEqual(before);
  });

  it("prints named types: a discriminated union of the branches, a recursive type by its own name", () => {
    const text = ws.read("generated/constructs.ts");
    expect(text).toContain("method: Card | Bank;");
    expect(text).toContain('method: z.discriminatedUnion("type", [cardSchema, bankSchema]),');
    expect(text).toContain('pet: z.discriminatedUnion("kind", [catSchema, dogSchema]).optional(),');
    // OpenAPI's `type: object` beside a oneOf of objects says nothing more; with "null", null is let in.
    expect(text).toContain('petOrNull: z.discriminatedUnion("kind", [catSchema, dogSchema]).nullable().optional(),');
    expect(text).toContain("export const commentSchema: z.ZodType<Comment> = z.looseObject({");
    expect(text).toContain("replies: z.array(z.lazy(() => commentSchema))");
    expect(text).toContain("  replies: Comment[];");
    expect(text).toContain("billing?: (Address | null) | undefined;");
    expect(text).toContain('annotated: addressSchema.nullable().describe("OpenAPI 3.0\'s annotated reference.").optional(),');
    expect(text).toContain("range?: [number, (number | undefined)?, ...string[]] | undefined;");
    expect(text).toContain("/** Use role. @deprecated */");
    expect(text).toContain('/** @example "DE" */');
    expect(text).not.toContain("x-github-resource");
    // The console's JSON Schema says what a refinement checks.
    expect(text).toMatch(/tags: \{\n {6}type: "array",\n {6}items: \{\n {8}type: "string"\n {6}\},\n {6}uniqueItems: true\n/);
    expect(text).toContain("minProperties: 1,\n      maxProperties: 3");
    // A recursion is declared once, by its type's name, as every shared schema is (issue 21).
    expect(text).toContain('$ref: "#/definitions/Comment"');
    expect(text).toContain("definitions: {\n    Address: {");
    expect(text).toContain('\n    Comment: {\n      type: "object",');
    expect(text).not.toMatch(/Auxiliary|Identifier\d/);
  });

  it("compiles under strict, and values of the wrong shape do not", () => {
    ws.write("app/usage.ts", usage);
    try {
      expect(ws.typecheck()).toEqual([]);
    } finally {
      ws.remove("app/usage.ts");
    }
  });

  it("accepts null for nullable objects and references, and refuses a wrong object", () => {
    expect(accepted({ shipping: null, billing: null, fallback: null, annotated: null })).toMatchObject({
      shipping: null,
      billing: null,
      fallback: null,
      annotated: null,
    });
    refused({ annotated: { line1: "x" } });
    accepted({
      shipping: { name: "Ada" },
      billing: { line1: "Main St 1", country: "DE" },
      fallback: { line1: "x", line2: null, country: "FR" },
    });
    expect(refused({ billing: { line1: "Main St 1", country: "Germany" } })).toMatch(/^billing\.country: /);
    expect(refused({ fallback: { country: "DE" } })).toMatch(/fallback\.line1: /);
    refused({ shipping: {} });
    refused({ billing: "none" });
  });

  it("accepts either branch of anyOf and oneOf, and refuses what matches none", () => {
    accepted({ customer: { login: "ada" } });
    accepted({ content: [{ text: "a" }] });
    refused({ customer: "" });
    refused({ customer: { id: 1 } });
    refused({ content: 42 });
    refused({ content: [{ image: "x" }] });
  });

  it("names the branch a discriminated union's error is in", () => {
    accepted({ method: { type: "sepa_debit", iban: "DE89370400440532013000" } });
    expect(refused({ method: { type: "card", last4: "42" } })).toMatch(/^method\.last4: Too small/);
    expect(refused({ method: { type: "card", last4: "4242", iban: "x" } })).toMatch(/^method: Unrecognized key: "iban"/);
    expect(refused({ method: { type: "paypal" } })).toMatch(/^method\.type: Invalid discriminator value\. Expected 'card' \| 'sepa_debit'/);
    // Without `discriminator`, a const on a property every branch requires tells them apart too.
    accepted({ shape: { kind: "circle", r: 1 } });
    expect(refused({ shape: { kind: "circle", r: 0 } })).toMatch(/^shape\.r: Too small/);
    expect(refused({ shape: { kind: "rect", w: 1 } })).toMatch(/^shape\.h: /);
    // Branches that extend a base schema through allOf, told apart by the const each adds.
    expect(accepted({ pet: { kind: "dog", name: "Rex", barks: true } }).pet).toEqual({ kind: "dog", name: "Rex", barks: true });
    expect(refused({ pet: { kind: "dog", name: "Rex" } })).toMatch(/^pet\.barks: /);
    expect(refused({ pet: { kind: "cat" } })).toMatch(/^pet\.name: /);
    accepted({ petOrNull: null });
    refused({ petOrNull: { kind: "cow", name: "Bess" } });
  });

  it("merges allOf, and checks tuples, bounds, unique items, property counts and key patterns", () => {
    // An open object keeps the keys it does not name: a parsed payload loses no field (issue 21 item 7).
    expect(accepted({ stamped: { created: 5, note: "n", extra: 1 } }).stamped).toEqual({ created: 5, note: "n", extra: 1 });
    expect(refused({ stamped: { created: 5 } })).toMatch(/^stamped\.note: /);
    refused({ point: [1] });
    refused({ point: [1, 2, 3] });
    accepted({ range: [1] });
    accepted({ range: [1, 2, "a", "b"] });
    refused({ range: [] });
    refused({ range: [1, 2, 3] });
    accepted({ amount: 0.01 });
    accepted({ amount: 12.34 });
    refused({ amount: 0 });
    refused({ amount: 1.005 });
    accepted({ tags: ["a", "b"] });
    expect(refused({ tags: ["a", "b", "a"] })).toMatch(/^tags: Items must be unique/);
    accepted({ metadata: { a: "1" } });
    refused({ metadata: {} });
    refused({ metadata: { a: "1", b: "2", c: "3", d: "4" } });
    accepted({ headers: { "x-trace": "t", "x-span-id": "s" } });
    refused({ headers: { Trace: "t" } });
    refused({ headers: { "x-trace": 1 } });
  });

  it("checks the date, time, IP address and base64 formats", () => {
    accepted({ day: "2024-02-29", at: "13:45:00Z", ip4: "192.168.0.1", ip6: "2001:db8::1", blob: "aGVsbG8=" });
    accepted({ at: "23:59:60+02:00" });
    for (const patch of [
      { day: "2023-02-29" },
      { day: "2024-1-01" },
      { at: "13:45" },
      { at: "25:00:00Z" },
      { ip4: "256.1.1.1" },
      { ip6: "2001:db8:::1" },
      { blob: "not base64!" },
    ]) {
      refused(patch);
    }
  });

  it("parses a recursive comment tree at any depth, and refuses a bad reply deep in it", () => {
    const reply = (id: number, replies: unknown[] = []) => ({ id, body: `c${id}`, replies });
    const tree = reply(1, [reply(2, [reply(3, [reply(4)])]), reply(5)]);
    expect(accepted({ comment: tree }).comment).toEqual(tree);
    expect(refused({ comment: reply(1, [reply(2, [{ id: 3, body: "", replies: [] }])]) })).toMatch(
      /^comment\.replies\[0\]\.replies\[0\]\.body: Too small/,
    );
    refused({ comment: reply(1, [reply(0)]) });
  });
});
