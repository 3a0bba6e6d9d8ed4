/**
 * Module-level controls shared by the tests and the Durable Object (they run
 * in one isolate): gates an acquire waits on, and probes it reports to.
 */
const gates = new Map<string, { promise: Promise<void>; open: () => void }>();

function gateOf(name: string) {
  let gate = gates.get(name);
  if (!gate) {
    let open!: () => void;
    const promise = new Promise<void>((resolve) => (open = resolve));
    gate = { promise, open };
    gates.set(name, gate);
  }
  return gate;
}

/** Resolves when the test opens the gate, or rejects when `signal` aborts (if given). */
export function waitAtGate(name: string, signal?: AbortSignal): Promise<void> {
  const { promise } = gateOf(name);
  if (!signal) return promise;
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    signal.addEventListener("abort", () => reject(signal.reason), { once: true });
    promise.then(resolve);
  });
}

export function openGate(name: string): void {
  gateOf(name).open();
}

/** Acquires currently running per key, and the most seen at once. */
export const inFlight = { now: new Map<string, number>(), max: new Map<string, number>() };

export function enter(key: string): void {
  const now = (inFlight.now.get(key) ?? 0) + 1;
  inFlight.now.set(key, now);
  inFlight.max.set(key, Math.max(now, inFlight.max.get(key) ?? 0));
}

export function leave(key: string): void {
  inFlight.now.set(key, (inFlight.now.get(key) ?? 1) - 1);
}

/** Acquire modes each intent saw, in order, keyed by the intent's `id`. */
export const seenModes = new Map<string, string[]>();

/** The oldest intent version the evolving trigger still accepts. */
export const evolving = { minVersion: 1 };

/** The last step each attached stream's `run` yielded, keyed by its start `id`. */
export const streamSteps = new Map<string, number>();
