import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { main } from "../../generator/cli.ts";
import { generate } from "../../generator/generate.ts";
import { formatError } from "../../generator/read.ts";
import { parseRecord, releaseRecord, renderRecord, type VersionRecord } from "../../generator/versions.ts";
import { Workspace } from "./workspace.ts";

const spec = (intent: string, extra = "") => `triggers:
  - kind: mail.send
    intentEventKind: mail.send.requested
    cancellation: cooperative${extra}
    intent:
${intent}
    outcome: { type: object }
    events: {}
`;

const v1 = `      type: object
      required: [to]
      properties:
        to: { type: string, description: "Who gets it." }
        copies: { type: integer, minimum: 1, maximum: 5 }`;

type Record = { intents: { "mail.send": { version: number; dropsOlder?: true; upgradesOlder?: true }[] } };
const versionsOf = (ws: Workspace) =>
  (JSON.parse(ws.read("generated/intent-versions.json")) as Record).intents["mail.send"].map(
    (v) => v.version + (v.dropsOlder ? " drops older" : "") + (v.upgradesOlder ? " upgrades older" : ""),
  );

/** What a deploy does to the record: `trigger-codegen release` before `wrangler deploy`. */
const release = (ws: Workspace) =>
  ws.write(
    "generated/intent-versions.json",
    renderRecord(releaseRecord(parseRecord(ws.read("generated/intent-versions.json")) as VersionRecord).record),
  );
/** Generated, then deployed: every version so far is released, and a breaking change needs a new one. */
const deploy = async (ws: Workspace) => {
  await ws.generateOrThrow();
  release(ws);
};

describe("the intent version record", () => {
  it("records v1, then a new version for each compatible change, and none for a description", async () => {
    const ws = new Workspace({ "specs/mail.yaml": spec(v1) });
    try {
      await deploy(ws);
      expect(versionsOf(ws)).toEqual(["1"]);
      expect(ws.read("generated/mail.ts")).toContain("intentVersion: 1,");
      expect((await ws.generateOrThrow()).changes).toEqual([]);

      ws.write("specs/mail.yaml", spec(v1.replace("Who gets it.", "The recipient.")));
      await ws.generateOrThrow();
      expect(versionsOf(ws)).toEqual(["1"]);

      // An optional field, a field with a default, a bound relaxed: every stored intent still parses.
      ws.write(
        "specs/mail.yaml",
        spec(
          `${v1.replace("maximum: 5", "maximum: 10")}\n        subject: { type: string }\n        urgent: { type: boolean, default: false }`,
        ),
      );
      await ws.generateOrThrow();
      expect(versionsOf(ws)).toEqual(["1", "2"]);
      expect(ws.read("generated/mail.ts")).toContain("intentVersion: 2,");
    } finally {
      ws.dispose();
    }
  });

  it("refuses a breaking change at the node that changed, with the rule and a stored value it would refuse, and writes nothing", async () => {
    const ws = new Workspace({ "specs/mail.yaml": spec(v1) });
    try {
      await deploy(ws);
      ws.write(
        "specs/mail.yaml",
        spec(
          v1.replace("maximum: 5", "maximum: 3").replace("required: [to]", "required: [to, subject]") +
            "\n        subject: { type: string }",
        ),
      );
      const before = ws.snapshot(".");
      for (const check of [false, true]) {
        const result = await ws.generate(check);
        expect(result.ok).toBe(false);
        const errors = result.ok ? [] : result.errors.map(formatError);
        expect(errors).toEqual([
          expect.stringMatching(
            /^specs\/mail\.yaml:7:17: the intent of "mail\.send" cannot become version 2: \$: requires "subject", which stored values may lack \(required\); a stored intent such as \{"to":""\} would no longer parse\. .*dropIntentsBefore: 2/,
          ),
          expect.stringMatching(
            /^specs\/mail\.yaml:10:55: the intent of "mail\.send" cannot become version 2: copies: lowered its upper bound to 3 \(maximum\); a stored intent such as \{"to":"","copies":5\} would no longer parse/,
          ),
        ]);
        expect(ws.snapshot(".")).toEqual(before);
      }
    } finally {
      ws.dispose();
    }
  });

  it("compares an intent that keeps an untyped field: a compatible edit takes a new version, a breaking one is refused", async () => {
    // `value: {}` is any JSON, a recursive definition in the JSON Schema the check walks.
    const untyped = `${v1}\n        value: {}`;
    const ws = new Workspace({ "specs/mail.yaml": spec(untyped) });
    try {
      await deploy(ws);
      ws.write("specs/mail.yaml", spec(`${untyped}\n        subject: { type: string }`));
      await deploy(ws);
      expect(versionsOf(ws)).toEqual(["1", "2"]);

      ws.write("specs/mail.yaml", spec(`${untyped.replace("maximum: 5", "maximum: 3")}\n        subject: { type: string }`));
      const before = ws.snapshot(".");
      const result = await ws.generate();
      expect(result.ok).toBe(false);
      expect(result.ok ? [] : result.errors.map(formatError)).toEqual([
        expect.stringMatching(
          /^specs\/mail\.yaml:10:55: the intent of "mail\.send" cannot become version 3: copies: lowered its upper bound to 3 \(maximum\); a stored intent such as \{"to":"","copies":5\} would no longer parse/,
        ),
      ]);
      expect(ws.snapshot(".")).toEqual(before);
    } finally {
      ws.dispose();
    }
  });

  it("takes a breaking change when the spec drops older intents from exactly that version, and records it", async () => {
    const ws = new Workspace({ "specs/mail.yaml": spec(v1) });
    try {
      await deploy(ws);
      const breaking = v1.replace("maximum: 5", "maximum: 3");
      ws.write("specs/mail.yaml", spec(breaking, "\n    dropIntentsBefore: 2"));
      await deploy(ws);
      expect(versionsOf(ws)).toEqual(["1", "2 drops older"]);
      // The runtime learns it from the trigger: stored intents of version 1 settle rejected.
      expect(ws.read("generated/mail.ts")).toMatch(/intentVersion: 2,\n\s+intentsDroppedBefore: 2,/);

      // The declaration names version 2: it does not wave the next breaking change through.
      ws.write("specs/mail.yaml", spec(breaking.replace("maximum: 3", "maximum: 2"), "\n    dropIntentsBefore: 2"));
      const refused = await ws.generate();
      expect(refused.ok).toBe(false);
      expect(versionsOf(ws)).toEqual(["1", "2 drops older"]);
    } finally {
      ws.dispose();
    }
  });

  it("reads the record's first layout (kind → versions) and writes it in the current one, versions unchanged", async () => {
    const ws = new Workspace({ "specs/mail.yaml": spec(v1) });
    try {
      await ws.generateOrThrow();
      const current = JSON.parse(ws.read("generated/intent-versions.json")) as { intents: object };
      // That layout had every schema inline.
      ws.write(
        "generated/intent-versions.json",
        JSON.stringify((parseRecord(ws.read("generated/intent-versions.json")) as VersionRecord).intents),
      );
      await ws.generateOrThrow();
      expect(JSON.parse(ws.read("generated/intent-versions.json"))).toEqual(current);
    } finally {
      ws.dispose();
    }
  });

  it("refuses to guess over a record that is not one", async () => {
    const ws = new Workspace({ "specs/mail.yaml": spec(v1), "generated/intent-versions.json": '{ "mail.send": [{ "version": 2 }] }' });
    try {
      await expect(ws.generate()).rejects.toThrow(/generated\/intent-versions\.json: not a record of intent versions/);
    } finally {
      ws.dispose();
    }
  });
});

describe("draft versions", () => {
  /** `trigger-codegen …` in the workspace (its own package.json keeps the repo's settings out): code and what it printed. */
  const cli = async (ws: Workspace, ...args: string[]) => {
    const lines: string[] = [];
    const code = await main(args, { cwd: ws.root, out: (line) => lines.push(line), err: (line) => lines.push(line) });
    return { code, output: lines.join("\n") };
  };
  const drafts = (ws: Workspace) =>
    (JSON.parse(ws.read("generated/intent-versions.json")) as { intents: { "mail.send": { version: number; draft?: true }[] } }).intents[
      "mail.send"
    ]
      .filter((v) => v.draft)
      .map((v) => v.version);
  const breaking = (from: string) =>
    spec(`${from.replace("required: [to]", "required: [to, subject]")}\n        subject: { type: string }`);

  it("rewrites a version in place until it is released, even for a breaking edit; released, the edit is refused naming release --undo, which makes it a draft again", async () => {
    const ws = new Workspace({ "package.json": "{}\n", "specs/mail.yaml": spec(v1) });
    try {
      expect(await cli(ws, "generate")).toMatchObject({ code: 0 });
      expect(drafts(ws)).toEqual([1]);
      // Nothing was deployed: a breaking edit is the same draft, rewritten.
      ws.write("specs/mail.yaml", breaking(v1));
      expect(await cli(ws, "generate")).toMatchObject({ code: 0 });
      expect(versionsOf(ws)).toEqual(["1"]);
      expect(drafts(ws)).toEqual([1]);
      expect(ws.read("generated/mail.ts")).toContain("intentVersion: 1,");

      // The deploy script's first step: released, and generated code is still up to date.
      expect(await cli(ws, "release")).toEqual({
        code: 0,
        output: "trigger-codegen: released mail.send v1; commit generated/intent-versions.json",
      });
      expect(drafts(ws)).toEqual([]);
      expect(await cli(ws, "generate", "--check")).toMatchObject({ code: 0 });
      expect(await cli(ws, "release")).toEqual({ code: 0, output: "trigger-codegen: nothing to release (no draft versions)" });

      // Released: a compatible edit is a new draft version, which an edit breaking version 1's stored intents may not become.
      const withCc = breaking(v1).replace("copies:", "cc: { type: string }\n        copies:");
      ws.write("specs/mail.yaml", withCc);
      expect(await cli(ws, "generate")).toMatchObject({ code: 0 });
      expect([versionsOf(ws), drafts(ws)]).toEqual([["1", "2"], [2]]);
      ws.write("specs/mail.yaml", withCc.replace("maximum: 5", "maximum: 3"));
      const refused = await cli(ws, "generate");
      expect(refused.code).toBe(1);
      expect(refused.output).toMatch(/the intent of "mail\.send" cannot become version 2: copies: lowered its upper bound to 3/);
      expect(refused.output).toContain(
        "Never deployed version 1? `npx trigger-codegen release --undo mail.send` makes it a draft again, which any edit may rewrite",
      );
      expect([versionsOf(ws), drafts(ws)]).toEqual([["1", "2"], [2]]);

      // Back to what was released: the draft goes, and version 1 is current again.
      ws.write("specs/mail.yaml", breaking(v1));
      expect(await cli(ws, "generate")).toMatchObject({ code: 0 });
      expect([versionsOf(ws), drafts(ws)]).toEqual([["1"], []]);

      // A release that never shipped: undone, version 1 is a draft again and takes the edit.
      expect(await cli(ws, "release", "--undo", "mail.sned")).toEqual({
        code: 1,
        output: 'trigger-codegen release: no trigger "mail.sned" in the record; did you mean "mail.send"?',
      });
      expect(await cli(ws, "release", "--undo", "mail.send")).toEqual({
        code: 0,
        output: "trigger-codegen: mail.send v1 is a draft again; the next generate may rewrite it",
      });
      expect(await cli(ws, "release", "--undo", "mail.send")).toEqual({
        code: 1,
        output: 'trigger-codegen release: version 1 of "mail.send" is a draft already',
      });
      ws.write("specs/mail.yaml", spec(v1));
      expect(await cli(ws, "generate")).toMatchObject({ code: 0 });
      expect([versionsOf(ws), drafts(ws)]).toEqual([["1"], [1]]);
    } finally {
      ws.dispose();
    }
  });

  it("keeps a released version's hash and bytes: a record written before drafts reads as released", async () => {
    const ws = new Workspace({ "specs/mail.yaml": spec(v1) });
    try {
      await deploy(ws);
      const released = ws.read("generated/intent-versions.json");
      expect(released).not.toContain('"draft"');
      expect((await ws.generateOrThrow()).changes).toEqual([]);
      ws.write("specs/mail.yaml", breaking(v1));
      expect((await ws.generate()).ok).toBe(false);
    } finally {
      ws.dispose();
    }
  });
});

describe("upgrades and event payloads in the record", () => {
  const handlerBodies = `import type { MailSendHandlers } from "../../generated";

export const handlers: MailSendHandlers = {
  async acquire(intent) {
    return { sent: intent.to }; // mine
  },
  commit(_outcome, _tx) {},
  commitCancelled(_intent, _cancellation, _tx) {},
};
`;

  it("takes a breaking change declared as an upgrade to exactly that version, and the stub repair adds the upgrade without touching a body", async () => {
    const ws = new Workspace({ "specs/mail.yaml": spec(v1) });
    try {
      await deploy(ws);
      ws.write("app/triggers/mail.send.ts", handlerBodies);
      const breaking = `${v1.replace("required: [to]", "required: [to, subject]")}\n        subject: { type: string }`;
      ws.write("specs/mail.yaml", spec(breaking, "\n    upgradeIntentsTo: 2"));
      await deploy(ws);
      expect(versionsOf(ws)).toEqual(["1", "2 upgrades older"]);
      const handler = ws.read("app/triggers/mail.send.ts");
      // Everything that was there is there byte for byte; the upgrade is added at the end of the object.
      expect(handler).toBe(
        handlerBodies.replace(
          "  commitCancelled(_intent, _cancellation, _tx) {},\n",
          '  commitCancelled(_intent, _cancellation, _tx) {},\n  upgradeToV2(_old) {\n    throw new Error("mail.send: upgradeToV2 is not written yet");\n  }\n',
        ),
      );
      expect((await ws.generateOrThrow()).changes).toEqual([]);
      // The declaration names version 2: the next breaking change is refused.
      ws.write("specs/mail.yaml", spec(breaking.replace("maximum: 5", "maximum: 3"), "\n    upgradeIntentsTo: 2"));
      expect((await ws.generate()).ok).toBe(false);
    } finally {
      ws.dispose();
    }
  });

  it("honours an upgrade declared on a compatible change (what a field means may change with its shape kept)", async () => {
    const ws = new Workspace({ "specs/mail.yaml": spec(v1) });
    try {
      await deploy(ws);
      ws.write("specs/mail.yaml", spec(v1.replace("maximum: 5", "maximum: 9"), "\n    upgradeIntentsTo: 2"));
      await ws.generateOrThrow();
      expect(versionsOf(ws)).toEqual(["1", "2 upgrades older"]);
      expect(ws.read("generated/mail.ts")).toContain("upgradeToV2(old: MailSendIntentV1): MailSendIntent;");
    } finally {
      ws.dispose();
    }
  });

  it("checks a change against every version since the last upgrade or drop, not only the last", async () => {
    const ws = new Workspace({ "specs/mail.yaml": spec(v1) });
    try {
      await deploy(ws);
      // v2: a field with a default; intents stored under v1 lack it, and v2 fills it in when it parses them.
      ws.write("specs/mail.yaml", spec(`${v1}\n        urgent: { type: boolean, default: false }`));
      await deploy(ws);
      // v3 requires it without a default: every intent v2 stored has it, but those v1 stored do not, and they reach v3 unchanged.
      ws.write("specs/mail.yaml", spec(`${v1.replace("required: [to]", "required: [to, urgent]")}\n        urgent: { type: boolean }`));
      const result = await ws.generate();
      expect(result.ok ? [] : result.errors.map(formatError)).toEqual([
        expect.stringMatching(
          /^specs\/mail\.yaml:7:17: the intent of "mail\.send" cannot become version 3: \$: requires "urgent", which stored values may lack \(required\); a stored intent such as \{"to":""\} would no longer parse\. .*upgradeIntentsTo: 3 and write upgradeToV3 in app\/triggers\/mail\.send\.ts/,
        ),
      ]);
    } finally {
      ws.dispose();
    }
  });

  it("refuses a spec that both drops and upgrades the same version, at the declaration", async () => {
    const ws = new Workspace({ "specs/mail.yaml": spec(v1) });
    try {
      await deploy(ws);
      ws.write("specs/mail.yaml", spec(v1.replace("maximum: 5", "maximum: 3"), "\n    dropIntentsBefore: 2\n    upgradeIntentsTo: 2"));
      const result = await ws.generate();
      expect(result.ok ? [] : result.errors.map(formatError)).toEqual([
        'specs/mail.yaml:6:23: "mail.send" declares both dropIntentsBefore and upgradeIntentsTo for version 2: stored intents are either dropped or upgraded; keep one',
      ]);
    } finally {
      ws.dispose();
    }
  });

  const withEvent = (payload: string) =>
    spec(v1).replace("    events: {}", `    events:\n      mail.send.sent:\n        payload:\n${payload}`);
  const sentV1 = `          type: object
          required: [to]
          properties:
            to: { type: string }
            copies: { type: integer, maximum: 5 }`;

  it("warns when an event payload changes so that facts already written would not parse, records it, and --strict-events refuses instead", async () => {
    const ws = new Workspace({ "specs/mail.yaml": withEvent(sentV1) });
    try {
      expect((await ws.generateOrThrow()).warnings).toEqual([]);
      const breaking = withEvent(sentV1.replace("maximum: 5", "maximum: 3"));
      ws.write("specs/mail.yaml", breaking);
      const before = ws.snapshot(".");
      const strict = await generate({ ...ws.options(true), strictEvents: true });
      const message =
        /^specs\/mail\.yaml:19:47: (warning: )?the payload of "mail\.send\.sent" changed so that facts already written would no longer parse: copies: lowered its upper bound to 3 \(maximum\); such as \{"to":"","copies":5\}/;
      expect(strict.ok ? [] : strict.errors.map(formatError)).toEqual([expect.stringMatching(message)]);
      expect(ws.snapshot(".")).toEqual(before);
      const warned = await ws.generateOrThrow();
      expect(warned.warnings.map(formatError)).toEqual([expect.stringMatching(message)]);
      expect(formatError(warned.warnings[0]!)).toContain("warning: ");
      // Recorded: the next run has nothing to say.
      expect((await ws.generateOrThrow()).warnings).toEqual([]);
      // A compatible change (a bound relaxed) says nothing either.
      ws.write("specs/mail.yaml", withEvent(sentV1.replace("maximum: 5", "maximum: 9")));
      expect((await ws.generateOrThrow()).warnings).toEqual([]);
    } finally {
      ws.dispose();
    }
  });
});

describe("typed upgrades", () => {
  it("types each upgrade from the record, chained across versions, and a handlers object without one does not compile", async () => {
    const ws = new Workspace({ "specs/mail.yaml": spec(v1) });
    try {
      await deploy(ws);
      // v2 requires a subject (upgraded), v3 adds an optional cc (compatible), v4 lowers copies' maximum (upgraded).
      const v2 = `${v1.replace("required: [to]", "required: [to, subject]")}\n        subject: { type: string }`;
      ws.write("specs/mail.yaml", spec(v2, "\n    upgradeIntentsTo: 2"));
      await deploy(ws);
      ws.write("specs/mail.yaml", spec(`${v2}\n        cc: { type: string }`, "\n    upgradeIntentsTo: 2"));
      await deploy(ws);
      ws.write(
        "specs/mail.yaml",
        spec(`${v2.replace("maximum: 5", "maximum: 3")}\n        cc: { type: string }`, "\n    upgradeIntentsTo: 4"),
      );
      await deploy(ws);
      expect(versionsOf(ws)).toEqual(["1", "2 upgrades older", "3", "4 upgrades older"]);
      // The record as committed, byte for byte (UPDATE_GOLDEN=1 rewrites it), and a second run changes nothing.
      const golden = join(dirname(fileURLToPath(import.meta.url)), "fixtures/golden/intent-versions-upgrades.json.golden");
      if (process.env.UPDATE_GOLDEN || !existsSync(golden)) writeFileSync(golden, ws.read("generated/intent-versions.json"));
      expect(ws.read("generated/intent-versions.json")).toBe(readFileSync(golden, "utf8"));
      expect((await ws.generateOrThrow()).changes).toEqual([]);

      const generated = ws.read("generated/mail.ts");
      expect(generated).toContain(
        "export type MailSendIntentV1 = {\n  copies?: number | undefined;\n  /** Who gets it. */\n  to: string;\n  [x: string]: JsonValue | undefined;\n};",
      );
      expect(generated).toContain("upgradeToV2(old: MailSendIntentV1): MailSendIntentV2;");
      expect(generated).toContain("upgradeToV4(old: MailSendIntentV2 | MailSendIntentV3): MailSendIntent;");
      expect(generated).toContain("intentUpgrades: { 2: handlers.upgradeToV2, 4: handlers.upgradeToV4 },");
      // The stub repair added both, with bodies that throw until written.
      const stub = ws.read("app/triggers/mail.send.ts");
      expect(stub).toContain('upgradeToV2(_old) {\n    throw new Error("mail.send: upgradeToV2 is not written yet");\n  }');
      expect(stub).toContain('upgradeToV4(_old) {\n    throw new Error("mail.send: upgradeToV4 is not written yet");\n  }');

      ws.write(
        "app/filled.ts",
        `import type { MailSendHandlers } from "../generated";

const rest = { async acquire() { return {}; }, commit() {}, commitCancelled() {} };

export const filled: MailSendHandlers = {
  ...rest,
  upgradeToV2: (old) => ({ ...old, subject: "(none)" }),
  upgradeToV4: (old) => ({ ...old, copies: Math.min(old.copies ?? 1, 3) }),
};

// @ts-expect-error a handlers object without the upgrade to version 4 does not compile
export const forgotten: MailSendHandlers = {
  ...rest,
  upgradeToV2: (old) => ({ ...old, subject: "(none)" }),
};

export const wrong: MailSendHandlers = {
  ...rest,
  // @ts-expect-error an upgrade that leaves out the field version 2 requires does not compile
  upgradeToV2: (old) => ({ ...old }),
  upgradeToV4: (old) => old,
};
`,
      );
      // One compiler run: the stubbed handler file and the filled one compile, and every @ts-expect-error is needed.
      expect(ws.typecheck()).toEqual([]);
    } finally {
      ws.dispose();
    }
  });
});
