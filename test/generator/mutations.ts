/** Payloads' mutations, for tests that compare two judges of them (real-world.test.ts, exported-json-schema.test.ts). */

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type Segment = string | number;

/** A value of another JSON type than `value`, so that a schema that types the field refuses it. */
function otherType(value: Json): Json {
  if (typeof value === "string") return 12345;
  if (typeof value === "number") return "0";
  if (typeof value === "boolean") return "true";
  if (value === null) return 0;
  if (Array.isArray(value)) return "[]";
  return 7;
}

/** Mutations of an example, each with the path of what changed: every field given another type, every key removed. */
export function* mutations(value: Json, at: Segment[] = []): Generator<{ path: Segment[]; value: Json; what: string }> {
  if (at.length > 0) yield { path: at, value: otherType(value), what: "another type" };
  if (Array.isArray(value)) for (const [i, item] of value.entries()) yield* mutations(item, [...at, i]);
  else if (value !== null && typeof value === "object") {
    for (const [key, item] of Object.entries(value)) {
      yield { path: [...at, key], value: undefined as unknown as Json, what: "removed" };
      yield* mutations(item, [...at, key]);
    }
  }
}

/** `root` with the value at `path` replaced (removed, for `undefined`). */
export function place(root: Json, path: readonly Segment[], value: Json | undefined): Json {
  if (path.length === 0) return value as Json;
  const [head, ...rest] = path;
  if (Array.isArray(root)) return root.map((item, i) => (i === head ? place(item, rest, value) : item));
  const object = root as Record<string, Json>;
  if (rest.length === 0 && value === undefined) return Object.fromEntries(Object.entries(object).filter(([key]) => key !== head));
  return { ...object, [head as string]: place(object[head as string]!, rest, value) };
}
