import { Cron } from "croner";
import type { CheckedSpec } from "./checked-spec.ts";
import { durationMs } from "./durations.ts";
import type { z } from "zod";
import { buildModel, liveSchema, type ModuleModel, type TriggerModel } from "./model.ts";
import { KIND_PATTERN, MAX_KIND_LENGTH } from "./names.ts";
import { quoted } from "./quoted.ts";
import type { SpecError } from "./read.ts";
import { commentSafe } from "./zod-ir.ts";
import { MIN_EVERY_MS } from "../runtime/contract/names.ts";

/** The shortest `every` the runtime takes, in milliseconds. */
export { MIN_EVERY_MS };

/**
 * A trigger's timeouts and default schedules: durations that fit, exactly one of `cron` and
 * `every`, cron expressions and time zones as the runtime's croner reads them, and each payload
 * as the trigger's intent parser takes it (when the intent schema can be built at all).
 */
export function checkTime(checked: CheckedSpec): SpecError[] {
  const { file, spec, locate } = checked;
  const errors: SpecError[] = [];
  const at = (path: readonly PropertyKey[], message: string, key?: "key") => errors.push({ file, ...locate(path, key), message });
  const triggers = spec.triggers ?? [];
  const withPayloads = triggers.some((trigger) => (trigger.schedules?.length ?? 0) > 0) ? modelOf(checked) : undefined;
  triggers.forEach((trigger, index) => {
    const base = ["triggers", index];
    const bounded = (path: readonly PropertyKey[], text: string) => {
      if (durationMs(text) === undefined)
        at(
          path,
          `duration ${quoted(text)} is more milliseconds than a number holds exactly; expected at most ${Number.MAX_SAFE_INTEGER}ms`,
        );
    };
    if (trigger.timeouts !== undefined) {
      const { start, finish } = trigger.timeouts;
      if (start === undefined && finish === undefined)
        at([...base, "timeouts"], "timeouts names start, finish or both (like { start: 10m, finish: 1h })");
      if (start !== undefined) bounded([...base, "timeouts", "start"], start);
      if (finish !== undefined) bounded([...base, "timeouts", "finish"], finish);
    }
    trigger.schedules?.forEach((schedule, s) => {
      const path = [...base, "schedules", s];
      const name = `schedule ${quoted(schedule.key)}`;
      // A key names the schedule in the console, in `unscheduleTrigger` and in each firing's idempotency key.
      if (!KIND_PATTERN.test(schedule.key) || schedule.key.length > MAX_KIND_LENGTH) {
        at(
          [...path, "key"],
          `schedule key ${quoted(schedule.key)} must be words of letters and digits joined by ".", "_", ":" or "-" (like "nightly"), at most ${MAX_KIND_LENGTH} characters`,
        );
      }
      if (schedule.cron === undefined && schedule.every === undefined)
        at(path, `${name}: expected cron (like "0 3 * * *") or every (like 1h)`);
      if (schedule.cron !== undefined && schedule.every !== undefined)
        at([...path, "every"], `${name}: cron and every both given; a schedule takes exactly one of them`, "key");
      if (schedule.every !== undefined) {
        bounded([...path, "every"], schedule.every);
        // As the runtime: no finer than a cron pattern with seconds can go; each firing is a fact kept for good.
        if ((durationMs(schedule.every) ?? Infinity) < MIN_EVERY_MS)
          at(
            [...path, "every"],
            `${name}: every ${quoted(schedule.every)} is shorter than 1s; expected at least 1s (each firing appends an intent the ledger keeps)`,
          );
      }
      if (schedule.timezone !== undefined && schedule.cron === undefined)
        at(
          [...path, "timezone"],
          `${name}: a timezone goes with a cron expression; every counts from the last firing, in no time zone`,
          "key",
        );
      if (schedule.cron !== undefined) {
        const problem = cronProblem(schedule.cron, schedule.timezone);
        if (problem) at([...path, problem.field], `${name}: ${problem.message}`);
      }
      const parser = withPayloads === undefined ? undefined : intentParser(withPayloads.triggers[index]!);
      if (parser !== undefined) {
        const parsed = parser.safeParse(schedule.payload);
        if (!parsed.success) {
          for (const issue of parsed.error.issues) {
            const missing = issue.code === "invalid_type" && issue.path.length > 0 && / received undefined$/.test(issue.message);
            const field = issue.path.length === 0 ? "" : `${issue.path.map(String).join(".")}: `;
            const what = missing
              ? `missing the required field "${String(issue.path.at(-1))}"`
              : `${field}${issue.message.replace(/^Invalid input: /, "")}`;
            at([...path, "payload", ...issue.path], `${name}: the payload is not an intent of "${trigger.kind}": ${what}`);
          }
        }
      }
    });
  });
  return errors;
}

/** The file's model, to parse payloads with; `undefined` when a broken schema elsewhere keeps it from being built (that error is reported). */
function modelOf(checked: CheckedSpec): ModuleModel | undefined {
  try {
    // Its schemas are all a payload needs; the timing being checked here is left out.
    const triggers = checked.spec.triggers?.map(({ schedules: _s, timeouts: _t, ...trigger }) => trigger);
    return buildModel([{ ...checked, spec: { ...checked.spec, ...(triggers ? { triggers } : {}) } }])[0];
  } catch {
    return undefined;
  }
}

/** A trigger's intent as a live zod schema; `undefined` when its schema is broken (a name it gives names nothing), which is reported at the schema. */
function intentParser(trigger: TriggerModel): z.ZodType | undefined {
  try {
    return liveSchema(trigger.intent, (ref) => {
      const target = trigger.refs.get(ref);
      if (target === undefined) throw new Error(`unknown schema ${ref}`);
      return target;
    });
  } catch {
    return undefined;
  }
}

/** What croner, as the runtime runs it, makes of a cron expression and time zone; `undefined` when it fires. */
function cronProblem(pattern: string, timezone: string | undefined): { field: "cron" | "timezone"; message: string } | undefined {
  // The time zone first, alone: croner names it in a message about dates otherwise.
  if (timezone !== undefined) {
    try {
      new Intl.DateTimeFormat("en-US", { timeZone: timezone });
    } catch {
      return {
        field: "timezone",
        message: `${quoted(timezone)} is not a time zone; expected an IANA name such as "Europe/Paris" or "America/New_York"`,
      };
    }
  }
  let next: Date | null;
  try {
    // The runtime's options (`cron` in runtime/cron.ts), which the runtime's build keeps
    // out of reach of this one: check-time.test.ts holds the two to the same answers.
    next = new Cron(pattern, { mode: "5-or-6-parts", domAndDow: false, timezone: timezone ?? "UTC", paused: true }).nextRun();
  } catch (error) {
    const reason = (error as Error).message.replace(/^CronPattern: /, "").replace(/ \('.*'\)/s, "");
    return {
      field: "cron",
      message: `${quoted(pattern)} is not a cron expression: ${commentSafe(reason)}; expected five fields (minute hour day month weekday, like "0 3 * * *"), or six with seconds first`,
    };
  }
  if (next === null || next === undefined)
    return { field: "cron", message: `${quoted(pattern)} never fires (no date matches it); expected an expression with a next time` };
  return undefined;
}
