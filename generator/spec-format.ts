import { z } from "zod";
import {
  count,
  jsonValue,
  keywordShape,
  UNSUPPORTED_KEYWORDS,
  type PayloadSchema,
  type SchemaHolder,
  type SchemaOrRef,
} from "./keywords.ts";

export { SCHEMA_TYPES, UNSUPPORTED_KEYWORDS, type JsonValue, type PayloadSchema, type SchemaOrRef } from "./keywords.ts";

/**
 * The spec format, as one zod schema: the check stage validates with it and
 * `trigger-spec.schema.json` (for editors) is printed from it.
 */

/**
 * Formats, as JSON Schema (draft-07 and 2020-12) and OpenAPI name them. Checked: zod has a check that
 * means what the format means. Described: accepted and not checked (zod has no such check, or the
 * format only says how to read a value, like OpenAPI's `decimal`); `int32` bounds an integer. Any
 * other format is accepted as well, since JSON Schema lets a validator ignore a format it does not
 * know, and the check stage warns at it.
 */
export const CHECKED_FORMATS = [
  "uuid",
  "email",
  "uri",
  "date-time",
  "date",
  "time",
  "duration",
  "ipv4",
  "ipv6",
  "hostname",
  "byte",
] as const;
export const DESCRIBED_FORMATS = [
  // draft-07 and 2020-12 formats zod has no check for.
  "idn-email",
  "idn-hostname",
  "uri-reference",
  "iri",
  "iri-reference",
  "uri-template",
  "json-pointer",
  "relative-json-pointer",
  "regex",
  // OpenAPI's, and formats vendors use widely.
  "int32",
  "int64",
  "float",
  "double",
  "binary",
  "password",
  "unix-time",
  "decimal",
] as const;
/** Every format the generator knows; another one is accepted with a warning. */
export const KNOWN_FORMATS: readonly string[] = [...CHECKED_FORMATS, ...DESCRIBED_FORMATS];

/** The keywords of a payload schema; keys starting with `x-` (vendor extensions) are set aside before they are read. */
export const payloadKeywords = z.strictObject(keywordShape(() => schemaOrRef));

/** Whether a key is a vendor extension (`x-stripeResource`), which a schema may carry and the generator ignores. */
export const isExtension = (key: string) => key.startsWith("x-");

// Read when first needed: the shape's getters name schemas declared further down.
let keywords: Set<string> | undefined;

/** Whether a key of a schema is ignored, with a warning: neither a keyword nor a vendor extension. */
export const isIgnoredKey = (key: string) =>
  !isExtension(key) && !(keywords ??= new Set([...Object.keys(payloadKeywords.shape), ...UNSUPPORTED_KEYWORDS])).has(key);

const withoutIgnored = (value: unknown) =>
  value !== null && typeof value === "object" && !Array.isArray(value)
    ? Object.fromEntries(Object.entries(value).filter(([key]) => !isExtension(key) && !isIgnoredKey(key)))
    : value;

export const payloadSchema: z.ZodType<PayloadSchema> = z.preprocess(withoutIgnored, payloadKeywords) as unknown as z.ZodType<PayloadSchema>;

/** A string names a schema: `intent`, `outcome`, `progress`, or one under the file's `schemas`. */
export const schemaOrRef: z.ZodType<SchemaOrRef> = z.union([z.string().min(1), payloadSchema]);

const positive = z.number().int().positive();

/** The units a duration may take, in milliseconds. */
export const DURATION_UNITS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
export const DURATION_PATTERN = /^([1-9][0-9]*)(ms|s|m|h|d)$/;
const DURATION_EXPECTED = "expected a duration: a whole number above 0 and a unit, ms, s, m, h or d (like 500ms, 30s, 10m, 1h, 1d)";

/** A duration as a spec writes it (`10m`); the check stage converts it to milliseconds and bounds it. */
const duration = z
  .string({ error: DURATION_EXPECTED })
  .regex(DURATION_PATTERN, { error: DURATION_EXPECTED })
  .describe("A duration: 500ms, 30s, 10m, 1h, 1d.");

/** Cancel the trigger's unsettled intents when a fact of `event` arrives whose payload matches, field by field. */
export const cancelOnRule = z.strictObject({
  event: z.string().min(1),
  /** intent field path → event payload field path, dotted (`customer.id`). */
  match: z
    .record(z.string().min(1), z.string().min(1))
    .refine((match) => Object.keys(match).length > 0, "match names at least one pair, intent field: event field"),
});

/** A default schedule: the object installs it by key when it starts. Exactly one of `cron` and `every`. */
export const scheduleSpec = z.strictObject({
  key: z.string().min(1),
  cron: z.string().min(1).describe('A cron expression, five fields (or six with seconds first), like "0 3 * * *".').optional(),
  every: duration.describe("Fire every this long (at least 1s).").optional(),
  /** An IANA time zone (`Europe/Paris`) the cron expression is read in; UTC without it. */
  timezone: z.string().min(1).optional(),
  /** The intent each firing enqueues, checked against the trigger's intent schema when generating. */
  payload: jsonValue,
});

/** A standalone fact kind: facts from outside (a webhook), appended by `emitEvent`. */
export const declaredEventSpec = z.strictObject({ description: z.string().optional(), payload: schemaOrRef });

export const triggerSpec = z.strictObject({
  kind: z.string().min(1),
  intentEventKind: z.string().min(1),
  cancellation: z.enum(["cooperative", "ignored"]),
  description: z.string().optional(),
  acquireDeadlineMs: positive.optional(),
  concurrency: positive.optional(),
  retry: z.strictObject({ maxAttempts: positive.optional(), backoffMs: count.optional(), maxBackoffMs: count.optional() }).optional(),
  /**
   * After a change that stored intents would no longer pass: the version from
   * which they are kept; older ones settle `rejected`. Naming the version keeps
   * a stale declaration from dropping the next change's intents too.
   */
  dropIntentsBefore: positive.optional(),
  /**
   * Instead: stored intents of older versions are upgraded to this version by
   * the handler file's `upgradeToV<n>`, which the handlers type then requires.
   * Named for the same reason.
   */
  upgradeIntentsTo: positive.optional(),
  intent: schemaOrRef,
  outcome: schemaOrRef,
  progress: schemaOrRef.optional(),
  events: z.record(z.string(), z.strictObject({ payload: schemaOrRef, description: z.string().optional() })),
  cancelOn: z
    .array(cancelOnRule)
    .describe(
      "Cancel this trigger's unsettled intents when a matching fact is appended: [{ event, match: { <intent field>: <event payload field> } }].",
    )
    .optional(),
  timeouts: z
    .strictObject({
      start: duration.describe("Work not claimed within this long of its due time settles cancelled (timeout:start).").optional(),
      finish: duration.describe("Work not settled within this long of its first claim is asked to stop (timeout:finish).").optional(),
    })
    .optional(),
  schedules: z
    .array(scheduleSpec)
    .describe("Default schedules, installed by key when an object starts; each fire time enqueues one intent with payload.")
    .optional(),
});

/** An output-only attached stream: frames go to the client that opened it; only its terminal is stored. */
export const streamSpec = z.strictObject({
  kind: z.string().min(1),
  mode: z.literal("output_only"),
  cancellation: z.enum(["cooperative", "ignored"]),
  onDetach: z.enum(["abort", "continue"]),
  description: z.string().optional(),
  start: schemaOrRef,
  progress: schemaOrRef.optional(),
  output: schemaOrRef.optional(),
  result: schemaOrRef,
  events: z.record(z.string(), z.strictObject({ payload: schemaOrRef, description: z.string().optional() })),
});

export const specFile = z
  .strictObject({
    schemas: z.record(z.string(), payloadSchema).optional(),
    triggers: z.array(triggerSpec).optional(),
    streams: z.array(streamSpec).optional(),
    events: z
      .record(z.string(), declaredEventSpec)
      .describe("Fact kinds declared on their own (facts from outside, appended by emitEvent), each with its payload schema.")
      .optional(),
  })
  .refine(
    (file) => (file.triggers?.length ?? 0) + (file.streams?.length ?? 0) + Object.keys(file.events ?? {}).length > 0,
    "a spec file declares at least one trigger, stream or event",
  );

export type TriggerSpec = z.infer<typeof triggerSpec>;
export type StreamSpec = z.infer<typeof streamSpec>;
export type SpecFile = z.infer<typeof specFile>;
export type ScheduleSpec = z.infer<typeof scheduleSpec>;
export type CancelOnSpec = z.infer<typeof cancelOnRule>;
export type DeclaredEventSpec = z.infer<typeof declaredEventSpec>;

/** The JSON Schema editors read (yaml-language-server), printed from the same zod schema. */
export function specJsonSchema(): string {
  const schema = z.toJSONSchema(specFile, {
    target: "draft-7",
    // Vendor extensions are allowed where a payload schema is, as the parse sets them aside.
    override: ({ zodSchema, jsonSchema }) => {
      if (zodSchema === payloadKeywords) jsonSchema.patternProperties = { "^x-": {} };
    },
  }) as Record<string, unknown>;
  return `${JSON.stringify({ title: "Durable trigger specs", ...schema }, null, 2)}\n`;
}

export const isSchema = (value: unknown): value is SchemaOrRef =>
  typeof value === "string" || (typeof value === "object" && value !== null && !Array.isArray(value));

/**
 * How each keyword that holds schemas holds them: a schema (or a list of them, or a boolean, which
 * is none) or schemas by name; in the order subschemas() walks them. A keyword whose grammar reads
 * a subschema (keywords.ts) and is missing here does not compile, so no reference inside it goes
 * unchecked.
 */
export const SCHEMA_HOLDERS: { readonly [K in SchemaHolder]: "schema" | "byName" } = {
  properties: "byName",
  patternProperties: "byName",
  additionalProperties: "schema",
  items: "schema",
  prefixItems: "schema",
  additionalItems: "schema",
  anyOf: "schema",
  oneOf: "schema",
  allOf: "schema",
  if: "schema",
  then: "schema",
  else: "schema",
  not: "schema",
  propertyNames: "schema",
  contains: "schema",
  dependentSchemas: "byName",
};

/** The schemas directly inside a schema, each with the path to it. */
export function subschemas(s: PayloadSchema): [PropertyKey[], SchemaOrRef][] {
  const found: [PropertyKey[], SchemaOrRef][] = [];
  for (const [keyword, holds] of Object.entries(SCHEMA_HOLDERS) as [SchemaHolder, "schema" | "byName"][]) {
    const value = s[keyword];
    if (holds === "byName")
      for (const [name, inner] of Object.entries((value ?? {}) as Record<string, SchemaOrRef>)) found.push([[keyword, name], inner]);
    else if (Array.isArray(value)) value.forEach((inner, i) => found.push([[keyword, i], inner]));
    else if (isSchema(value)) found.push([[keyword], value]);
  }
  return found;
}
