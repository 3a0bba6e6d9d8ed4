import { fileRefOf, parseReferenced, referencedPath, type ReferencedFiles } from "./ref-files.ts";
import { ANNOTATIONS, REF_PREFIXES } from "./zod-ir.ts";

/**
 * References that lead into a schema rather than name one, replaced by what they lead to before
 * the file is checked, so the rest of the generator sees inline schemas:
 *
 * - a JSON pointer into a named schema (`$ref: "#/definitions/update/properties/allow/items"`, as
 *   SchemaStore's schemas have them); a pointer to a whole named schema (`#/schemas/Address`) stays
 *   a reference and becomes the named constant;
 * - a file the user brings in (`$ref: ./common.yaml#/definitions/money`, `./money.json`), relative to
 *   the file that holds the reference; `#/…` inside it points into that file, and its own file
 *   references are relative to it. A path that leaves the project root is refused, not read.
 *
 * Annotations beside the `$ref` are kept over the target's; another keyword beside it is refused,
 * as beside a name. A reference that leads nowhere, or back to itself, is an error at the `$ref`.
 */
export interface PointerError {
  readonly path: readonly PropertyKey[];
  readonly message: string;
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);
const unescapeSegment = (segment: string) => segment.replace(/~1/g, "/").replace(/~0/g, "~");

/** A pointer into a named schema: its name and the segments after it; `undefined` for anything else. */
export function pointerOf(ref: string): { name: string; tail: string[] } | undefined {
  const prefix = REF_PREFIXES.find((p) => ref.startsWith(p));
  if (prefix === undefined) return undefined;
  const [name, ...tail] = ref.slice(prefix.length).split("/").map(unescapeSegment);
  return tail.length === 0 || name === undefined ? undefined : { name, tail };
}

/** A whole document as a schema: its dialect, identity and definitions are the document's (reached by pointer), not the schema's. */
function documentSchema(document: unknown): unknown {
  if (!isRecord(document)) return document;
  const { $schema: _s, $id: _i, definitions: _d, $defs: _defs, ...schema } = document;
  return schema;
}

/** Where references are read: the spec file (its `schemas` by name) or a file it brought in (plain JSON pointers). */
interface Place {
  readonly file: string;
  readonly root: unknown;
  readonly spec: boolean;
}

/** The file with every reference into a schema replaced by its target; `file` is its path from the project root. */
export function inlinePointers(value: unknown, file: string, referenced: ReferencedFiles): { file: unknown; errors: PointerError[] } {
  const errors: PointerError[] = [];
  if (!isRecord(value)) return { file: value, errors };
  const parsed = new Map<string, unknown>();

  /** The node `segments` lead to from `node`, or what the first segment that leads nowhere is. */
  const walk = (node: unknown, segments: readonly string[], walked: string): { found: unknown } | { missing: string } => {
    for (const segment of segments) {
      const next =
        Array.isArray(node) && /^(0|[1-9][0-9]*)$/.test(segment)
          ? node[Number(segment)]
          : isRecord(node) && Object.hasOwn(node, segment)
            ? node[segment]
            : undefined;
      if (next === undefined) return { missing: `${walked} has no "${segment}"` };
      walked = `${walked}/${segment}`;
      node = next;
    }
    return { found: node };
  };

  /** Where a reference leads, and the place its own references are read in; `undefined` after an error, or for a plain name. */
  const target = (ref: string, place: Place, at: readonly PropertyKey[]): { value: unknown; place: Place } | undefined => {
    const external = fileRefOf(ref);
    if (external !== undefined) {
      const path = referencedPath(place.file, external.path);
      if (path === undefined) {
        errors.push({
          path: at,
          message: `"${ref}" leads outside the project root (or is absolute); a referenced file must be inside the project: copy it in, or put the schema under schemas`,
        });
        return undefined;
      }
      const text = referenced[path];
      if (text === undefined || text === null) {
        errors.push({ path: at, message: `"${ref}": cannot read ${path}` });
        return undefined;
      }
      let root = parsed.get(path);
      if (root === undefined) {
        try {
          root = parseReferenced(path, text);
        } catch (error) {
          errors.push({
            path: at,
            message: `"${ref}": ${path} is not valid ${/\.json$/i.test(path) ? "JSON" : "YAML"}: ${(error as Error).message.split("\n")[0]}`,
          });
          return undefined;
        }
        parsed.set(path, root);
      }
      const segments = external.pointer === "" ? [] : external.pointer.replace(/^\//, "").split("/").map(unescapeSegment);
      const found = walk(root, segments, path);
      if ("missing" in found) {
        errors.push({ path: at, message: `"${ref}" points at nothing: ${found.missing}` });
        return undefined;
      }
      return { value: segments.length === 0 ? documentSchema(found.found) : found.found, place: { file: path, root, spec: false } };
    }
    if (!ref.startsWith("#")) return undefined; // a name: the check reads it
    if (place.spec) {
      const pointer = pointerOf(ref);
      if (pointer === undefined) return undefined; // a whole named schema: a reference
      const schemas = isRecord(place.root) && isRecord(place.root["schemas"]) ? place.root["schemas"] : {};
      if (!Object.hasOwn(schemas, pointer.name)) {
        errors.push({ path: at, message: `"${ref}" points into "${pointer.name}", which names no schema; expected one under schemas` });
        return undefined;
      }
      const found = walk(schemas[pointer.name], pointer.tail, pointer.name);
      if ("missing" in found) errors.push({ path: at, message: `"${ref}" points at nothing: ${found.missing}` });
      return "found" in found ? { value: found.found, place } : undefined;
    }
    // Inside a brought-in file, `#/…` is a plain pointer into it.
    const found = walk(
      place.root,
      ref
        .slice(1)
        .replace(/^\//, "")
        .split("/")
        .filter((s, i) => s !== "" || i > 0)
        .map(unescapeSegment),
      place.file,
    );
    if ("missing" in found) errors.push({ path: at, message: `"${ref}" points at nothing: ${found.missing}` });
    return "found" in found ? { value: found.found, place } : undefined;
  };

  const visit = (node: unknown, at: readonly PropertyKey[], place: Place, following: readonly string[]): unknown => {
    if (Array.isArray(node)) return node.map((item, i) => visit(item, [...at, i], place, following));
    if (!isRecord(node)) return node;
    const ref = node["$ref"];
    if (typeof ref === "string") {
      const key = `${place.file}|${ref}`;
      if (following.includes(key)) {
        errors.push({
          path: [...at, "$ref"],
          message: `"${ref}" leads back to itself; declare the schema under schemas and name it, so it can recur`,
        });
        return node;
      }
      const found = target(ref, place, [...at, "$ref"]);
      if (found !== undefined) {
        const { $ref: _, ...beside } = node;
        // Beside $ref, draft-07 ignores keywords and later drafts apply them: refused, as beside a name.
        const keyword = Object.keys(beside).find((k) => !(ANNOTATIONS as readonly string[]).includes(k) && !k.startsWith("x-"));
        if (keyword !== undefined) {
          errors.push({
            path: [...at, keyword],
            message: `"${keyword}" beside "$ref": only annotations (${ANNOTATIONS.join(", ")}) go with it; put "${keyword}" in the schema it points at, or use allOf`,
          });
          return node;
        }
        // Errors inside the target are said at this $ref, where the file reaches it.
        const inlined = visit(found.value, at, found.place, [...following, key]);
        return isRecord(inlined) ? { ...inlined, ...beside } : inlined;
      }
      if (!place.spec && !ref.startsWith("#") && fileRefOf(ref) === undefined) {
        errors.push({
          path: [...at, "$ref"],
          message: `"${ref}" in ${place.file} is neither a pointer into it (#/…) nor a file beside it`,
        });
        return node;
      }
    }
    return Object.fromEntries(Object.entries(node).map(([key, item]) => [key, visit(item, [...at, key], place, following)]));
  };

  return { file: visit(value, [], { file, root: value, spec: true }, []), errors };
}
