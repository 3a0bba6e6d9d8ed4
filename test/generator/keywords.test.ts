import { Ajv2019 } from "ajv/dist/2019.js";
import { Ajv2020 } from "ajv/dist/2020.js";
import { join } from "node:path";
import { parse } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CHECK_KEYWORDS } from "../../generator/checks";
import { jsonSchemaOf } from "../../generator/emit/schema";
import { formatError } from "../../generator/read";
import { schemasOf } from "./spec-schemas";
import { Workspace } from "./workspace";

/**
 * Issue 21 item 4: the keywords zod has no method for, checked by refinements the generator writes,
 * each agreeing with Ajv (2020-12) on valid and invalid values, and naming the bad field's path.
 */
const payloads: Record<string, string> = {
  "cond.seen": `
      type: object
      properties: { interval: { type: string }, cronjob: { type: string }, day: { type: string } }
      required: [interval]
      if: { properties: { interval: { const: cron } } }
      then: { required: [cronjob] }
      else: { not: { required: [cronjob] } }`,
  "neg.seen": `
      type: object
      properties: { a: { type: string }, b: { type: string } }
      not: { required: [a, b] }`,
  "dep.seen": `
      type: object
      properties: { card: { type: string }, billing: { type: string }, zip: { type: string }, vat: { type: number } }
      dependentRequired: { card: [billing, zip] }
      dependentSchemas: { vat: { properties: { zip: { minLength: 5 } }, required: [zip] } }`,
  "deps.seen": `
      type: object
      properties: { a: { type: string }, b: { type: string }, c: { type: string }, d: { type: string }, x: {}, y: {} }
      dependentRequired: { a: [b], c: [d] }
      dependentSchemas:
        x: { properties: { b: { maxLength: 2 } } }
        y: { required: [a] }`,
  "names.seen": `
      type: object
      additionalProperties: { type: number }
      propertyNames: { pattern: "^[a-z]+$", maxLength: 4 }`,
  "contains.seen": `
      type: array
      items: { type: integer }
      contains: { minimum: 10 }
      minContains: 2
      maxContains: 3`,
  "uneval.seen": `
      type: object
      properties: { kind: { type: string } }
      required: [kind]
      allOf:
        - if: { properties: { kind: { const: a } } }
          then: { properties: { a: { type: string } } }
        - properties: { shared: { type: boolean } }
      unevaluatedProperties: false`,
  "const.seen": `
      type: object
      properties:
        fixed: { const: { on: true, tags: [x, 1] } }
        list: { const: [1, { a: null }] }
      required: [fixed]`,
};

const spec = `events:\n${Object.entries(payloads)
  .map(([kind, payload]) => `  ${kind}:\n    payload:${payload}\n`)
  .join("")}`;
type Parse = (raw: unknown) => { ok: boolean; reason?: string; payload?: unknown };

const cases: Record<string, { valid: unknown[]; invalid: [unknown, RegExp][] }> = {
  "cond.seen": {
    valid: [{ interval: "cron", cronjob: "0 3 * * *" }, { interval: "daily" }, { interval: "daily", day: "mon" }],
    invalid: [
      [{ interval: "cron" }, /^cronjob: /],
      [{ interval: "daily", cronjob: "x" }, /^\$: matches the schema under not/],
    ],
  },
  "neg.seen": { valid: [{}, { a: "x" }, { b: "y" }], invalid: [[{ a: "x", b: "y" }, /^\$: matches the schema under not/]] },
  "dep.seen": {
    valid: [{}, { billing: "b" }, { card: "c", billing: "b", zip: "z" }, { vat: 1, zip: "12345" }],
    invalid: [
      [{ card: "c", billing: "b" }, /^zip: Required when "card" is present/],
      [{ vat: 1 }, /^zip: /],
      [{ vat: 1, zip: "123" }, /^zip: Too small/],
    ],
  },
  "deps.seen": {
    valid: [{}, { a: "a", b: "bb" }, { c: "c", d: "d" }, { x: 1, b: "bb" }, { y: 1, a: "a", b: "bbb" }],
    invalid: [
      [{ a: "a" }, /^b: Required when "a" is present/],
      [{ c: "c" }, /^d: Required when "c" is present/],
      [{ x: 1, b: "bbb" }, /^b: Too big/],
      [{ y: 1 }, /^a: /],
    ],
  },
  "names.seen": {
    valid: [{}, { ab: 1, abcd: 2 }],
    invalid: [
      [{ Ab: 1 }, /^Ab: Invalid key "Ab"/],
      [{ abcde: 1 }, /^abcde: Invalid key/],
      [{ ab: "x" }, /^ab: /],
    ],
  },
  "contains.seen": {
    valid: [
      [10, 11],
      [1, 10, 2, 12, 13],
    ],
    invalid: [
      [[10], /Too few items match/],
      [[1, 2], /Too few items match/],
      [[10, 11, 12, 13], /Too many items match/],
      [[10, 11, "x"], /^\[2\]: /],
    ],
  },
  "uneval.seen": {
    valid: [{ kind: "a", a: "x" }, { kind: "b" }, { kind: "b", shared: true }],
    invalid: [
      [{ kind: "b", other: 1 }, /^other: Unrecognized key: "other"/],
      [{ kind: "a", a: 1 }, /^a: /],
    ],
  },
  "const.seen": {
    valid: [{ fixed: { on: true, tags: ["x", 1] } }, { fixed: { tags: ["x", 1], on: true }, list: [1, { a: null }] }],
    invalid: [
      [{ fixed: { on: true, tags: ["x"] } }, /^fixed\.tags/],
      [{ fixed: { on: true, tags: ["x", 1], more: 1 } }, /^fixed: /],
      [{ fixed: { on: true, tags: ["x", 1] }, list: [1, {}] }, /^list\[1\]\.a: /],
    ],
  },
};

const ws = new Workspace({ "specs/kw.yaml": spec });
const parsers = new Map<string, Parse>();
/** A kind as the module's names spell it: `deps.seen` → `depsSeen`. */
const camel = (kind: string) => kind.replace(/\.(\w)/g, (_, c: string) => c.toUpperCase());
const pascal = (kind: string) => camel(kind)[0]!.toUpperCase() + camel(kind).slice(1);
let module: Record<string, unknown>;
beforeAll(async () => {
  const result = await ws.generate();
  if (!result.ok) throw new Error(result.errors.map(formatError).join("\n"));
  module = (await import(join(ws.root, "generated/kw.ts"))) as Record<string, unknown>;
  for (const kind of Object.keys(payloads)) parsers.set(kind, module[`parse${pascal(kind)}Payload`] as Parse);
}, 30_000);
afterAll(() => ws.dispose());

/** Ajv 2020 on each payload's schema as the spec wrote it: the oracle. */
const ajvs = new Map(
  Object.entries(payloads).map(([kind, text]) => [kind, new Ajv2020({ strict: false }).compile(parse(text.replace(/^\n/, "")) as object)]),
);

describe.each(Object.keys(payloads))("%s", (kind) => {
  const ajv = ajvs.get(kind)!;
  it("accepts what Ajv accepts, as it came", () => {
    for (const value of cases[kind]!.valid) {
      expect(ajv(value), JSON.stringify(value)).toBe(true);
      expect(parsers.get(kind)!(value), JSON.stringify(value)).toEqual({ ok: true, payload: value });
    }
  });
  it("refuses what Ajv refuses, naming the bad field", () => {
    for (const [value, reason] of cases[kind]!.invalid) {
      expect(ajv(value), JSON.stringify(value)).toBe(false);
      const parsed = parsers.get(kind)!(value);
      expect(parsed.ok, JSON.stringify(value)).toBe(false);
      expect(parsed.reason, JSON.stringify(value)).toMatch(reason);
    }
  });
});

/**
 * zod's JSON Schema leaves refinements out: each carries its keyword as metadata. A keyword checked
 * in parts (one refinement per key of dependentRequired, dependentSchemas) kept only its last key there.
 * Judged by Ajv 2019-09: the forms are draft 7 (a tuple's `items` an array) with the carried keywords
 * of 2019-09 beside.
 */
describe.each(Object.keys(payloads))("%s's JSON Schemas", (kind) => {
  const schemas = schemasOf("kw.yaml", spec);
  const payload = schemas.find(({ schema }) => schema.constName === `${camel(kind)}PayloadSchema`)!;
  const forms = {
    inline: () => jsonSchemaOf(payload.schema, payload.resolve, "input"),
    exported: () => module[`${camel(kind)}PayloadJsonSchema`],
  };
  it.each(Object.keys(forms) as (keyof typeof forms)[])("the %s form judges as Ajv on the spec's schema and the parser do", (form) => {
    const generated = new Ajv2019({ strict: false }).compile(forms[form]() as object);
    for (const value of [...cases[kind]!.valid, ...cases[kind]!.invalid.map(([v]) => v)]) {
      const expected = parsers.get(kind)!(value).ok;
      expect(ajvs.get(kind)!(value), JSON.stringify(value)).toBe(expected);
      expect(generated(value), JSON.stringify(value)).toBe(expected);
    }
  });
});

it("carries every key of dependentRequired and dependentSchemas, in the spec's order", () => {
  const json = module["depsSeenPayloadJsonSchema"] as Record<string, Record<string, unknown>>;
  expect(Object.keys(json["dependentRequired"]!)).toEqual(["a", "c"]);
  expect(Object.keys(json["dependentSchemas"]!)).toEqual(["x", "y"]);
});

it("compiles under strict, and carries each keyword into the JSON Schema", () => {
  expect(ws.typecheck()).toEqual([]);
  const text = ws.read("generated/kw.ts");
  if (process.env["SHOW"]) console.log(text);
  expect(text).toMatch(/\.superRefine\(\(value, ctx\) => \{/);
  for (const keyword of CHECK_KEYWORDS) {
    expect(
      JSON.stringify(Object.values(module).filter((v) => typeof v === "object" && v !== null && !("safeParse" in v))),
      keyword,
    ).toContain(`"${keyword}"`);
  }
});
