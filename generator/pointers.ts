import { ANNOTATIONS, REF_PREFIXES } from "./zod-ir.ts";

/**
 * JSON pointers into a named schema (`$ref: "#/definitions/update/properties/allow/items"`, as
 * SchemaStore's schemas have them): each is replaced by the schema it points at, before the file is
 * checked, so the rest of the generator sees an inline schema. A pointer to a whole named schema
 * (`#/schemas/Address`) stays a reference: it becomes the named constant. Annotations beside the
 * `$ref` are kept over the target's. A pointer that leads nowhere, or back to itself, is an error at
 * the `$ref`.
 */
export interface PointerError {
  readonly path: readonly PropertyKey[];
  readonly message: string;
}

type Json = unknown;
const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);

/** A pointer into a named schema: its name and the segments after it; `undefined` for anything else. */
export function pointerOf(ref: string): { name: string; tail: string[] } | undefined {
  const prefix = REF_PREFIXES.find((p) => ref.startsWith(p));
  if (prefix === undefined) return undefined;
  const [name, ...tail] = ref.slice(prefix.length).split("/").map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"));
  return tail.length === 0 || name === undefined ? undefined : { name, tail };
}

/** The file with every pointer into a named schema replaced by its target. */
export function inlinePointers(file: unknown): { file: unknown; errors: PointerError[] } {
  const errors: PointerError[] = [];
  if (!isRecord(file)) return { file, errors };
  const schemas = isRecord(file["schemas"]) ? file["schemas"] : {};

  const target = (ref: string, at: readonly PropertyKey[]): Json | undefined => {
    const pointer = pointerOf(ref)!;
    if (!Object.hasOwn(schemas, pointer.name)) {
      errors.push({ path: at, message: `"${ref}" points into "${pointer.name}", which names no schema; expected one under schemas` });
      return undefined;
    }
    let node: Json = schemas[pointer.name];
    const walked = [pointer.name];
    for (const segment of pointer.tail) {
      const next = Array.isArray(node) && /^(0|[1-9][0-9]*)$/.test(segment) ? node[Number(segment)] : isRecord(node) && Object.hasOwn(node, segment) ? node[segment] : undefined;
      if (next === undefined) {
        errors.push({ path: at, message: `"${ref}" points at nothing: "${walked.join("/")}" has no "${segment}"` });
        return undefined;
      }
      walked.push(segment);
      node = next;
    }
    return node;
  };

  const visit = (value: Json, at: readonly PropertyKey[], following: readonly string[]): Json => {
    if (Array.isArray(value)) return value.map((item, i) => visit(item, [...at, i], following));
    if (!isRecord(value)) return value;
    const ref = value["$ref"];
    if (typeof ref === "string" && pointerOf(ref) !== undefined) {
      if (following.includes(ref)) {
        errors.push({ path: [...at, "$ref"], message: `"${ref}" leads back to itself through pointers; declare the schema under schemas and name it, so it can recur` });
        return value;
      }
      const found = target(ref, [...at, "$ref"]);
      if (found === undefined) return value;
      const { $ref: _, ...beside } = value;
      // Beside $ref, draft-07 ignores keywords and later drafts apply them: refused, as beside a name.
      const keyword = Object.keys(beside).find((key) => !(ANNOTATIONS as readonly string[]).includes(key) && !key.startsWith("x-"));
      if (keyword !== undefined) {
        errors.push({ path: [...at, keyword], message: `"${keyword}" beside "$ref": only annotations (${ANNOTATIONS.join(", ")}) go with it; put "${keyword}" in the schema it points at, or use allOf` });
        return value;
      }
      // Errors inside the target are said at this $ref, where the file reaches it.
      const inlined = visit(found, at, [...following, ref]);
      return isRecord(inlined) ? { ...inlined, ...beside } : inlined;
    }
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, visit(item, [...at, key], following)]));
  };

  return { file: visit(file, [], []), errors };
}
