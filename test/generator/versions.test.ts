import { describe, expect, it } from "vitest";
import { formatError } from "../../generator/read.ts";
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
  (JSON.parse(ws.read("generated/intent-versions.json")) as Record).intents["mail.send"].map((v) => v.version + (v.dropsOlder ? " drops older" : "") + (v.upgradesOlder ? " upgrades older" : ""));

describe("the intent version record", () => {
  it("records v1, then a new version for each compatible change, and none for a description", async () => {
    const ws = new Workspace({ "specs/mail.yaml": spec(v1) });
    try {
      await ws.generateOrThrow();
      expect(versionsOf(ws)).toEqual(["1"]);
      expect(ws.read("generated/mail.ts")).toContain("intentVersion: 1,");
      expect((await ws.generateOrThrow()).changes).toEqual([]);

      ws.write("specs/mail.yaml", spec(v1.replace("Who gets it.", "The recipient.")));
      await ws.generateOrThrow();
      expect(versionsOf(ws)).toEqual(["1"]);

      // An optional field, a field with a default, a bound relaxed: every stored intent still parses.
      ws.write("specs/mail.yaml", spec(`${v1.replace("maximum: 5", "maximum: 10")}\n        subject: { type: string }\n        urgent: { type: boolean, default: false }`));
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
      await ws.generateOrThrow();
      ws.write("specs/mail.yaml", spec(v1.replace("maximum: 5", "maximum: 3").replace("required: [to]", "required: [to, subject]") + "\n        subject: { type: string }"));
      const before = ws.snapshot(".");
      for (const check of [false, true]) {
        const result = await ws.generate(check);
        expect(result.ok).toBe(false);
        const errors = result.ok ? [] : result.errors.map(formatError);
        expect(errors).toEqual([
          expect.stringMatching(/^specs\/mail\.yaml:7:17: the intent of "mail\.send" cannot become version 2: \$: requires "subject", which stored values may lack \(required\); a stored intent such as \{"to":""\} would no longer parse\. .*dropIntentsBefore: 2/),
          expect.stringMatching(/^specs\/mail\.yaml:10:55: the intent of "mail\.send" cannot become version 2: copies: lowered its upper bound to 3 \(maximum\); a stored intent such as \{"to":"","copies":5\} would no longer parse/),
        ]);
        expect(ws.snapshot(".")).toEqual(before);
      }
    } finally {
      ws.dispose();
    }
  });

  it("takes a breaking change when the spec drops older intents from exactly that version, and records it", async () => {
    const ws = new Workspace({ "specs/mail.yaml": spec(v1) });
    try {
      await ws.generateOrThrow();
      const breaking = v1.replace("maximum: 5", "maximum: 3");
      ws.write("specs/mail.yaml", spec(breaking, "\n    dropIntentsBefore: 2"));
      await ws.generateOrThrow();
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

  it("refuses to guess over a record that is not one", async () => {
    const ws = new Workspace({ "specs/mail.yaml": spec(v1), "generated/intent-versions.json": '{ "mail.send": [{ "version": 2 }] }' });
    try {
      await expect(ws.generate()).rejects.toThrow(/generated\/intent-versions\.json: not a record of intent versions/);
    } finally {
      ws.dispose();
    }
  });
});
