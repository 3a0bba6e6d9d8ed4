import { DURATION_PATTERN, DURATION_UNITS } from "./spec-format.ts";

/** A duration the spec format admits (`10m`) in milliseconds; `undefined` for one past what a number holds exactly. */
export function durationMs(text: string): number | undefined {
  const [, amount, unit] = DURATION_PATTERN.exec(text)!;
  const ms = Number(amount) * DURATION_UNITS[unit as keyof typeof DURATION_UNITS];
  return Number.isSafeInteger(ms) ? ms : undefined;
}
