import * as fc from "fast-check";
import { expect, it } from "vitest";
import { arbitraryExpression, NoArbitrary } from "../../generator/emit/arbitraries";
import { exportedJsonSchemaOf, jsonSchemaOf } from "../../generator/emit/schema";
import { mutations, place, type Json } from "./mutations";
import { judgesOf } from "./real-world-oracle";
import { schemasOf, SPECS } from "./spec-schemas";

/**
 * Issue 21: a module's JSON Schema constants state each shared schema once, under `definitions`, where
 * the version record keeps zod's inline form. On every spec at hand, each schema's exported form is
 * the inline one's equal to Ajv (the same payloads accepted and refused: values its arbitrary yields,
 * each mutated every way, and plain ones), every `$ref` in it resolves within it, and each
 * definition occurs once.
 */

/** Every object in a JSON value, depth first. */
function* objects(value: Json): Generator<{ [key: string]: Json }> {
  if (Array.isArray(value)) for (const item of value) yield* objects(item);
  else if (value !== null && typeof value === "object") {
    yield value;
    for (const item of Object.values(value)) yield* objects(item);
  }
}

/** What JSON Schema reads beside `$ref` only as a note: draft 7 ignores whatever else is there. */
const ANNOTATIONS = new Set(["$ref", "description", "title", "default", "examples", "deprecated", "readOnly", "writeOnly", "$comment"]);

/** Spreads `limit` picks evenly over a list. */
const spread = <T>(items: T[], limit: number) =>
  items.length <= limit ? items : Array.from({ length: limit }, (_, i) => items[Math.floor((i * items.length) / limit)]!);

/**
 * Specs whose arbitraries take minutes to find a value (dependabot's conditionals over its registries):
 * real-world.test.ts judges their publishers' examples, and every mutation of them, in both forms instead.
 */
const UNSAMPLED = new Set(["real-world/dependabot.yaml"]);

const PLAIN: Json[] = [null, true, 0, 1.5, "", "x", [], {}, [{}], { a: 1 }];

it.each(SPECS)("%s: each exported JSON Schema accepts and refuses what the inline one does, its shared schemas once", (file, text) => {
  let accepted = 0;
  let shared = 0;
  // The module exports intents', starts' and declared events' JSON Schemas; every schema's is tried, for more
  // samples, but the corpus's (whose arbitraries can take minutes to find values, dependabot's registries).
  const corpus = file.startsWith("real-world/");
  for (const { schema, resolve } of schemasOf(file, text).filter((s) => s.exported || !corpus)) {
    const where = `${file}: ${schema.typeName}`;
    const inline = jsonSchemaOf(schema, resolve, "input") as Json;
    const exported = exportedJsonSchemaOf(schema, resolve) as { [key: string]: Json };
    const exportedText = JSON.stringify(exported);

    const definitions = (exported["definitions"] ?? {}) as { [key: string]: Json };
    for (const [name, body] of Object.entries(definitions)) {
      if (!name.startsWith("__schema")) shared++;
      // A short body (`{ type: string }`) may well be another field's too.
      const bodyText = JSON.stringify(body);
      if (bodyText.length >= 100) expect(exportedText.split(bodyText).length - 1, `${where}: ${name} occurs once`).toBe(1);
    }
    // Every reference resolves within its document, those the spec wrote in a carried keyword (if, not, …) too.
    const leads = (ref: string, within: { [key: string]: Json }) =>
      ref === "#" || (ref.startsWith("#/definitions/") && ref.slice(14) in ((within["definitions"] ?? {}) as object));
    for (const object of objects(inline)) {
      const ref = object["$ref"];
      if (typeof ref === "string") expect(leads(ref, inline as { [key: string]: Json }), `${where}: inline ${ref}`).toBe(true);
    }
    for (const object of objects(exported)) {
      const ref = object["$ref"];
      if (typeof ref !== "string") continue;
      expect(leads(ref, exported), `${where}: ${ref}`).toBe(true);
      const beside = Object.keys(object).filter((key) => !ANNOTATIONS.has(key) && !(object === exported && key === "definitions"));
      expect(beside, `${where}: beside ${ref}`).toEqual([]);
    }

    const [byInline, byExported] = judgesOf(inline, exported);
    let values: Json[] = [];
    if (!UNSAMPLED.has(file))
      try {
        const arbitrary = new Function("fc", `return ${arbitraryExpression(schema.ir, resolve)};`)(fc) as fc.Arbitrary<unknown>;
        values = fc.sample(arbitrary, { numRuns: 8, seed: 21 }).map((v) => JSON.parse(JSON.stringify(v ?? null)) as Json);
      } catch (error) {
        // A recursive schema has no arbitrary yet: the plain values and the hand-made ones below stand in.
        if (!(error instanceof NoArbitrary)) throw error;
      }
    const samples = [...PLAIN, ...values];
    for (const value of values) for (const m of spread([...mutations(value)], 60)) samples.push(place(value, m.path, m.value));
    for (const value of samples) {
      const verdict = byInline(value);
      if (verdict) accepted++;
      expect(byExported(value), `${where}: ${JSON.stringify(value).slice(0, 300)}`).toBe(verdict);
    }
  }
  // The samples reach past the first refusal, and the spec's named schemas were put under `definitions`.
  if (!UNSAMPLED.has(file)) expect(accepted).toBeGreaterThan(0);
  if (/^\s*schemas:/m.test(text)) expect(shared).toBeGreaterThan(0);
});

it("keeps the payload at the root: inline when it is a shared schema, a reference when that one is recursive", () => {
  const [, text] = SPECS.find(([file]) => file === "mixed.yaml")!;
  const schemas = schemasOf("mixed.yaml", text);
  const intent = (typeName: string) => {
    const { schema, resolve } = schemas.find(({ schema }) => schema.typeName === typeName)!;
    return exportedJsonSchemaOf(schema, resolve) as { [key: string]: Json };
  };
  expect(intent("MixedClosedIntent")).toMatchObject({ type: "object", properties: { a: { type: "integer", minimum: 1 } } });
  expect(intent("MixedClosedIntent")["definitions"]).toBeUndefined();
  expect(intent("MixedTreeIntent")).toMatchObject({ $ref: "#/definitions/Node", definitions: { Node: { type: "object" } } });
  const run = intent("MixedRunIntent");
  expect(run["properties"]).toMatchObject({ tree: { $ref: "#/definitions/Node" }, closed: { allOf: [{ $ref: "#/definitions/Closed" }] } });
  expect(Object.keys(run["definitions"] as object).sort()).toEqual(["Closed", "Node"]);
  // A tree, and the same tree one level down refused, alike in both forms.
  const tree: Json = { tree: { name: "a", children: [{ name: "b", children: [] }] } };
  const bad: Json = { tree: { name: "a", children: [{ children: [] }] } };
  const { schema, resolve } = schemas.find(({ schema }) => schema.typeName === "MixedRunIntent")!;
  for (const validate of judgesOf(jsonSchemaOf(schema, resolve, "input"), run)) {
    expect(validate(tree)).toBe(true);
    expect(validate(bad)).toBe(false);
  }
});
