import { canonicalJson } from "../contract/canonical-json.ts";
import type { RegisteredTrigger, Registry } from "./registry.ts";

/**
 * Cancel on an event: a trigger's `cancelOn` rules, made ready to match (the
 * keys they give are stored in `store/cancel-on-table.ts`).
 */

/** A key a rule gives an intent: a fact of `eventKind` whose payload gives the same `matchKey` cancels it (stored by `store/cancel-on-table.ts`). */
export interface CancelOnKey {
  readonly eventKind: string;
  readonly matchKey: string;
}

/** A rule made ready to match: its pairs in a fixed order, each path split into segments. */
interface Matcher {
  readonly triggerKind: string;
  readonly eventKind: string;
  /** `[intent path, event path]`, sorted by intent path, as the rule's identity in its keys. */
  readonly pairs: readonly (readonly [string, string])[];
}

function matcherOf(triggerKind: string, rule: RegisteredTrigger["cancelOn"][number]): Matcher {
  const pairs = Object.entries(rule.match).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return { triggerKind, eventKind: rule.event, pairs };
}

/**
 * The match keys of a new intent: one per rule whose every intent path has a
 * value. Work of an `ignored` trigger gets none, since a cancel request
 * would change nothing (as `cancelTrigger` answers `ignored`).
 */
export function intentKeys(registered: RegisteredTrigger, intent: unknown): CancelOnKey[] {
  if (registered.cancelOn.length === 0 || registered.trigger.cancellation === "ignored") return [];
  const keys: CancelOnKey[] = [];
  for (const rule of registered.cancelOn) {
    const matcher = matcherOf(registered.kind, rule);
    const matchKey = keyOf(
      matcher,
      matcher.pairs.map(([intentPath]) => valueAt(intent, intentPath)),
    );
    if (matchKey !== null) keys.push({ eventKind: matcher.eventKind, matchKey });
  }
  return keys;
}

/** The rules by the fact kind they watch, built once per registry. */
export class CancelOnRules {
  readonly #byKind = new Map<string, Matcher[]>();
  /** The trigger kinds whose work gets keys (see `intentKeys`). */
  readonly triggerKinds = new Set<string>();

  constructor(registry: Registry) {
    for (const registered of registry.values()) {
      if (registered.trigger.cancellation === "ignored") continue;
      for (const rule of registered.cancelOn) {
        const matcher = matcherOf(registered.kind, rule);
        this.#byKind.set(matcher.eventKind, [...(this.#byKind.get(matcher.eventKind) ?? []), matcher]);
        this.triggerKinds.add(registered.kind);
      }
    }
  }

  /** The keys a fact's payload gives, one per rule on its kind whose every event path has a value. */
  keysOf(kind: string, payload: () => unknown): { triggerKind: string; matchKey: string }[] {
    const matchers = this.#byKind.get(kind);
    if (matchers === undefined) return [];
    const value = payload();
    const keys: { triggerKind: string; matchKey: string }[] = [];
    for (const matcher of matchers) {
      const matchKey = keyOf(
        matcher,
        matcher.pairs.map(([, eventPath]) => valueAt(value, eventPath)),
      );
      if (matchKey !== null) keys.push({ triggerKind: matcher.triggerKind, matchKey });
    }
    return keys;
  }
}

/**
 * The value at a dotted path (`customer.id`, `items.0.sku`), or undefined
 * when any step is missing. Own properties only: `constructor` or
 * `__proto__` in a path never reach the prototype.
 */
export function valueAt(value: unknown, path: string): unknown {
  let at = value;
  for (const segment of path.split(".")) {
    if (typeof at !== "object" || at === null || !Object.hasOwn(at, segment)) return undefined;
    at = (at as Record<string, unknown>)[segment];
  }
  return at;
}

/**
 * A rule's key for these values, or null when one is missing (a missing field
 * never matches; `null` is a value and matches `null`). Canonical JSON, so
 * that the same values give the same key whatever the order of their keys.
 */
function keyOf(matcher: Matcher, values: readonly unknown[]): string | null {
  if (values.some((value) => value === undefined)) return null;
  return canonicalJson([matcher.triggerKind, matcher.pairs, values]);
}
