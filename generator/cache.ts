/**
 * The one place `--watch` remembers work between runs. Every stage is a pure
 * function; where one is costly it takes a `Memo`, names what its result
 * depends on (a spec's text, where the runtime is, …) and lets the caller
 * decide whether to remember it (graphql-codegen keeps its plugins pure and
 * its watcher in the CLI in the same way). Without one, a stage just computes.
 */

/** Runs `make`, or hands back what the same `key` gave before; `scope` names the kind of work. */
export type Memo = <T>(scope: string, key: readonly unknown[], make: () => T) => T;

/** No caching: what every stage uses when it is called alone. */
export const noMemo: Memo = (_scope, _key, make) => make();

interface Scope {
  run: number;
  previous: Map<string, unknown>;
  current: Map<string, unknown>;
}

/**
 * Results of the last run, by scope. A scope keeps only what the last run
 * that reached it used, so a long watch session never grows it: each entry
 * used again is carried over, the rest are dropped. A scope is turned over
 * on its first use in a run, so a run that stops early (a broken spec) does
 * not throw away what the run before rendered.
 */
export class RunCache {
  #run = 0;
  readonly #scopes = new Map<string, Scope>();

  /** Starts a run: whatever a scope's previous run did not use again goes at its next use. */
  nextRun(): void {
    this.#run++;
  }

  readonly memo: Memo = <T>(scope: string, key: readonly unknown[], make: () => T): T => {
    let entries = this.#scopes.get(scope);
    if (!entries) {
      entries = { run: this.#run, previous: new Map(), current: new Map() };
      this.#scopes.set(scope, entries);
    } else if (entries.run !== this.#run) {
      entries.previous = entries.current;
      entries.current = new Map();
      entries.run = this.#run;
    }
    const id = JSON.stringify(key);
    if (entries.current.has(id)) return entries.current.get(id) as T;
    const value = entries.previous.has(id) ? (entries.previous.get(id) as T) : make();
    entries.current.set(id, value);
    return value;
  };

  /** How many entries each scope holds now: for tests that it stays bounded. */
  sizes(): Record<string, number> {
    return Object.fromEntries([...this.#scopes].map(([name, s]) => [name, new Set([...s.previous.keys(), ...s.current.keys()]).size]));
  }
}

/**
 * The cache `generate` uses when given none: later runs in the same process
 * (`--watch`, a test, a benchmark) reuse what the last one computed. Safe to
 * share, since every key holds all its result depends on.
 */
export const processCache = new RunCache();
