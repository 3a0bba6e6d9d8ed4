import { RequestError } from "./errors.ts";

/**
 * The longest idempotency key, in bytes of UTF-8. Keys are stored for good
 * (one row each), so their size is bounded like every other stored input;
 * a schedule firing's own key (`schedule:<key>@<ISO time>`, at most about
 * 800 bytes for a 256-character key) fits.
 */
export const MAX_IDEMPOTENCY_KEY_BYTES = 1024;

const encoder = new TextEncoder();

/**
 * Refuses a key that is not a non-empty string of at most
 * `MAX_IDEMPOTENCY_KEY_BYTES`; `what` names the door (`enqueueTrigger "k"`).
 * Answers the key, or `undefined` when none was given.
 */
export function checkIdempotencyKey(what: string, key: unknown): string | undefined {
  if (key === undefined) return undefined;
  if (typeof key !== "string" || key === "") throw new RequestError(`${what}: idempotencyKey must be a non-empty string`);
  const bytes = encoder.encode(key).byteLength;
  if (bytes > MAX_IDEMPOTENCY_KEY_BYTES) {
    throw new RequestError(`${what}: idempotencyKey is ${bytes} bytes of UTF-8, over the ${MAX_IDEMPOTENCY_KEY_BYTES}-byte limit`);
  }
  return key;
}
