import { KIND_PATTERN } from "../contract/names.ts";
/**
 * Strict reading of what an HTTP client sends, before anything reaches a
 * Durable Object: every refusal is a `BadRequest` with a message that names
 * the value and its limit, which the API answers as a 4xx JSON error.
 */

/** A request the operator API refuses; `status` is the 4xx it answers with. */
export class BadRequest extends Error {
  override readonly name = "BadRequest";
  constructor(
    message: string,
    readonly status: 400 | 403 | 404 | 413 | 415 = 400,
  ) {
    super(message);
  }
}

/** The largest JSON body the API reads: a payload's own limit (1 MiB) plus room for the envelope. */
export const MAX_BODY_BYTES = 1024 * 1024 + 16 * 1024;
/** Deeper nesting than the runtime stores would only fail later, and far deeper fails in the RPC that carries it. */
export const MAX_DEPTH = 64;
/** As the runtime bounds a cancel reason. */
export const MAX_REASON_BYTES = 1024;
export const MAX_KINDS = 50;
export const MAX_LIMIT = 1000;

const DECIMAL = /^(0|[1-9][0-9]*)$/;
const encoder = new TextEncoder();

/**
 * A decimal integer from `min` up to the largest safe integer: no sign,
 * spaces, exponent, hex or leading zero, which `Number()` would let through.
 */
export function decimal(text: string, what: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const value = DECIMAL.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new BadRequest(`${what} must be a decimal integer from ${min} to ${max} (got ${JSON.stringify(text.slice(0, 40))})`);
  }
  return value;
}

/** `kinds=a,b`: at most 50 kinds, each a well-formed kind name. */
export function kinds(text: string): string[] {
  const list = text.split(",").filter((kind) => kind !== "");
  if (list.length > MAX_KINDS) throw new BadRequest(`kinds: at most ${MAX_KINDS} kinds (got ${list.length})`);
  const bad = list.find((kind) => !KIND_PATTERN.test(kind));
  if (bad !== undefined) throw new BadRequest(`kinds: ${JSON.stringify(bad.slice(0, 80))} is not a kind name`);
  return list;
}

/** Refuses a path whose percent-encoding is malformed (`%E0%A4%A`), which decoding would throw on. */
export function wellEncoded(path: string): void {
  try {
    decodeURIComponent(path);
  } catch {
    throw new BadRequest("the path is not valid percent-encoded UTF-8");
  }
}

/**
 * The body as a JSON object, read within its byte limit, with its nesting
 * bounded before it is handed to an RPC call that would overflow on it.
 */
export async function jsonObject(request: Request): Promise<Record<string, unknown>> {
  const type = request.headers.get("content-type") ?? "";
  if (!/^application\/json\s*(;|$)/i.test(type)) throw new BadRequest("the body must be sent as content-type: application/json", 415);
  const declared = Number(request.headers.get("content-length") ?? 0);
  if (declared > MAX_BODY_BYTES) throw tooLarge();
  const text = await readText(request);
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (error) {
    // V8's parser gives up on extreme nesting with a RangeError: that is the depth limit speaking.
    throw new BadRequest(error instanceof RangeError ? `the body is nested deeper than ${MAX_DEPTH} levels` : "the body is not JSON");
  }
  if (typeof body !== "object" || body === null || Array.isArray(body)) throw new BadRequest("the body must be a JSON object");
  if (depthOver(body, MAX_DEPTH)) throw new BadRequest(`the body is nested deeper than ${MAX_DEPTH} levels`);
  return body as Record<string, unknown>;
}

/** An optional string field of at most `maxBytes` bytes of UTF-8. */
export function optionalText(body: Record<string, unknown>, field: string, maxBytes: number): string | undefined {
  const value = body[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string") throw new BadRequest(`${field} must be a string`);
  const bytes = encoder.encode(value).byteLength;
  if (bytes > maxBytes) throw new BadRequest(`${field} is ${bytes} bytes of UTF-8, over the ${maxBytes}-byte limit`, 413);
  return value;
}

const tooLarge = () => new BadRequest(`the body is over the ${MAX_BODY_BYTES}-byte limit`, 413);

async function readText(request: Request): Promise<string> {
  if (request.body === null) return "";
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > MAX_BODY_BYTES) {
      await reader.cancel();
      throw tooLarge();
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return new TextDecoder().decode(bytes);
}

/** Whether `value` nests deeper than `limit`, found without recursion (so no depth can overflow the check itself). */
function depthOver(value: object, limit: number): boolean {
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    if (typeof node !== "object" || node === null) continue;
    if (depth > limit) return true;
    for (const child of Object.values(node)) stack.push([child, depth + 1]);
  }
  return false;
}
