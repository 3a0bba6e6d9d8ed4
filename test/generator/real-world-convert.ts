import { readdirSync, readFileSync } from "node:fs";
import { basename, dirname, join, posix } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * The conversion README's "Bringing a vendor's schema" describes, as a user follows it, for the
 * real-world corpus (/work/shared/real-world-schemas, or REAL_WORLD_SCHEMAS): every schema a payload
 * uses goes under the spec's `schemas` by name, references to another file name it, and the root
 * schema becomes a declared event's payload. Nothing else of the vendor's schemas is changed.
 */
export const CORPUS = process.env["REAL_WORLD_SCHEMAS"] ?? "/work/shared/real-world-schemas";
const HERE = dirname(fileURLToPath(import.meta.url));
/** The converted specs, kept so a reader sees what the conversion gives. */
export const FIXTURES = join(HERE, "fixtures/real-world");

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

export interface CorpusCase {
  /** The case's name, also its spec file's (`github.issues.opened`). */
  readonly name: string;
  /** The declared event kind whose payload is the vendor's root schema. */
  readonly kind: string;
  /** The spec, as JSON (which YAML reads as it is). */
  readonly spec: JsonObject;
  /** The vendor's schemas as they publish them, for the oracle: the root, then the others by their id. */
  readonly original: { readonly root: JsonObject; readonly others: Readonly<Record<string, JsonObject>> };
  /** The publisher's own examples of valid payloads. */
  readonly valid: readonly { readonly name: string; readonly value: Json }[];
  /** The publisher's examples of invalid payloads (SchemaStore's negative tests). */
  readonly invalid: readonly { readonly name: string; readonly value: Json }[];
}

const read = (path: string): Json => JSON.parse(readFileSync(path, "utf8")) as Json;
const isObject = (value: Json | undefined): value is JsonObject => typeof value === "object" && value !== null && !Array.isArray(value);

/** A copy of `value` with every `$ref` string passed through `rewrite`. */
function rewriteRefs(value: Json, rewrite: (ref: string) => string): Json {
  if (Array.isArray(value)) return value.map((item) => rewriteRefs(item, rewrite));
  if (!isObject(value)) return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, item]) => [
      key,
      key === "$ref" && typeof item === "string" ? rewrite(item) : rewriteRefs(item, rewrite),
    ]),
  );
}

/** Step 3: the root schema as a payload: its dialect, identity and definitions are the document's, not the payload's. */
function payloadOf(root: JsonObject): JsonObject {
  const { $schema: _s, $id: _i, definitions: _d, $defs: _defs, ...payload } = root;
  return payload;
}

const event = (kind: string, description: string, payload: Json, schemas: JsonObject): JsonObject => ({
  schemas,
  events: { [kind]: { description, payload } },
});

/** GitHub (octokit/webhooks): one file per schema, `common/user.schema.json` named `user`. */
function github(): CorpusCase[] {
  const base = join(CORPUS, "github/payload-schemas/api.github.com");
  const examples = join(CORPUS, "github/payload-examples/api.github.com");
  const common = Object.fromEntries(
    readdirSync(join(base, "common")).map((file) => [file, read(join(base, "common", file)) as JsonObject]),
  );
  // Step 2: a reference to another file names it.
  const name = (ref: string) => basename(ref).replace(/\.schema\.json$/, "");
  const schemas = Object.fromEntries(Object.entries(common).map(([file, schema]) => [name(file), rewriteRefs(payloadOf(schema), name)]));
  const others = Object.fromEntries(Object.entries(common).map(([file, schema]) => [`common/${file}`, schema]));
  return readdirSync(base)
    .filter((dir) => dir !== "common")
    .flatMap((dir) =>
      readdirSync(join(base, dir)).map((file) => {
        const action = file.replace(/\.schema\.json$/, "");
        const root = read(join(base, dir, file)) as JsonObject;
        const valid = readdirSync(join(examples, dir))
          .filter((example) => dir === "push" || example.startsWith(`${action}.`))
          .map((example) => ({ name: `${dir}/${example}`, value: read(join(examples, dir, example)) }));
        const kind = `github.${dir}.${action}`;
        return {
          name: kind,
          kind,
          spec: event(kind, `GitHub's ${dir} ${action} webhook`, rewriteRefs(payloadOf(root), name), schemas),
          original: { root, others },
          valid,
          invalid: [],
        };
      }),
    );
}

/** Stripe (OpenAPI): `components.schemas` by their names; `#/components/schemas/x` is read as it is. */
function stripe(): CorpusCase[] {
  const document = read(join(CORPUS, "stripe/components.schemas.json")) as { components: { schemas: JsonObject } };
  const components = document.components.schemas;
  const fixtures = read(join(CORPUS, "stripe/fixtures.json")) as JsonObject;
  // Only what a resource reaches through `$ref`: a spec need not carry the rest.
  const closure = (name: string): JsonObject => {
    const seen = new Set<string>();
    const visit = (value: Json): void => {
      if (Array.isArray(value)) return value.forEach(visit);
      if (!isObject(value)) return;
      for (const [key, item] of Object.entries(value)) {
        if (key === "$ref" && typeof item === "string") {
          const target = item.replace("#/components/schemas/", "");
          if (!seen.has(target)) {
            seen.add(target);
            visit(components[target]!);
          }
        } else visit(item);
      }
    };
    seen.add(name);
    visit(components[name]!);
    return Object.fromEntries([...seen].sort().map((n) => [n, components[n]!]));
  };
  return Object.keys(fixtures).map((resource) => {
    const kind = `stripe.${resource}`;
    const schemas = closure(resource);
    const root = { $ref: `#/components/schemas/${resource}` };
    return {
      name: kind,
      kind,
      spec: event(kind, `A Stripe ${resource}`, `#/components/schemas/${resource}`, schemas),
      original: { root: { ...root, components: { schemas } } as JsonObject, others: {} },
      valid: [{ name: `fixtures.json ${resource}`, value: fixtures[resource]! }],
      invalid: [],
    };
  });
}

/** CloudEvents: its `definitions` by their names; `#/definitions/x` is read as it is. */
function cloudevents(): CorpusCase[] {
  const root = read(join(CORPUS, "cloudevents/cloudevents.json")) as JsonObject;
  const dir = join(CORPUS, "cloudevents/examples");
  const valid = readdirSync(dir).map((file) => ({ name: file, value: read(join(dir, file)) }));
  const kind = "cloudevents.event";
  return [
    {
      name: kind,
      kind,
      spec: event(kind, "A CloudEvent, in its JSON format", payloadOf(root), root["definitions"] as JsonObject),
      original: { root, others: {} },
      valid,
      invalid: [],
    },
  ];
}

/** SchemaStore's dependabot 2.0: its `definitions` by their names; its tests and negative tests. */
function dependabot(): CorpusCase[] {
  const root = read(join(CORPUS, "schemastore/dependabot-2.0.json")) as JsonObject;
  const tests = (sub: string) =>
    readdirSync(join(CORPUS, "schemastore", sub)).map((file) => ({
      name: `${sub}/${file}`,
      value: read(join(CORPUS, "schemastore", sub, file)),
    }));
  const kind = "dependabot.config";
  return [
    {
      name: kind,
      kind,
      spec: event(kind, "A dependabot.yml, version 2", payloadOf(root), root["definitions"] as JsonObject),
      original: { root, others: {} },
      valid: tests("test"),
      invalid: tests("negative_test"),
    },
  ];
}

export const corpus = (): CorpusCase[] => [...github(), ...stripe(), ...cloudevents(), ...dependabot()];
export const relativeTo = (from: string, path: string) => posix.relative(from, path);
