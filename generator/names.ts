/** Names derived once from kinds: `tutorial.cancelable` → `TutorialCancelable` / `tutorialCancelable`. */
export function pascalCase(kind: string): string {
  return kind
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((word) => word[0]!.toUpperCase() + word.slice(1))
    .join("");
}

export function camelCase(kind: string): string {
  const pascal = pascalCase(kind);
  return pascal[0]!.toLowerCase() + pascal.slice(1);
}

// The kinds the runtime writes itself (a spec may not declare one) and the plain alphabet kinds keep to
// (they become file names and identifiers): the runtime's, which the generator checks against.
export { KIND_PATTERN, RUNTIME_EVENT_PREFIX } from "../runtime/contract/names.ts";

/** What a declared event kind (`payment.refunded`) becomes: `paymentRefundedEvent`, `PaymentRefundedPayload`, `parsePaymentRefundedPayload`. */
export function declaredEventNames(kind: string) {
  const pascal = pascalCase(kind);
  const camel = camelCase(kind);
  return {
    constName: `${camel}Event`,
    schemaConst: `${camel}PayloadSchema`,
    typeName: `${pascal}Payload`,
    inputTypeName: `${pascal}PayloadInput`,
    parseName: `parse${pascal}Payload`,
    jsonSchemaName: `${camel}PayloadJsonSchema`,
  };
}

/**
 * The longest kind of a trigger or a stream, in characters (ASCII, by KIND_PATTERN): it names the
 * handler file `<kind>.ts`, well within the 255 bytes a file name may take, and reads as a name.
 */
export const MAX_KIND_LENGTH = 128;

/** Edit distance, for "did you mean" suggestions. */
export function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, previous + (a[i - 1]!.toLowerCase() === b[j - 1]!.toLowerCase() ? 0 : 1));
      previous = current;
    }
  }
  return row[b.length]!;
}

/** The closest candidate within a typo's reach, if any. */
export function suggest(word: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(word.length / 3)) + 1;
  for (const candidate of candidates) {
    const d = distance(word, candidate);
    if (d < bestDistance) [best, bestDistance] = [candidate, d];
  }
  return best;
}
