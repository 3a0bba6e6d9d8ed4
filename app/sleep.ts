import { CancellationError } from "durable-triggers";

/** Waits `ms`, or rejects with the signal's reason as soon as it aborts: how I/O honours `ctx.signal`. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason ?? new CancellationError());
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason ?? new CancellationError());
    };
    signal.addEventListener("abort", onAbort, { once: true });
  });
}
