import type { CheckedSpec } from "./checked-spec.ts";
import { declaredEventNames, KIND_PATTERN, pascalCase, RUNTIME_EVENT_PREFIX, suggest } from "./names.ts";
import { quoted } from "./quoted.ts";
import type { SpecError } from "./read.ts";
import type { JsonValue, PayloadSchema, SchemaOrRef } from "./spec-format.ts";
import { objectView, resolved } from "./zod-ir.ts";

/** Where a fact kind's payload schema is declared, and how its names resolve there. */
interface Declaration {
  readonly what: string;
  /** `file:line:col` of the declaration, and the same as its parts. */
  readonly at: { readonly where: string; readonly position: { readonly file: string; readonly line: number; readonly col: number } };
  readonly payload: SchemaOrRef;
  readonly resolve: (name: string) => SchemaOrRef | undefined;
  /** Declared on its own (top-level `events`), written by a trigger or stream (its `events`), or a trigger's intent event. */
  readonly role: "standalone" | "written" | "intent";
}

const resolverOf = (spec: CheckedSpec["spec"], own: Record<string, SchemaOrRef | undefined>) => (name: string) =>
  own[name] ?? spec.schemas?.[name];

/** Every fact kind the project's specs declare: on its own, or as one a trigger or stream writes. */
function declarations(specs: readonly CheckedSpec[]): Map<string, Declaration[]> {
  const found = new Map<string, Declaration[]>();
  // A kind that cannot be one is reported where it is declared; here it would only be echoed.
  const add = (kind: string, declaration: Declaration) => {
    if (KIND_PATTERN.test(kind)) found.set(kind, [...(found.get(kind) ?? []), declaration]);
  };
  for (const { file, spec, locate } of specs) {
    // Located when a message needs it: finding a node's position is most of this pass's work, and it
    // runs over every spec on every `--watch` run, where nearly always nothing is wrong.
    const where = (path: PropertyKey[]) => {
      let found: { line: number; col: number } | undefined;
      const position = () => (found ??= locate(path, "key"));
      return {
        get where() {
          return `${file}:${position().line}:${position().col}`;
        },
        get position() {
          return { file, ...position() };
        },
      };
    };
    for (const [kind, event] of Object.entries(spec.events ?? {})) {
      add(kind, {
        what: `event "${kind}"`,
        at: where(["events", kind]),
        payload: event.payload,
        resolve: resolverOf(spec, {}),
        role: "standalone",
      });
    }
    (spec.triggers ?? []).forEach((trigger, index) => {
      const resolve = resolverOf(spec, { intent: trigger.intent, outcome: trigger.outcome, progress: trigger.progress });
      // Its intent event is a fact too, whose payload is the intent as stored.
      add(trigger.intentEventKind, {
        what: `intent event "${trigger.intentEventKind}" of trigger "${trigger.kind}"`,
        at: where(["triggers", index, "intentEventKind"]),
        payload: trigger.intent,
        resolve,
        role: "intent",
      });
      for (const [kind, event] of Object.entries(trigger.events)) {
        add(kind, {
          what: `event "${kind}" of trigger "${trigger.kind}"`,
          at: where(["triggers", index, "events", kind]),
          payload: event.payload,
          resolve,
          role: "written",
        });
      }
    });
    (spec.streams ?? []).forEach((stream, index) => {
      const resolve = resolverOf(spec, { start: stream.start, result: stream.result, progress: stream.progress, output: stream.output });
      for (const [kind, event] of Object.entries(stream.events)) {
        add(kind, {
          what: `event "${kind}" of stream "${stream.kind}"`,
          at: where(["streams", index, "events", kind]),
          payload: event.payload,
          resolve,
          role: "written",
        });
      }
    });
  }
  return found;
}

/**
 * What relates facts across the project: a declared event's kind and names are its own (no
 * trigger or stream writes the same kind under another schema), and each `cancelOn` rule names a
 * declared kind and pairs fields that exist on both sides, of types that can be equal.
 * `complete`: every spec file was read, so a kind not found is not declared anywhere.
 */
export function checkEvents(specs: readonly CheckedSpec[], { complete }: { complete: boolean }): SpecError[] {
  const errors: SpecError[] = [];
  const known = declarations(specs);
  for (const [kind, list] of known) {
    const standalone = list.find((d) => d.role === "standalone");
    if (standalone === undefined) continue;
    // One payload schema per kind: a trigger or stream that writes a declared kind would give it a second one.
    // (An intent event kind taken by a declared one is refused as a duplicate kind already.)
    for (const other of list.filter((d) => d.role === "written")) {
      errors.push(
        at(
          other,
          `${other.what} is declared on its own at ${standalone.at.where}; a kind has one payload schema, so a trigger or stream may not declare it again`,
        ),
      );
    }
    // Generated names: a declared event's payload type must not be another event's.
    const typeName = declaredEventNames(kind).typeName;
    for (const [otherKind, others] of known) {
      if (otherKind !== kind && `${pascalCase(otherKind)}Payload` === typeName) {
        for (const other of others.filter((d) => d.role === "written"))
          errors.push(at(other, `${other.what} makes the type name ${typeName}, as event "${kind}" does at ${standalone.at.where}`));
      }
    }
  }
  for (const checked of specs) errors.push(...checkCancelOn(checked, known, complete));
  return errors;
}

const at = (declaration: Declaration, message: string): SpecError => ({ ...declaration.at.position, message });

function checkCancelOn({ file, spec, locate }: CheckedSpec, known: ReadonlyMap<string, Declaration[]>, complete: boolean): SpecError[] {
  const errors: SpecError[] = [];
  const error = (path: readonly PropertyKey[], message: string, key?: "key") => errors.push({ file, ...locate(path, key), message });
  (spec.triggers ?? []).forEach((trigger, index) => {
    const intentResolve = resolverOf(spec, { intent: trigger.intent, outcome: trigger.outcome, progress: trigger.progress });
    trigger.cancelOn?.forEach((rule, r) => {
      const base = ["triggers", index, "cancelOn", r];
      // The runtime keeps no match keys for work it could not stop: a rule there would never act.
      if (r === 0 && trigger.cancellation === "ignored") {
        error(
          ["triggers", index, "cancelOn"],
          `cancelOn on "${trigger.kind}", whose cancellation is "ignored": a cancel request changes nothing for it, so no event would ever stop its work; expected cancellation: cooperative`,
          "key",
        );
      }
      const declared = known.get(rule.event);
      if (declared === undefined) {
        if (complete) {
          const kinds = [...known.keys()].filter((kind) => !kind.startsWith(RUNTIME_EVENT_PREFIX)).sort();
          const hint = suggest(rule.event, kinds);
          error(
            [...base, "event"],
            `cancelOn event ${quoted(rule.event)} is not declared; expected a kind under a spec's top-level events, in a trigger's or stream's events, or a trigger's intentEventKind${kinds.length > 0 ? `: one of ${kinds.join(", ")}` : ""}${hint ? `. Did you mean "${hint}"?` : ""}`,
          );
        }
        return;
      }
      for (const [intentPath, eventPath] of Object.entries(rule.match)) {
        const intentField = field(trigger.intent, intentPath, intentResolve);
        if (typeof intentField === "string")
          error(
            [...base, "match", intentPath],
            `cancelOn match: the intent of "${trigger.kind}" has no field ${quoted(intentPath)}: ${intentField}`,
            "key",
          );
        for (const declaration of declared) {
          const eventField = field(declaration.payload, eventPath, declaration.resolve);
          if (typeof eventField === "string") {
            error(
              [...base, "match", intentPath],
              `cancelOn match: the payload of ${declaration.what} (${declaration.at.where}) has no field ${quoted(eventPath)}: ${eventField}`,
            );
            continue;
          }
          if (typeof intentField === "string") continue;
          const problem = incompatible(intentField.types, eventField.types);
          if (problem) {
            error(
              [...base, "match", intentPath],
              `cancelOn match: intent field ${quoted(intentPath)} is ${problem.intent}, and field ${quoted(eventPath)} of ${declaration.what} is ${problem.event}; ${problem.why}`,
            );
          }
        }
      }
    });
  });
  return errors;
}

/**
 * What a field holds, as JSON types, `"any"` when the schema does not say. `null` is left out: the
 * runtime matches null with null, but two fields that can only meet at null were not meant to match.
 */
type Types = ReadonlySet<string> | "any";

/** A dotted path's field in a schema, through named schemas, `$ref` and `allOf`; or why there is none. */
function field(schema: SchemaOrRef, path: string, resolve: (name: string) => SchemaOrRef | undefined): { types: Types } | string {
  const ctx = { resolve, opaque: () => false };
  let node: SchemaOrRef = schema;
  const segments = path.split(".");
  for (const [i, segment] of segments.entries()) {
    const object = objectView(node, ctx) ?? resolved(node, ctx);
    const parent = i === 0 ? "the payload" : quoted(segments.slice(0, i).join("."));
    // A number steps into an array (`items.0.sku`), as the runtime reads the path.
    if (/^(0|[1-9][0-9]*)$/.test(segment) && object !== undefined && (object.items !== undefined || object.prefixItems !== undefined)) {
      const tuple = object.prefixItems ?? (Array.isArray(object.items) ? object.items : undefined);
      const item = tuple?.[Number(segment)] ?? (Array.isArray(object.items) ? undefined : object.items);
      if (item === undefined || typeof item === "boolean") return `${parent} has no item ${segment}`;
      node = item;
      continue;
    }
    const properties = object?.properties;
    if (properties === undefined) return `${parent} has no declared properties`;
    const next = properties[segment];
    if (next === undefined) {
      const names = Object.keys(properties);
      const hint = suggest(segment, names);
      return `${parent} has ${names.length > 0 ? `only ${names.join(", ")}` : "no properties"}${hint ? `. Did you mean "${[...segments.slice(0, i), hint].join(".")}"?` : ""}`;
    }
    node = next;
  }
  return { types: typesOf(node, resolve, 0) };
}

const typeOfValue = (v: JsonValue): string =>
  v === null ? "null" : Array.isArray(v) ? "array" : typeof v === "number" ? (Number.isInteger(v) ? "integer" : "number") : typeof v;

function typesOf(schema: SchemaOrRef, resolve: (name: string) => SchemaOrRef | undefined, depth: number): Types {
  const s: PayloadSchema | undefined = resolved(schema, { resolve });
  if (s === undefined || depth > 16) return "any";
  let types: string[] | "any";
  if (s.const !== undefined) types = [typeOfValue(s.const)];
  else if (s.enum !== undefined) types = s.enum.map(typeOfValue);
  else if (s.type !== undefined) types = [s.type].flat();
  else if (s.anyOf ?? s.oneOf) {
    const branches = (s.anyOf ?? s.oneOf)!.map((branch) => typesOf(branch, resolve, depth + 1));
    types = branches.includes("any") ? "any" : branches.flatMap((b) => [...(b as ReadonlySet<string>)]);
  } else if (s.allOf !== undefined) {
    // Every part holds: the types they have in common, parts that do not say left out.
    const parts = s.allOf.map((part) => typesOf(part, resolve, depth + 1)).filter((p): p is ReadonlySet<string> => p !== "any");
    types = parts.length === 0 ? "any" : [...parts[0]!].filter((t) => parts.every((p) => p.has(t)));
  } else if (s.format !== undefined || s.pattern !== undefined || s.minLength !== undefined || s.maxLength !== undefined)
    types = ["string"];
  else if (s.properties !== undefined || s.additionalProperties !== undefined) types = ["object"];
  else if (s.items !== undefined || s.prefixItems !== undefined) types = ["array"];
  else types = "any";
  return types === "any" ? "any" : new Set(types.filter((t) => t !== "null"));
}

const describeTypes = (types: ReadonlySet<string>) =>
  [...types].map((t) => (t === "integer" || t === "array" || t === "object" ? `an ${t}` : `a ${t}`)).join(" or ") || "always null";

/** Why two fields can never be equal as a match compares them, or `undefined` when they can. */
function incompatible(intent: Types, event: Types): { intent: string; event: string; why: string } | undefined {
  // The runtime compares values as JSON (objects whatever their keys' order): two fields can match when they share a type.
  if (intent === "any" || event === "any") return undefined;
  const numeric = (t: string) => t === "number" || t === "integer";
  const meets = [...intent].some((a) => [...event].some((b) => a === b || (numeric(a) && numeric(b))));
  return meets
    ? undefined
    : { intent: describeTypes(intent), event: describeTypes(event), why: "a match compares equal values, so both must be of one type" };
}
