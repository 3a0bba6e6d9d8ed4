import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Workspace } from "./workspace";

/** Values a schema leaves untyped, and enums and consts of objects and arrays. */
const spec = `triggers:
  - kind: any.job
    intentEventKind: any.job.requested
    cancellation: cooperative
    intent:
      type: object
      required: [choice]
      properties:
        anything: {}
        described: { description: Whatever the caller sends. }
        list: { type: array }
        choice: { enum: [{ a: 1 }, 2, [1, x], null, s] }
        exact: { const: { plan: { tier: pro, seats: [1, 2] } } }
        extra: { type: object, additionalProperties: {} }
        kept: { type: object, properties: { n: { type: integer } }, additionalProperties: true }
        typed: { type: object, properties: { n: { type: integer } }, additionalProperties: { type: string } }
        empty: { enum: [{}, [], 0] }
        closed: { type: object, additionalProperties: false }
    outcome: { type: object, properties: { echo: {} } }
    events: {}
`;

/** A handler that uses the types, with the lines that must not compile marked. */
const usage = `import type { AnyJobIntent } from "../generated";

export const choices: AnyJobIntent["choice"][] = [{ a: 1 }, 2, [1, "x"], null, "s"];
// @ts-expect-error an object the enum does not list does not compile
export const wrongObject: AnyJobIntent["choice"] = { a: 2 };
// @ts-expect-error nor does a tuple of the wrong length
export const wrongTuple: AnyJobIntent["choice"] = [1, "x", 3];
export const exact: AnyJobIntent["exact"] = { plan: { tier: "pro", seats: [1, 2] } };
// @ts-expect-error a const of another value does not compile
export const wrongExact: AnyJobIntent["exact"] = { plan: { tier: "free", seats: [1, 2] } };
export const json: AnyJobIntent = { choice: 2, anything: { x: [1, null, "y", { z: true }] }, list: [1, "two"], extra: { k: [{}] } };
export const empties: AnyJobIntent["empty"][] = [{}, [], 0, undefined];
// @ts-expect-error an empty object in an enum is not any value
export const notEmpty: AnyJobIntent["empty"] = "s";
// @ts-expect-error nor is a closed object without properties
export const notClosed: AnyJobIntent["closed"] = 1;
export const typed: AnyJobIntent["typed"] = { n: 1, k: "s" };
export const n: number | undefined = typed?.n;
// @ts-expect-error the other keys hold strings (or what the properties hold)
export const wrongTyped: AnyJobIntent["typed"] = { n: 1, k: true };
// @ts-expect-error a bigint is not JSON
export const notJson: AnyJobIntent = { choice: 2, anything: 1n };
`;

describe("untyped values and enums of objects", () => {
  let ws: Workspace;
  let parse: (raw: unknown) => { ok: boolean; intent?: unknown; reason?: string };
  beforeAll(async () => {
    ws = new Workspace({ "specs/any.yaml": spec });
    await ws.generateOrThrow();
    parse = (await import(join(ws.root, "generated/any.ts"))).parseAnyJobIntent;
  });
  afterAll(() => ws.dispose());

  it("are typed as JSON, and enums and consts exactly", () => {
    const text = ws.read("generated/any.ts");
    expect(text).toContain("anything?: JsonValue | undefined;");
    expect(text).toContain("/** Whatever the caller sends. */\n  described?: JsonValue | undefined;");
    expect(text).toContain("list?: JsonValue[] | undefined;");
    expect(text).toContain('choice: {\n    a: 1;\n  } | 2 | [1, "x"] | null | "s";');
    expect(text).toContain("seats: [1, 2];");
    expect(text).toContain("[x: string]: JsonValue;");
    expect(text).toContain("echo?: JsonValue | undefined;");
    // The other keys' type takes in the properties', as TypeScript wants.
    expect(text).toContain("kept?: {\n    n?: number | undefined;\n    [x: string]: JsonValue | undefined;\n  } | undefined;");
    expect(text).toContain("typed?: {\n    n?: number | undefined;\n    [x: string]: string | number | undefined;\n  } | undefined;");
    expect(text).toContain("empty?: ({\n    [x: string]: never;\n  } | [] | 0) | undefined;");
    expect(ws.read("generated/parse.ts")).toMatch(/^export type JsonValue = /m);
  });

  it("compile under strict, and a value of the wrong shape does not", () => {
    ws.write("app/usage.ts", usage);
    try {
      expect(ws.typecheck()).toEqual([]);
    } finally {
      ws.remove("app/usage.ts");
    }
  });

  it("match an enum's objects and arrays by deep equality", () => {
    for (const choice of [{ a: 1 }, 2, [1, "x"], null, "s"]) expect(parse({ choice })).toEqual({ ok: true, intent: { choice } });
    for (const empty of [{}, [], 0]) expect(parse({ choice: 2, empty })).toEqual({ ok: true, intent: { choice: 2, empty } });
    for (const empty of [{ a: 1 }, [0], 1, ""]) expect(parse({ choice: 2, empty }).ok, JSON.stringify(empty)).toBe(false);
    for (const choice of [{ a: 1, b: 2 }, { a: "1" }, {}, [1, "x", 3], [1], ["x", 1], 3, "t", [], undefined]) {
      expect(parse({ choice }).ok, JSON.stringify(choice)).toBe(false);
    }
  });

  it("match a const by deep equality, whatever the order of its keys", () => {
    const value = { plan: { tier: "pro", seats: [1, 2] } };
    expect(parse({ choice: 2, exact: { plan: { seats: [1, 2], tier: "pro" } } })).toEqual({
      ok: true,
      intent: { choice: 2, exact: value },
    });
    for (const exact of [
      { plan: { tier: "pro", seats: [2, 1] } },
      { plan: { tier: "pro" } },
      { plan: { ...value.plan, extra: 1 } },
      value.plan,
      "pro",
    ]) {
      expect(parse({ choice: 2, exact }).ok, JSON.stringify(exact)).toBe(false);
    }
  });

  it("accept any plain JSON where a schema is untyped, and nothing else", () => {
    const json = { s: "x", n: -1.5, b: false, z: null, list: [1, [2, { deep: ["y"] }]] };
    expect(parse({ choice: 2, anything: json, described: [json], list: [json, 1], extra: { k: json } })).toMatchObject({ ok: true });
    expect(parse({ choice: 2, kept: { n: 1, k: json } })).toEqual({ ok: true, intent: { choice: 2, kept: { n: 1, k: json } } });
    for (const anything of [
      new Date(0),
      new Map(),
      () => 1,
      Number.NaN,
      Number.POSITIVE_INFINITY,
      [undefined],
      { k: undefined },
      1n,
      Symbol("s"),
    ]) {
      expect(parse({ choice: 2, anything }).ok, String(anything)).toBe(false);
      expect(parse({ choice: 2, list: [anything] }).ok, String(anything)).toBe(false);
      expect(parse({ choice: 2, extra: { k: anything } }).ok, String(anything)).toBe(false);
      expect(parse({ choice: 2, kept: { k: anything } }).ok, String(anything)).toBe(false);
    }
  });
});
