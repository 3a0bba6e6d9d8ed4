import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import * as fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { arbitraryExpression, NoArbitrary } from "../../generator/emit/arbitraries.ts";
import type { PayloadSchema } from "../../generator/spec-format.ts";
import { irToZod, toIR, type ZodIR } from "../../generator/zod-ir.ts";
import { generate } from "../../generator/generate.ts";
import { Workspace } from "./workspace";

/** Every keyword the generator turns into zod, one schema each: the arbitrary must yield values the schema accepts. */
const SCHEMAS: Record<string, PayloadSchema> = {
  "string bounds": { type: "string", minLength: 2, maxLength: 5 },
  pattern: { type: "string", pattern: "^[a-z]{3}-[0-9]+$" },
  "pattern and bounds": { type: "string", pattern: "^[a-z]+$", minLength: 3, maxLength: 4 },
  uuid: { type: "string", format: "uuid" },
  email: { type: "string", format: "email" },
  uri: { type: "string", format: "uri" },
  "date-time": { type: "string", format: "date-time" },
  date: { type: "string", format: "date" },
  time: { type: "string", format: "time" },
  ipv4: { type: "string", format: "ipv4" },
  ipv6: { type: "string", format: "ipv6" },
  hostname: { type: "string", format: "hostname" },
  duration: { type: "string", format: "duration" },
  byte: { type: "string", format: "byte" },
  base64url: { type: "string", contentEncoding: "base64url" },
  "integer bounds": { type: "integer", minimum: -3, maximum: 7 },
  "exclusive integer": { type: "integer", exclusiveMinimum: 0, exclusiveMaximum: 3 },
  int32: { type: "integer", format: "int32" },
  multipleOf: { type: "integer", multipleOf: 5, minimum: 1, maximum: 100 },
  "number bounds": { type: "number", minimum: 0.5, exclusiveMaximum: 2 },
  boolean: { type: "boolean" },
  null: { type: "null" },
  "string enum": { enum: ["a", "b"] },
  "mixed enum": { enum: [{ a: 1 }, 2, null, "s"] },
  const: { const: { plan: { tier: "pro", seats: [1, 2] } } },
  array: { type: "array", items: { type: "integer" }, minItems: 1, maxItems: 3 },
  uniqueItems: { type: "array", items: { type: "integer", minimum: 0, maximum: 9 }, uniqueItems: true, minItems: 2 },
  "unique objects": { type: "array", items: { type: "object", properties: { n: { type: "integer" } } }, uniqueItems: true },
  "no items": { type: "array", items: false },
  tuple: { type: "array", prefixItems: [{ type: "string" }, { type: "integer" }], minItems: 1, items: false },
  "tuple with rest": { type: "array", prefixItems: [{ type: "boolean" }], minItems: 1, maxItems: 3 },
  object: {
    type: "object",
    required: ["id"],
    properties: { id: { type: "string" }, n: { type: "integer", default: 1 }, note: { type: "string" } },
  },
  closed: { type: "object", properties: { a: { type: "boolean" } }, additionalProperties: false },
  "open to JSON": { type: "object", properties: { a: { type: "boolean" } }, additionalProperties: true },
  "typed extra keys": { type: "object", additionalProperties: { type: "string" } },
  patternProperties: { type: "object", patternProperties: { "^x-[a-z]+$": { type: "integer" } } },
  "property counts": {
    type: "object",
    properties: { a: { type: "integer" }, b: { type: "integer" }, c: { type: "integer" } },
    minProperties: 1,
    maxProperties: 2,
  },
  anyOf: { anyOf: [{ type: "string" }, { type: "integer" }] },
  oneOf: {
    oneOf: [
      { type: "string", maxLength: 2 },
      { type: "string", minLength: 4 },
    ],
  },
  "discriminated union": {
    oneOf: [
      { type: "object", required: ["kind"], properties: { kind: { const: "a" }, n: { type: "integer" } } },
      { type: "object", required: ["kind"], properties: { kind: { const: "b" }, s: { type: "string" } } },
    ],
  },
  allOf: {
    allOf: [
      { type: "object", required: ["a"], properties: { a: { type: "string" } } },
      { type: "object", required: ["b"], properties: { b: { type: "integer" } } },
    ],
  },
  nullable: { type: "string", nullable: true },
  "type list": { type: ["integer", "null"] },
  "any JSON": {},
};

/** The arbitrary the generator prints, evaluated: it is plain JavaScript over `fc`. */
const evaluate = (ir: ZodIR) => new Function("fc", `return ${arbitraryExpression(ir)};`)(fc) as fc.Arbitrary<unknown>;

describe("arbitraries from the intent IR (generated/arbitraries.ts)", () => {
  for (const [name, schema] of Object.entries(SCHEMAS)) {
    it(`${name}: mostly valid as built, and only valid through the schema's filter`, () => {
      const ir = toIR(schema);
      const zod = irToZod(ir, () => {
        throw new Error("no refs here");
      });
      const raw = fc.sample(evaluate(ir), { numRuns: 100, seed: 42 });
      const valid = raw.filter((value) => zod.safeParse(JSON.parse(JSON.stringify(value ?? null))).success);
      // The final filter keeps only valid values; most must pass it, or fast-check gives up.
      expect(valid.length, JSON.stringify(raw.filter((v) => !valid.includes(v)).slice(0, 3))).toBeGreaterThanOrEqual(50);
    });
  }

  it("refuses an IR call or method it has no case for, naming it: a new keyword must be taught", () => {
    expect(() => arbitraryExpression({ head: { call: ["z", "bigint"], args: [] }, chain: [] })).toThrow(NoArbitrary);
    expect(() => arbitraryExpression({ head: { call: ["z", "bigint"], args: [] }, chain: [] })).toThrow(/no case for z\.bigint\(\)/);
    expect(() => arbitraryExpression({ head: { call: ["z", "string"], args: [] }, chain: [{ method: "transform", args: [] }] })).toThrow(
      /no case for \.transform\(\)/,
    );
  });

  it("prints every string of a spec as a literal", () => {
    const hostile = '"); evil(); ("';
    const text = arbitraryExpression(
      toIR({ type: "object", required: [hostile], properties: { [hostile]: { enum: ["`${evil()}`", "\u007F"] } } }),
    );
    let called = false;
    const arbitrary = new Function("fc", "evil", `return ${text};`)(fc, () => (called = true)) as fc.Arbitrary<Record<string, string>>;
    const [value] = fc.sample(arbitrary, 1);
    expect(called).toBe(false);
    expect(Object.keys(value!)).toEqual([hostile]);
    expect(["`${evil()}`", "\u007F"]).toContain(value![hostile]);
  });
});

describe('"tests" in trigger-codegen.json: generated/arbitraries.ts and a test per trigger', () => {
  const fixture = (name: string) => readFileSync(join(dirname(fileURLToPath(import.meta.url)), "fixtures", name), "utf8");
  let ws: Workspace;
  const withTests = async (testsDir?: string) => {
    const result = await generate({ ...ws.options(), ...(testsDir === undefined ? {} : { testsDir }) });
    if (!result.ok) throw new Error(JSON.stringify(result.errors));
  };
  beforeAll(async () => {
    // The shop's triggers, and the constructs fixture's, whose intent is recursive.
    ws = new Workspace({ "specs/shop.yaml": fixture("shop.yaml"), "specs/constructs.yaml": fixture("constructs.yaml") });
    await withTests("test/triggers");
  }, 60_000);
  afterAll(() => ws.dispose());

  it("writes, for each trigger of the shop fixture, arbitraries whose values its parser accepts, and invalid ones it refuses", async () => {
    const arbitraries = (await import(join(ws.root, "generated/arbitraries.ts"))) as Record<string, fc.Arbitrary<unknown>>;
    const parsers = (await import(join(ws.root, "generated/shop.ts"))) as Record<string, unknown>;
    const valid = Object.keys(arbitraries).filter((name) => name.endsWith("Intents") && !name.endsWith("InvalidIntents"));
    expect(valid.length).toBeGreaterThan(0);
    for (const name of valid) {
      const parse = parsers[`parse${name[0]!.toUpperCase()}${name.slice(1, -"s".length)}`] as (raw: unknown) => { ok: boolean };
      expect(
        fc.sample(arbitraries[name]!, { numRuns: 20, seed: 1 }).every((value) => parse(value).ok),
        name,
      ).toBe(true);
      const invalid = arbitraries[name.replace(/Intents$/, "InvalidIntents")]!;
      expect(
        fc.sample(invalid, { numRuns: 20, seed: 1 }).some((value) => parse(value).ok),
        name,
      ).toBe(false);
    }
  });

  it("leaves out a recursive intent, saying why, and writes no test for it", () => {
    expect(ws.read("generated/arbitraries.ts")).toContain(
      '// "constructs.job": arbitraries: "Comment" refers to itself; a recursive intent has no arbitrary yet.',
    );
    expect(readdirSync(join(ws.root, "test/triggers")).sort()).toEqual(["shop.checkout.test.ts"]);
  });

  it("compiles under strict settings", () => {
    ws.removeDir("test");
    expect(ws.typecheck()).toEqual([]);
  });

  it("reaches the binding the settings name (env.AGENT unless told)", async () => {
    ws.removeDir("test");
    await withTests("test/triggers");
    expect(ws.read("test/triggers/shop.checkout.test.ts")).toContain("env.AGENT.getByName(");
    ws.removeDir("test");
    const result = await generate({ ...ws.options(), testsDir: "test/triggers", binding: "JOBS" });
    expect(result.ok).toBe(true);
    expect(ws.read("test/triggers/shop.checkout.test.ts")).toContain("env.JOBS.getByName(");
  });

  it("writes each trigger's test once: a test the project changed is kept; without the setting, none of it is written", async () => {
    await withTests("test/triggers");
    const [first] = readdirSync(join(ws.root, "test/triggers"));
    expect(first).toMatch(/\.test\.ts$/);
    ws.write(`test/triggers/${first}`, "// mine\n");
    await withTests("test/triggers");
    expect(ws.read(`test/triggers/${first}`)).toBe("// mine\n");
    await withTests();
    expect(existsSync(join(ws.root, "generated/arbitraries.ts"))).toBe(false);
  });
});
