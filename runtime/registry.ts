import { RegistrationError } from "./errors";
import type { AnyStream, AnyTrigger, RetryPolicy } from "./types";

export const DEFAULT_ACQUIRE_DEADLINE_MS = 60_000;
export const DEFAULT_RETRY: RetryPolicy = { maxAttempts: 3, backoffMs: 1_000, maxBackoffMs: 60_000 };
export const DEFAULT_CONCURRENCY = 1;

/** Kinds the runtime writes itself; no trigger may take them. */
export const RUNTIME_EVENT_PREFIX = "durable_trigger.";
export const FAILED_EVENT = `${RUNTIME_EVENT_PREFIX}failed`;
export const REJECTED_EVENT = `${RUNTIME_EVENT_PREFIX}rejected`;
export const STREAM_FAILED_EVENT = `${RUNTIME_EVENT_PREFIX}stream_failed`;

/** A registered trigger with every default filled in. */
export interface RegisteredTrigger {
  readonly trigger: AnyTrigger;
  readonly kind: string;
  readonly acquireDeadlineMs: number;
  readonly retry: RetryPolicy;
  readonly concurrency: number;
}

export type Registry = ReadonlyMap<string, RegisteredTrigger>;

/**
 * Checks every trigger and answers the registry, or throws one error listing
 * every problem, each naming its trigger and field.
 */
export function createRegistry(triggers: readonly AnyTrigger[]): Registry {
  const problems: string[] = [];
  const registry = new Map<string, RegisteredTrigger>();
  const intentKinds = new Map<string, string>();

  triggers.forEach((trigger, index) => {
    const name = typeof trigger?.kind === "string" && trigger.kind !== "" ? `"${trigger.kind}"` : `#${index}`;
    const problem = (field: string, expected: string, got: unknown) =>
      problems.push(`trigger ${name}: ${field} must be ${expected} (got ${describe(got)})`);

    if (typeof trigger !== "object" || trigger === null) {
      problems.push(`trigger #${index}: expected a trigger object (got ${describe(trigger)})`);
      return;
    }
    if (typeof trigger.kind !== "string" || trigger.kind === "") problem("kind", "a non-empty string", trigger.kind);
    else if (registry.has(trigger.kind)) {
      problems.push(`trigger ${name}: kind is registered twice`);
      return; // its other fields would only repeat the first registration's
    }

    const intentKind: unknown = trigger.intentEventKind;
    if (typeof intentKind !== "string" || intentKind === "") {
      problem("intentEventKind", "a non-empty string", intentKind);
    } else if (intentKind.startsWith(RUNTIME_EVENT_PREFIX)) {
      problem("intentEventKind", `outside the runtime's own "${RUNTIME_EVENT_PREFIX}*" kinds`, intentKind);
    } else if (intentKinds.has(intentKind)) {
      problems.push(`trigger ${name}: intentEventKind "${intentKind}" is already used by trigger "${intentKinds.get(intentKind)}"`);
    } else {
      intentKinds.set(intentKind, String(trigger.kind));
    }

    if (trigger.cancellation !== "cooperative" && trigger.cancellation !== "ignored") {
      problem("cancellation", `"cooperative" or "ignored"`, trigger.cancellation);
    }
    for (const field of ["parseIntent", "acquire", "commit", "commitCancelled"] as const) {
      if (typeof trigger[field] !== "function") problem(field, "a function", trigger[field]);
    }
    if (trigger.commitFailed !== undefined && typeof trigger.commitFailed !== "function") {
      problem("commitFailed", "a function when given", trigger.commitFailed);
    }

    const acquireDeadlineMs = trigger.acquireDeadlineMs ?? DEFAULT_ACQUIRE_DEADLINE_MS;
    if (!isPositive(acquireDeadlineMs)) problem("acquireDeadlineMs", "a positive number of milliseconds", acquireDeadlineMs);
    const concurrency = trigger.concurrency ?? DEFAULT_CONCURRENCY;
    if (!isPositiveInteger(concurrency)) problem("concurrency", "a positive integer", concurrency);
    const retry = { ...DEFAULT_RETRY, ...trigger.retry };
    if (!isPositiveInteger(retry.maxAttempts)) problem("retry.maxAttempts", "a positive integer", retry.maxAttempts);
    if (!isNonNegative(retry.backoffMs)) problem("retry.backoffMs", "a non-negative number", retry.backoffMs);
    if (!isNonNegative(retry.maxBackoffMs)) problem("retry.maxBackoffMs", "a non-negative number", retry.maxBackoffMs);

    if (typeof trigger.kind === "string" && !registry.has(trigger.kind)) {
      registry.set(trigger.kind, { trigger, kind: trigger.kind, acquireDeadlineMs, retry, concurrency });
    }
  });

  if (problems.length > 0) throw new RegistrationError(problems);
  return registry;
}

/** Checks every attached stream, the same way: one error listing every problem. */
export function createStreamRegistry(streams: readonly AnyStream[]): ReadonlyMap<string, AnyStream> {
  const problems: string[] = [];
  const registry = new Map<string, AnyStream>();
  streams.forEach((stream, index) => {
    const name = typeof stream?.kind === "string" && stream.kind !== "" ? `"${stream.kind}"` : `#${index}`;
    const problem = (field: string, expected: string, got: unknown) =>
      problems.push(`stream ${name}: ${field} must be ${expected} (got ${describe(got)})`);
    if (typeof stream !== "object" || stream === null) {
      problems.push(`stream #${index}: expected a stream object (got ${describe(stream)})`);
      return;
    }
    if (typeof stream.kind !== "string" || stream.kind === "") problem("kind", "a non-empty string", stream.kind);
    else if (registry.has(stream.kind)) return void problems.push(`stream ${name}: kind is registered twice`);
    if (stream.mode !== "output_only") problem("mode", `"output_only"`, stream.mode);
    if (stream.cancellation !== "cooperative" && stream.cancellation !== "ignored") {
      problem("cancellation", `"cooperative" or "ignored"`, stream.cancellation);
    }
    if (stream.onDetach !== "abort" && stream.onDetach !== "continue") problem("onDetach", `"abort" or "continue"`, stream.onDetach);
    for (const field of ["parseStart", "run", "commitTerminal"] as const) {
      if (typeof stream[field] !== "function") problem(field, "a function", stream[field]);
    }
    if (typeof stream.kind === "string") registry.set(stream.kind, stream);
  });
  if (problems.length > 0) throw new RegistrationError(problems);
  return registry;
}

/** Delay before attempt `attempt + 1`: exponential, capped, without jitter so tests can reason about it. */
export function backoffDelay(retry: RetryPolicy, attempt: number): number {
  return Math.min(retry.maxBackoffMs, retry.backoffMs * 2 ** Math.max(0, attempt - 1));
}

const isPositive = (n: unknown) => typeof n === "number" && Number.isFinite(n) && n > 0;
const isNonNegative = (n: unknown) => typeof n === "number" && Number.isFinite(n) && n >= 0;
const isPositiveInteger = (n: unknown) => Number.isSafeInteger(n) && (n as number) > 0;

function describe(value: unknown): string {
  if (value === undefined) return "nothing";
  if (typeof value === "function") return "a function";
  if (typeof value === "string") return JSON.stringify(value);
  return String(value);
}
