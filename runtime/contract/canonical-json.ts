/**
 * Canonical JSON: every object's keys sorted, so that equal values are equal
 * text. One module for the runtime (cancel-on-event match keys, stored: the
 * text must never change) and the generator (duplicate checks, the recorded
 * versions of schemas).
 */

/** A copy of a JSON value with every object's keys sorted; keys in `omit` are left out at every level. */
export function sortedKeys<T>(value: T, omit?: ReadonlySet<string>): T {
  if (Array.isArray(value)) return value.map((item: unknown) => sortedKeys(item, omit)) as T;
  if (typeof value !== "object" || value === null) return value;
  const keys = Object.keys(value).sort();
  return Object.fromEntries(
    (omit === undefined ? keys : keys.filter((key) => !omit.has(key))).map((key) => [
      key,
      sortedKeys((value as Record<string, unknown>)[key], omit),
    ]),
  ) as T;
}

/** JSON text with every object's keys sorted. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortedKeys(value));
}
