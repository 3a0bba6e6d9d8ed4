import { RequestError } from "./errors.ts";

/**
 * The longest cancel reason, in bytes of UTF-8, for triggers and streams
 * alike. A trigger's reason is stored on its work row and handed to
 * `commitCancelled`, a stream's to `commitTerminal` and to its watchers, and
 * both usually copy it into a ledger event: unbounded, it could push a row
 * past SQLite's limit after the call had already started writing.
 */
export const MAX_CANCEL_REASON_BYTES = 1024;
const encoder = new TextEncoder();

/** The request's reason, or null for none; refused at the door (`operation` names the call) before anything is read or written. */
export function checkCancelReason(operation: string, reason: unknown): string | null {
  if (reason === undefined || reason === null) return null;
  if (typeof reason !== "string") throw new RequestError(`${operation}: reason must be a string (got a ${typeof reason})`);
  // Cheap bound first: a UTF-16 unit is at most 3 bytes of UTF-8.
  if (reason.length * 3 > MAX_CANCEL_REASON_BYTES) {
    const bytes = encoder.encode(reason).byteLength;
    if (bytes > MAX_CANCEL_REASON_BYTES) {
      throw new RequestError(`${operation}: reason is ${bytes} bytes of UTF-8, over the ${MAX_CANCEL_REASON_BYTES}-byte limit`);
    }
  }
  return reason;
}
