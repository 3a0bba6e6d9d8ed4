import { RequestError } from "./errors.ts";

/**
 * A call's answer as a value: the result, or the refusal's message. This is
 * what crosses RPC for the operator API: a thrown error's name survives RPC
 * only under `enhanced_error_serialization`, a plain object on every date.
 */
export type Outcome<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly refused: string };

/** Runs `call`, answering a `RequestError` as a refusal; any other throw stays a throw. */
export async function outcomeOf<T>(call: () => T | Promise<T>): Promise<Outcome<Awaited<T>>> {
  try {
    return { ok: true, value: await call() };
  } catch (error) {
    if (error instanceof RequestError) return { ok: false, refused: error.message };
    throw error;
  }
}

/**
 * Runs a user's parser (`parseIntent`, `parsePayload`, `parseStart`): user
 * code, so a throw is a refusal naming the parser, not a crash.
 */
export function runParser<R extends { readonly ok: boolean }>(
  parser: string,
  parse: () => R,
): R | { readonly ok: false; readonly reason: string } {
  try {
    return parse();
  } catch (error) {
    return { ok: false, reason: `${parser} threw: ${error instanceof Error ? error.message : String(error)}` };
  }
}

/** The refusal of a kind nobody registered, listing the ones that are: `what` is "trigger", "stream" or "event". */
export function unknownKind(what: string, kind: unknown, known: Iterable<string>, listed = "registered kinds"): RequestError {
  const names = [...known].map((k) => `"${k}"`).join(", ");
  return new RequestError(`unknown ${what} kind ${JSON.stringify(kind)}; ${listed}: ${names || "none"}`);
}
