import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { RunCache } from "../../generator/cache";
import { generate } from "../../generator/generate";
import { Workspace } from "./workspace";

const shop = readFileSync(join(dirname(fileURLToPath(import.meta.url)), "fixtures/shop.yaml"), "utf8");
const mail = (note: string) => `triggers:
  - kind: mail.send
    intentEventKind: mail.send.requested
    cancellation: cooperative
    intent: { type: object, required: [to], properties: { to: { type: string, maxLength: 100 } } }
    outcome: { type: object, description: ${note}, properties: {} }
    events: {}
`;

describe("the watch cache (one layer around pure stages)", () => {
  it("hands back what the same key gave, and computes again for a new key", () => {
    const cache = new RunCache();
    let made = 0;
    const make = () => ++made;
    expect(cache.memo("s", ["a"], make)).toBe(1);
    expect(cache.memo("s", ["a"], make)).toBe(1);
    cache.nextRun();
    expect(cache.memo("s", ["a"], make)).toBe(1);
    expect(cache.memo("s", ["b"], make)).toBe(2);
    expect(made).toBe(2);
  });

  it("keeps only what the last run used, so a long session does not grow it", () => {
    const cache = new RunCache();
    for (let run = 0; run < 100; run++) {
      cache.nextRun();
      for (let i = 0; i < 5; i++) cache.memo("s", [run, i], () => i);
      cache.memo("s", ["kept"], () => "kept");
    }
    // This run's six keys and the run before's: never all hundred runs'.
    expect(cache.sizes()["s"]).toBeLessThanOrEqual(12);
    let made = 0;
    cache.nextRun();
    cache.memo("s", ["kept"], () => made++);
    cache.memo("s", [0, 0], () => made++);
    expect(made).toBe(1); // "kept" was used every run; run 0's keys are long gone
  });

  it("does not drop a stage's entries in a run that never reached that stage (a broken spec)", () => {
    const cache = new RunCache();
    let made = 0;
    cache.memo("emit", ["module"], () => made++);
    cache.nextRun(); // this run stops at check: emit is never used
    cache.nextRun();
    cache.memo("emit", ["module"], () => made++);
    expect(made).toBe(1);
  });
});

describe("generate with a cache", () => {
  const spaces: Workspace[] = [];
  afterEach(() => {
    for (const ws of spaces.splice(0)) ws.dispose();
  });
  const options = (ws: Workspace, cache: RunCache) => ({ ...ws.options(), cache });

  it("writes, run after run in one watch session, exactly what a fresh process writes", async () => {
    const watched = new Workspace({ "specs/shop.yaml": shop, "specs/mail.yaml": mail("first") });
    spaces.push(watched);
    const cache = new RunCache();
    expect((await generate(options(watched, cache))).ok).toBe(true);
    // A description changes the module's text and nothing else (no intent version, no other file).
    for (const note of ["second", "third", "first"]) {
      watched.write("specs/mail.yaml", mail(note));
      expect((await generate(options(watched, cache))).ok).toBe(true);
      const fresh = new Workspace({
        "specs/shop.yaml": shop,
        "specs/mail.yaml": mail(note),
        "generated/intent-versions.json": watched.read("generated/intent-versions.json"),
      });
      spaces.push(fresh);
      expect((await generate(options(fresh, new RunCache()))).ok).toBe(true);
      expect(watched.snapshot("generated")).toEqual(fresh.snapshot("generated"));
      expect(watched.snapshot("app")).toEqual(fresh.snapshot("app"));
    }
    // Every scope holds at most this run's entries and the last one's.
    for (const [scope, size] of Object.entries(cache.sizes())) expect(size, scope).toBeLessThanOrEqual(2 * 8);
  });

  it("writes a brought-in file's edit, though the spec that brings it in is the same text", async () => {
    const spec = "events:\n  a.seen:\n    payload: { $ref: ../schemas/money.yaml }\n";
    const money = (max: number) => `type: object\nproperties:\n  amount: { type: integer, maximum: ${max} }\n`;
    const watched = new Workspace({ "specs/a.yaml": spec, "schemas/money.yaml": money(10) });
    spaces.push(watched);
    const cache = new RunCache();
    expect((await generate(options(watched, cache))).ok).toBe(true);
    watched.write("schemas/money.yaml", money(99));
    const result = await generate(options(watched, cache));
    // The module and the recorded event payload: both were keyed by the spec's text alone before.
    expect(result.ok && result.changes).toEqual([
      { path: "generated/a.ts", change: "updated" },
      { path: "generated/intent-versions.json", change: "updated" },
    ]);
    expect(watched.read("generated/a.ts")).toContain(".max(99)");
  });
});
