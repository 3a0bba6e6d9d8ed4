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
  assertJson(value, [], [], what);
  const text = JSON.stringify(value);
  // Cheap bound first: a UTF-8 byte is at most 3 per UTF-16 unit here.
  if (text.length * 3 > MAX_PAYLOAD_BYTES && encoder.encode(text).byteLength > MAX_PAYLOAD_BYTES) {
    refuse(what, [], `${encoder.encode(text).byteLength} bytes of JSON is over the ${MAX_PAYLOAD_BYTES}-byte limit`);
  }
  return text;
}

/**
 * The keys and indexes from the root to the value being checked. Kept as a
 * stack and written out only for a refusal: every payload is checked, and
 * building each value's path as a string cost more than the check itself.
 */
type Path = (string | number)[];

/** The objects from the root to the value being checked, for cycles: at most `MAX_DEPTH`, so a scan beats a Set made per payload. */
type Ancestors = object[];

function assertJson(value: unknown, path: Path, ancestors: Ancestors, what: string): void {
  switch (typeof value) {
    case "string":
    case "boolean":
      return;
    case "number":
      if (!Number.isFinite(value)) refuse(what, path, `${value} is not a JSON number`);
      return;
    case "object":
      if (value === null) return;
      break;
    default:
      refuse(what, path, `a ${typeof value} is not JSON`);
  }
  if (path.length >= MAX_DEPTH) refuse(what, path, `nested deeper than ${MAX_DEPTH} levels`);
  if (ancestors.includes(value)) refuse(what, path, "a cycle is not JSON");
  ancestors.push(value);
  if (Array.isArray(value)) {
    for (let index = 0; index < value.length; index++) {
      path.push(index);
      const item: unknown = value[index];
      if (item === undefined) refuse(what, path, "undefined is not JSON");
      assertJson(item, path, ancestors, what);
      path.pop();
    }
  } else {
    const proto: unknown = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) {
      refuse(
        what,
        path,
        `a ${(value as { constructor?: { name?: string } }).constructor?.name ?? "non-plain"} object is not JSON; pass plain data`,
      );
    }
    for (const key in value) {
      if (!Object.hasOwn(value, key)) continue;
      const item: unknown = (value as Record<string, unknown>)[key];
      if (item === undefined) continue;
      path.push(key);
      assertJson(item, path, ancestors, what);
      path.pop();
    }
  }
  ancestors.pop();
}

function refuse(what: string, path: Path, problem: string): never {
  const at = path.map((step) => (typeof step === "number" ? `[${step}]` : `.${step}`)).join("");
  throw new RequestError(`${what} at $${at}: ${problem}`);
}
