import { join } from "node:path";
import ts from "typescript";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { Workspace } from "./workspace";

/** Strings written to break out of a literal, a template, a comment or a line. */
const HOSTILE = [
  `quote " and ' and \\ backslash`,
  "backtick ` and ${globalThis.__pwned = 'template'}",
  "comment */ globalThis.__pwned = 'comment'; /*",
  "new\nline and \r carriage",
  "line\u2028separator and paragraph\u2029separator",
  "</script><!-- -->",
  "bidi \u202Eoverride\u202C, isolate \u2066x\u2069, mark \u200F and \u061C, controls \u0000\u0007\u001B[31m\u007F\u0085\u009B",
];

/** What makes text read differently from what the compiler sees (Trojan Source), or garbles a terminal. */
const INVISIBLE = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/u;

const spec = {
  events: {
    "hostile.fact": {
      description: HOSTILE.join(" | "),
      payload: {
        type: "object",
        description: HOSTILE[2],
        properties: { note: { type: "string", description: HOSTILE[6], default: HOSTILE[1] } },
      },
    },
  },
  triggers: [
    {
      kind: "hostile.job",
      intentEventKind: "hostile.job.requested",
      cancellation: "cooperative",
      description: HOSTILE.join(" | "),
      intent: {
        type: "object",
        required: ["choice", "exact"],
        description: HOSTILE[2],
        properties: {
          choice: { type: "string", enum: HOSTILE, description: HOSTILE[1] },
          exact: { const: HOSTILE[0] },
          fallback: { type: "string", default: HOSTILE[3] },
          shaped: { type: "string", pattern: "^[\"'`$\\\\{}*/]+$" },
          // Annotations that reach JSDoc and .meta(), a discriminator and its values, a key pattern.
          titled: { type: "string", title: HOSTILE[2], examples: [HOSTILE[1], HOSTILE[6]], deprecated: true },
          picked: {
            oneOf: [HOSTILE[2], HOSTILE[5]].map((tag) => ({
              type: "object",
              required: [HOSTILE[0]],
              properties: { [HOSTILE[0]!]: { const: tag } },
            })),
            discriminator: { propertyName: HOSTILE[0] },
          },
          keyed: { type: "object", patternProperties: { [HOSTILE[2]!]: { type: "string", title: HOSTILE[4] } } },
        },
      },
      outcome: { type: "object", properties: { note: { type: "string", description: HOSTILE[4] } } },
      cancelOn: [{ event: "hostile.fact", match: { exact: "note" } }],
      timeouts: { finish: "1h" },
      schedules: HOSTILE.map((choice, i) => ({
        key: `every-${i}`,
        every: `${i + 1}h`,
        payload: { choice, exact: HOSTILE[0], fallback: HOSTILE[6] },
      })),
      events: {
        "hostile.job.done": { payload: "outcome", description: HOSTILE[5] },
        "hostile.job.noted": { payload: { type: "object", description: HOSTILE[6] }, description: HOSTILE[6] },
      },
    },
  ],
};

describe("hostile strings in specs", () => {
  let ws: Workspace;
  let parse: (raw: unknown) => { ok: boolean; intent?: unknown; reason?: string };

  beforeAll(async () => {
    ws = new Workspace({ "specs/hostile.yaml": stringify(spec) });
    await ws.generateOrThrow();
    parse = (await import(join(ws.root, "generated/hostile.ts"))).parseHostileJobIntent;
  });
  afterAll(() => ws.dispose());

  it("never run as code: importing the generated module executes none of them", () => {
    expect((globalThis as { __pwned?: string }).__pwned).toBeUndefined();
  });

  it("compile under strict, stub included", () => {
    expect(ws.typecheck()).toEqual([]);
  });

  it("round-trip exactly in schedule payloads and declared events", async () => {
    const module = await import(join(ws.root, "generated/hostile.ts"));
    const trigger = module.hostileJobTrigger({});
    expect(trigger.schedules.map((s: { payload: unknown }) => s.payload)).toEqual(
      HOSTILE.map((choice) => ({ choice, exact: HOSTILE[0], fallback: HOSTILE[6] })),
    );
    expect(module.hostileFactEvent.description).toBe(HOSTILE.join(" | "));
    expect(module.hostileFactEvent.parsePayload({})).toEqual({ ok: true, payload: { note: HOSTILE[1] } });
  });

  it("in a cron, a time zone, a schedule key or an event kind are refused, and the message shows them escaped", async () => {
    const bad = new Workspace({
      "specs/bad.yaml": stringify({
        events: { [HOSTILE[3]!]: { payload: { type: "object" } } },
        triggers: [
          {
            ...spec.triggers[0],
            schedules: HOSTILE.map((text, i) => ({
              key: i === 0 ? text : `k${i}`,
              cron: text,
              ...(i === 1 ? {} : { timezone: text }),
              payload: { choice: text, exact: HOSTILE[0] },
            })),
          },
        ],
      }),
    });
    try {
      const result = await bad.generate();
      expect(result.ok).toBe(false);
      const messages = result.ok ? [] : result.errors.map((e) => e.message);
      expect(messages.length).toBeGreaterThanOrEqual(HOSTILE.length + 2);
      for (const message of messages) {
        expect(message).not.toMatch(INVISIBLE);
        expect(message).not.toMatch(/[\n\r\u2028\u2029]/);
      }
    } finally {
      bad.dispose();
    }
  });

  it("round-trip exactly as enum values, consts and defaults", () => {
    for (const choice of HOSTILE) {
      expect(parse({ choice, exact: HOSTILE[0] })).toEqual({ ok: true, intent: { choice, exact: HOSTILE[0], fallback: HOSTILE[3] } });
    }
    expect(parse({ choice: "not one of them", exact: HOSTILE[0] }).ok).toBe(false);
    expect(parse({ choice: HOSTILE[0], exact: `${HOSTILE[0]} ` }).ok).toBe(false);
  });

  it("keep their meaning as discriminators and key patterns", () => {
    const base = { choice: HOSTILE[0], exact: HOSTILE[0] };
    expect(parse({ ...base, picked: { [HOSTILE[0]!]: HOSTILE[5] } })).toMatchObject({ ok: true });
    expect(parse({ ...base, picked: { [HOSTILE[0]!]: HOSTILE[3] } })).toMatchObject({ ok: false });
    expect(parse({ ...base, keyed: { "comment / globalThis.__pwned = 'comment'; ": "v" } })).toMatchObject({ ok: true });
    expect(parse({ ...base, keyed: { other: "v" } })).toMatchObject({ ok: false });
    expect(ws.read("generated/hostile.ts")).toContain("z.discriminatedUnion(");
  });

  it("keep their meaning as patterns", () => {
    expect(parse({ choice: HOSTILE[0], exact: HOSTILE[0], shaped: `"'\`$\\{}*/` }).ok).toBe(true);
    expect(parse({ choice: HOSTILE[0], exact: HOSTILE[0], shaped: "abc" })).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/^shaped: /),
    });
  });

  it("stay inside literals and comments, as TypeScript's own scanner reads the output", () => {
    for (const path of ["generated/hostile.ts", "generated/agent-do.ts", "app/triggers/hostile.job.ts"]) {
      const scanner = ts.createScanner(ts.ScriptTarget.ES2022, false, ts.LanguageVariant.Standard, ws.read(path));
      const identifiers: string[] = [];
      for (let token = scanner.scan(); token !== ts.SyntaxKind.EndOfFileToken; token = scanner.scan()) {
        if (token === ts.SyntaxKind.Identifier) identifiers.push(scanner.getTokenText());
      }
      expect(identifiers, path).not.toContain("__pwned");
    }
    expect(ws.read("generated/hostile.ts")).toContain("comment *\\/ globalThis"); // a description's */ is neutralized in JSDoc
  });

  it("bring no bidi override or control character into the output, in a comment or a literal", () => {
    for (const path of ["generated/hostile.ts", "generated/agent-do.ts", "app/triggers/hostile.job.ts"]) {
      expect(ws.read(path), path).not.toMatch(INVISIBLE);
    }
    // A comment shows each as its escape, so a reader sees it is there.
    expect(ws.read("generated/hostile.ts")).toContain("bidi \\u202Eoverride\\u202C, isolate \\u2066x\\u2069");
  });
});
