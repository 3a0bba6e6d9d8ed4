import { RequestError } from "./errors.ts";

const MAX_DEPTH = 64;
/** Durable Object SQLite refuses rows over 2 MB; a payload gets half, leaving room for the rest. */
export const MAX_PAYLOAD_BYTES = 1024 * 1024;
const encoder = new TextEncoder();

/**
 * Serializes a payload for the ledger, refusing anything that would not come
 * back the same from JSON: functions, symbols, bigints, non-finite numbers,
 * `undefined` in arrays, class instances, cycles, absurd nesting and more than
 * 1 MiB of text. The error names the path of the first bad value.
 */
export function toJsonText(value: unknown, what: string): string {
  assertJson(value, "$", 0, new Set(), what);
  const text = JSON.stringify(value);
  // Cheap bound first: a UTF-8 byte is at most 3 per UTF-16 unit here.
  if (text.length * 3 > MAX_PAYLOAD_BYTES && encoder.encode(text).byteLength > MAX_PAYLOAD_BYTES) {
    refuse(what, "$", `${encoder.encode(text).byteLength} bytes of JSON is over the ${MAX_PAYLOAD_BYTES}-byte limit`);
  }
  return text;
}

function assertJson(value: unknown, path: string, depth: number, seen: Set<object>, what: string): void {
  if (value === null || typeof value === "string" || typeof value === "boolean") return;
  if (typeof value === "number") {
    if (!Number.isFinite(value)) refuse(what, path, `${value} is not a JSON number`);
    return;
  }
  if (typeof value !== "object") refuse(what, path, `a ${typeof value} is not JSON`);
  if (depth >= MAX_DEPTH) refuse(what, path, `nested deeper than ${MAX_DEPTH} levels`);
  if (seen.has(value)) refuse(what, path, "a cycle is not JSON");
  seen.add(value);
  if (Array.isArray(value)) {
    value.forEach((item, index) => {
      if (item === undefined) refuse(what, `${path}[${index}]`, "undefined is not JSON");
      assertJson(item, `${path}[${index}]`, depth + 1, seen, what);
    });
  } else {
    const proto = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) {
      refuse(what, path, `a ${value.constructor?.name ?? "non-plain"} object is not JSON; pass plain data`);
    }
    for (const [key, item] of Object.entries(value)) {
      if (item !== undefined) assertJson(item, `${path}.${key}`, depth + 1, seen, what);
    }
  }
  seen.delete(value);
}

function refuse(what: string, path: string, problem: string): never {
  throw new RequestError(`${what} at ${path}: ${problem}`);
}
