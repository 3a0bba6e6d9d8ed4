import { join } from "node:path";
import { afterAll, beforeAll, expect, it, vi } from "vitest";
import { formatError } from "../../generator/read";
import { Workspace } from "./workspace";

/**
 * Issue 21: the schemas a refinement runs (`if`/`then`/`else`, `not`, `dependentSchemas`, `propertyNames`,
 * `contains`) are built on its first run and then kept: not again on every parse, nor as the module loads.
 * They may still name a schema declared further down, or the one being declared (through z.lazy).
 */

// Every zod builder the generated module calls (`z.looseObject`, `z.string`, …; not zod's classes), counted. zod
// itself calls its builders through its own modules, not this namespace, so only the module's own calls count.
const zodCalls = vi.hoisted(() => ({ count: 0 }));
vi.mock("zod", async (importOriginal) => {
  const zod = await importOriginal<Record<string, unknown>>();
  const counted = (fn: (...args: unknown[]) => unknown) =>
    function (this: unknown, ...args: unknown[]) {
      zodCalls.count++;
      return fn.apply(this, args);
    };
  return Object.fromEntries(
    Object.entries(zod).map(([name, value]) => [
      name,
      typeof value === "function" && /^[a-z]/.test(name) ? counted(value as (...args: unknown[]) => unknown) : value,
    ]),
  );
});

const spec = `
schemas:
  # Recursive through its own \`then\`: the refinement names the schema being declared.
  Tree:
    type: object
    properties: { kind: { type: string } }
    required: [kind]
    if: { properties: { kind: { const: branch } } }
    then: { properties: { child: { $ref: Tree } }, required: [child] }
  # \`not\` names Published, which the module declares further down (the two name each other).
  Draft:
    type: object
    properties: { title: { type: string } }
    not: { $ref: Published }
  Published:
    type: object
    properties: { publishedAt: { type: string }, previous: { $ref: Draft } }
    required: [publishedAt]

events:
  tree.seen: { payload: Tree }
  draft.saved: { payload: Draft }
  order.checked:
    payload:
      type: object
      properties: { card: { type: string }, zip: { type: string } }
      dependentSchemas: { card: { properties: { zip: { minLength: 5 } }, required: [zip] } }
      propertyNames: { maxLength: 4 }
  tags.seen:
    payload:
      type: array
      items: { type: string }
      contains: { const: urgent }
`;

type Parse = (raw: unknown) => { ok: boolean; reason?: string };
const ws = new Workspace({ "specs/lazy.yaml": spec });
let generated: Record<string, Parse>;
beforeAll(async () => {
  const result = await ws.generate();
  if (!result.ok) throw new Error(result.errors.map(formatError).join("\n"));
  generated = (await import(join(ws.root, "generated/lazy.ts"))) as Record<string, Parse>;
}, 30_000);
afterAll(() => ws.dispose());

/** Payloads each parser accepts, and ones it refuses with the refusal they get. */
const cases: Record<string, { valid: unknown[]; invalid: [unknown, string][] }> = {
  parseTreeSeenPayload: {
    valid: [{ kind: "leaf" }, { kind: "branch", child: { kind: "branch", child: { kind: "leaf" } } }],
    invalid: [[{ kind: "branch", child: { kind: "branch" } }, "child.child: "]],
  },
  parseDraftSavedPayload: {
    valid: [{ title: "a" }, { title: "a", publishedAt: 1 }],
    invalid: [[{ title: "a", publishedAt: "2026-01-01" }, "$: matches the schema under not"]],
  },
  parseOrderCheckedPayload: {
    valid: [{ card: "c", zip: "12345" }, { zip: "1" }],
    invalid: [
      [{ card: "c", zip: "123" }, "zip: Too small"],
      [{ zipcode: "1" }, 'zipcode: Invalid key "zipcode"'],
    ],
  },
  parseTagsSeenPayload: { valid: [["a", "urgent"]], invalid: [[["a"], "$: Too few items match the schema under contains"]] },
};
const parseAll = (parser: string) => {
  for (const raw of cases[parser]!.valid) generated[parser]!(raw);
  for (const [raw] of cases[parser]!.invalid) generated[parser]!(raw);
};

// First, before any other test has parsed a payload.
it("builds a refinement's schemas on its first run, then never again", () => {
  for (const parser of Object.keys(cases)) {
    const before = zodCalls.count;
    parseAll(parser);
    // Not as the module loaded (a Worker's every start would pay for refinements it may never run): on this first run.
    expect(zodCalls.count - before, `${parser}, first run`).toBeGreaterThan(0);
    const built = zodCalls.count;
    for (let i = 0; i < 20; i++) parseAll(parser);
    expect(zodCalls.count - built, `${parser}, every later run`).toBe(0);
  }
});

it("compiles under strict", () => {
  expect(ws.typecheck()).toEqual([]);
});

it("runs schemas declared further down, or recursively, refusing as before", () => {
  for (const [parser, { valid, invalid }] of Object.entries(cases)) {
    for (const raw of valid) expect(generated[parser]!(raw), JSON.stringify(raw)).toEqual({ ok: true, payload: raw });
    for (const [raw, reason] of invalid) {
      const refused = generated[parser]!(raw);
      expect(refused.ok, JSON.stringify(raw)).toBe(false);
      expect(refused.reason, JSON.stringify(raw)).toContain(reason);
    }
  }
});
