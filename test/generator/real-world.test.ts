import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { jsonSchemaOf } from "../../generator/emit/schema";
import { declaredEventNames } from "../../generator/names";
import { formatError } from "../../generator/read";
import { corpus, CORPUS, FIXTURES, type CorpusCase } from "./real-world-convert";
import { mutations, place, type Json, type Segment } from "./mutations";
import { judgesOf, oracle } from "./real-world-oracle";
import { schemasOf } from "./spec-schemas";
import { Workspace } from "./workspace";

/**
 * Issue 21: published schemas (GitHub's webhooks, Stripe's OpenAPI components, CloudEvents,
 * SchemaStore's dependabot 2.0) run through the conversion README's format section describes, and
 * nothing else: each generates, compiles under the strictest settings, accepts every example its
 * publisher gives with no field lost, and agrees with Ajv (the oracle, in tests only) on every
 * mutation of them, naming the mutated field when it refuses (or the field Ajv names: a conditional
 * may make another field wrong). The default run covers one case of each publisher (Stripe's
 * `charge`, a closure of several hundred shared schemas, with it); CORPUS_ALL=1 runs all of them.
 * The converted specs are kept under fixtures/real-world/ (UPDATE_GOLDEN=1 rewrites them).
 */
const ALL = process.env["CORPUS_ALL"] === "1";
const DEFAULT = ["cloudevents.event", "dependabot.config", "github.installation.created", "github.push.event", "stripe.charge"];
/** What the generator cannot take yet, and why: refused with an error at the keyword, never read wrongly. */
const NOT_YET: Record<string, string> = {};

type Parse = (raw: unknown) => { ok: true; payload: unknown } | { ok: false; reason: string };

const available = existsSync(CORPUS);
const cases = available ? corpus().filter((c) => ALL || DEFAULT.includes(c.name)) : [];

/** Every path in `input` that `output` lacks or holds otherwise (the output may add keys: defaults). */
function lost(input: Json, output: unknown, at = "$"): string[] {
  if (Array.isArray(input))
    return Array.isArray(output) && output.length === input.length
      ? input.flatMap((item, i) => lost(item, output[i], `${at}[${i}]`))
      : [at];
  if (input !== null && typeof input === "object") {
    if (output === null || typeof output !== "object") return [at];
    return Object.entries(input).flatMap(([key, item]) =>
      key in output ? lost(item, (output as Record<string, unknown>)[key], `${at}.${key}`) : [`${at}.${key}`],
    );
  }
  return Object.is(input, output) ? [] : [at];
}

/** A path as the generated parser prints it: `items[2].name`, `plan["a.b"]`, `$` for the root. */
function pathText(path: readonly Segment[]): string {
  if (path.length === 0) return "$";
  return path
    .map((s, i) =>
      typeof s === "number" ? `[${s}]` : /^[A-Za-z_$][\w$]*$/.test(s) ? `${i === 0 ? "" : "."}${s}` : `[${JSON.stringify(s)}]`,
    )
    .join("");
}

const vendorOf = (c: CorpusCase) => c.name.slice(0, c.name.indexOf("."));

/** The cases' specs merged per vendor: the same `schemas` (a vendor's cases share them), every case's event. */
function specsByVendor(list: readonly CorpusCase[]): Map<string, Record<string, Json>> {
  const merged = new Map<string, Record<string, Json>>();
  for (const c of list) {
    const spec = merged.get(vendorOf(c)) ?? { schemas: {}, events: {} };
    Object.assign(spec["schemas"] as object, c.spec["schemas"]);
    Object.assign(spec["events"] as object, c.spec["events"]);
    merged.set(vendorOf(c), spec);
  }
  return merged;
}

/** Spreads `limit` picks evenly over a list: a large example is sampled, not skipped. */
const spread = <T>(items: T[], limit: number) =>
  items.length <= limit ? items : Array.from({ length: limit }, (_, i) => items[Math.floor((i * items.length) / limit)]!);

describe.skipIf(!available)("the real-world corpus", () => {
  const ws = new Workspace();
  const parsers = new Map<string, Parse>();
  /** Each case's payload JSON Schema as the module exports it (shared schemas under `definitions`) and as the version record keeps it (inline). */
  const jsonSchemas = new Map<string, { exported: unknown; inline: unknown }>();
  const texts = new Map<string, string>();
  const models = new Map<string, ReturnType<typeof schemasOf>>();
  let warnings: string[] = [];

  beforeAll(
    async () => {
      mkdirSync(FIXTURES, { recursive: true });
      // One spec file per vendor, as a user keeps one: its schemas once, an event per payload.
      for (const [vendor, spec] of specsByVendor(cases.filter((c) => !(c.name in NOT_YET)))) {
        const text = `${JSON.stringify(spec, null, 1)}\n`;
        // The default run's specs are kept as fixtures, so a reader sees what the conversion gives, and
        // checked to stay so; Stripe's (a closure of hundreds of shared schemas, near a megabyte) and CORPUS_ALL's are not.
        if (!ALL && vendor !== "stripe") {
          const fixture = join(FIXTURES, `${vendor}.yaml`);
          if (process.env["UPDATE_GOLDEN"] === "1" || !existsSync(fixture)) writeFileSync(fixture, text);
          expect(readFileSync(fixture, "utf8"), `${fixture} is the conversion's output (UPDATE_GOLDEN=1 rewrites it)`).toBe(text);
        }
        ws.write(`specs/${vendor}.yaml`, text);
        texts.set(vendor, text);
      }
      const result = await ws.generate();
      if (!result.ok) throw new Error(result.errors.map(formatError).join("\n"));
      warnings = result.warnings.map(formatError);
      for (const c of cases) {
        if (c.name in NOT_YET) continue;
        const module = (await import(join(ws.root, `generated/${vendorOf(c)}.ts`))) as Record<string, unknown>;
        const names = declaredEventNames(c.kind);
        parsers.set(c.name, module[names.parseName] as Parse);
        const vendorSchemas = models.get(vendorOf(c)) ?? schemasOf(`${vendorOf(c)}.yaml`, texts.get(vendorOf(c))!);
        models.set(vendorOf(c), vendorSchemas);
        const { schema, resolve } = vendorSchemas.find((s) => s.exported && s.schema.typeName === names.typeName)!;
        jsonSchemas.set(c.name, { exported: module[names.jsonSchemaName], inline: jsonSchemaOf(schema, resolve, "input") });
      }
    },
    ALL ? 600_000 : 60_000,
  );
  afterAll(() => ws.dispose());

  it("generates every case and compiles it under strict, exactOptionalPropertyTypes, noUncheckedIndexedAccess and noUnused*", {
    timeout: ALL ? 300_000 : 30_000,
  }, () => {
    expect(ws.typecheck()).toEqual([]);
    // Only warnings the corpus earns: keys that are no keyword (octokit's tsAdditionalProperties).
    for (const warning of warnings) expect(warning).toMatch(/warning: "tsAdditionalProperties" is not a JSON Schema keyword/);
  });

  for (const c of cases) {
    if (c.name in NOT_YET) {
      it.todo(`${c.name}: ${NOT_YET[c.name]}`);
      continue;
    }
    describe(c.name, () => {
      it("accepts every example its publisher gives, as Ajv does, with no field lost", () => {
        const ajv = oracle(c);
        const parse = parsers.get(c.name)!;
        for (const { name, value } of c.valid) {
          expect(ajv(value), `${name}: Ajv ${JSON.stringify(ajv.errors)}`).toBe(true);
          const parsed = parse(value);
          expect(parsed.ok ? "ok" : parsed.reason, name).toBe("ok");
          if (parsed.ok) expect(lost(value as Json, parsed.payload), `${name}: fields lost`).toEqual([]);
        }
      });

      it("refuses every negative example, as Ajv does", () => {
        const ajv = oracle(c);
        const parse = parsers.get(c.name)!;
        for (const { name, value } of c.invalid) {
          expect(ajv(value), name).toBe(false);
          expect(parse(value).ok, name).toBe(false);
        }
      });

      it("agrees with Ajv on every mutation of the examples, and names the mutated field when it refuses", () => {
        const ajv = oracle(c);
        const parse = parsers.get(c.name)!;
        let refused = 0;
        for (const { name, value } of c.valid) {
          for (const mutation of spread([...mutations(value as Json)], ALL ? 400 : 150)) {
            const mutant = place(value as Json, mutation.path, mutation.value);
            const where = `${name}: ${pathText(mutation.path)} ${mutation.what}`;
            const verdict = ajv(mutant);
            const parsed = parse(mutant);
            expect(parsed.ok, `${where}: Ajv says ${verdict ? "valid" : JSON.stringify(ajv.errors)}`).toBe(verdict);
            if (parsed.ok) continue;
            refused++;
            // The refusal names the field that changed, or (for a removed key) the object that lacks it.
            const path = pathText(mutation.path);
            const parent = pathText(mutation.path.slice(0, -1));
            // Or a field Ajv names too: a conditional (if/then/else) may make another field wrong instead.
            const named = (ajv.errors ?? []).map((e) =>
              pathText(
                [
                  ...e.instancePath.split("/").slice(1),
                  ...(typeof e.params["missingProperty"] === "string" ? [`/${e.params["missingProperty"]}`] : []),
                ].map((p) =>
                  p.startsWith("/") ? p.slice(1) : /^(0|[1-9]\d*)$/.test(p) ? Number(p) : p.replace(/~1/g, "/").replace(/~0/g, "~"),
                ),
              ),
            );
            expect(
              parsed.reason
                .split("; ")
                .some(
                  (problem) =>
                    problem.startsWith(`${path}: `) ||
                    (mutation.what === "removed" && problem.startsWith(`${parent}: `)) ||
                    named.some((p) => p !== "$" && problem.startsWith(`${p}: `)),
                ),
              `${where}: ${parsed.reason}`,
            ).toBe(true);
          }
        }
        expect(refused).toBeGreaterThan(0);
      });

      it("exports a JSON Schema, each shared schema once under definitions, that judges every example and mutation as the inline one does", () => {
        const { exported, inline } = jsonSchemas.get(c.name)!;
        const [byInline, byExported] = judgesOf(inline, exported);
        for (const { name, value } of [...c.valid, ...c.invalid]) {
          expect(byExported(value), name).toBe(byInline(value));
          for (const mutation of spread([...mutations(value as Json)], ALL ? 400 : 150)) {
            const mutant = place(value as Json, mutation.path, mutation.value);
            expect(byExported(mutant), `${name}: ${pathText(mutation.path)} ${mutation.what}`).toBe(byInline(mutant));
          }
        }
      });
    });
  }
});
