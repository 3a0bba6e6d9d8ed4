import { describe, expect, it } from "vitest";
import { checkSpecs } from "../../generator/check";
import { MIN_EVERY_MS } from "../../generator/check-time";
import { formatError, readSpec } from "../../generator/read";
import { cron as cronEngine } from "../../runtime/cron";
import { MIN_EVERY_MS as RUNTIME_MIN_EVERY_MS, readTiming } from "../../runtime/definition/schedule-time";

/** Cron expressions croner may read differently under different options. */
const PATTERNS = [
  "0 3 * * *",
  "*/15 * * * * *",
  "0 0 0 1 1 * 2030",
  "61 * * * *",
  "0 0 L * *",
  "0 12 * * MON#2",
  "0 12 * * 1-5",
  "@daily",
  "0 0 1 * MON",
];

function specWith(patterns: readonly string[]): string {
  const schedules = patterns.map((cron, i) => `      - { key: p${i}, cron: ${JSON.stringify(cron)}, payload: {} }`).join("\n");
  return `triggers:
  - kind: a.job
    intentEventKind: a.job.requested
    cancellation: cooperative
    intent: { type: object }
    outcome: { type: object }
    events: {}
    schedules:
${schedules}
`;
}

describe("the generator's schedule checks and the runtime's", () => {
  it("accept and refuse the same cron expressions, so a spec that generates also registers", () => {
    const read = readSpec("specs/a.yaml", specWith(PATTERNS));
    if (!read.ok) throw new Error("the spec does not read");
    const errors = checkSpecs([read.spec]).errors.map(formatError);
    const refusedByGenerator = PATTERNS.map((_, i) => errors.some((error) => error.includes(`schedule "p${i}"`)));
    const refusedByRuntime = PATTERNS.map((cron) => typeof readTiming({ cron }, cronEngine) === "string");
    expect(refusedByGenerator).toEqual(refusedByRuntime);
    expect(refusedByRuntime).toContain(true); // the list holds refusals, not only agreements on success
  });

  it("hold every schedule to the same shortest interval", () => {
    expect(MIN_EVERY_MS).toBe(RUNTIME_MIN_EVERY_MS);
  });
});
