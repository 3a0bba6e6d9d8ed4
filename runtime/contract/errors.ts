/**
 * Thrown into a cooperative acquire through `ctx.signal` when cancellation is
 * requested. An acquire may also throw it itself to say "I stopped because I
 * was asked to"; either way the intent settles as `cancelled`.
 */
export class CancellationError extends Error {
  override readonly name = "CancellationError";
  constructor(readonly reason?: string) {
    super(reason === undefined ? "cancellation requested" : `cancellation requested: ${reason}`);
  }
}

/**
 * Thrown by an acquire (or a commit callback) to say that trying again cannot
 * help: a payment declined, an address that does not exist. The intent
 * settles `failed` at once, whatever attempts its retry policy has left; the
 * failure fact records the error as any other (`name: "NonRetryableError"`).
 */
export class NonRetryableError extends Error {
  override readonly name = "NonRetryableError";
}

/** Recognised by its name too: one thrown by a copy of the package bundled twice is the same refusal to retry. */
export function isNonRetryable(error: unknown): boolean {
  return error instanceof NonRetryableError || (error instanceof Error && error.name === "NonRetryableError");
}

/** A trigger definition that `defineAgentDO` refuses; the message lists every problem. */
export class RegistrationError extends Error {
  override readonly name = "RegistrationError";
  constructor(readonly problems: readonly string[]) {
    super(`defineAgentDO refused the definition:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
  }
}

/** A request refused at the door (unknown kind, bad payload, bad time); nothing was written. */
export class RequestError extends Error {
  override readonly name = "RequestError";
}

export function isCancellationError(error: unknown): boolean {
  return error instanceof CancellationError || (error instanceof Error && error.name === "CancellationError");
}

/** The reason a CancellationError carries, or null; one from another realm is recognised by its name too. */
export function cancellationReasonOf(error: unknown): string | null {
  if (!isCancellationError(error)) return null;
  const { reason } = error as { reason?: unknown };
  return typeof reason === "string" ? reason : null;
}

/** Errors as the ledger records them: plain data, never a stack. */
export function describeError(error: unknown): { name: string; message: string } {
  if (error instanceof Error) return { name: error.name, message: error.message };
  return { name: "NonError", message: typeof error === "string" ? error : safeString(error) };
}

function safeString(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

/** The last allowed attempt held its claim past the deadline; recorded in the failure fact. */
export class ClaimExpiredError extends Error {
  override readonly name = "ClaimExpired";
}
