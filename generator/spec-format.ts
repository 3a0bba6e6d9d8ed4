import { z } from "zod";

/**
 * The spec format, as one zod schema: the check stage validates with it and
 * `trigger-spec.schema.json` (for editors) is printed from it.
 */

export const SCHEMA_TYPES = ["object", "array", "string", "number", "integer", "boolean", "null"] as const;
/**
 * Formats, as JSON Schema (draft-07 and 2020-12) and OpenAPI name them. Checked: zod has a check that
 * means what the format means. Described: accepted and not checked (zod has no such check, or the
 * format only says how to read a value, like OpenAPI's `decimal`); `int32` bounds an integer. Any
 * other format is accepted as well, since JSON Schema lets a validator ignore a format it does not
 * know, and the check stage warns at it.
 */
export const CHECKED_FORMATS = ["uuid", "email", "uri", "date-time", "date", "time", "duration", "ipv4", "ipv6", "hostname", "byte"] as const;
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

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };
const jsonValue: z.ZodType<JsonValue> = z.lazy(() =>
  z.union([z.null(), z.boolean(), z.number(), z.string(), z.array(jsonValue), z.record(z.string(), jsonValue)]),
);

const count = z.number().int().nonnegative();

/** A payload schema: the documented subset of JSON Schema, or the name of a schema declared elsewhere. */
export interface PayloadSchema {
  type?: (typeof SCHEMA_TYPES)[number] | (typeof SCHEMA_TYPES)[number][];
  /** OpenAPI 3.0's way to say `null` is accepted too. */
  nullable?: boolean;
  /** The name of a schema declared elsewhere, bare (`Address`) or as a pointer (`#/schemas/Address`). */
  $ref?: string;
  anyOf?: SchemaOrRef[];
  oneOf?: SchemaOrRef[];
  allOf?: SchemaOrRef[];
  /** OpenAPI's: which property tells the branches of a `oneOf` or `anyOf` apart. */
  discriminator?: { propertyName: string; mapping?: Record<string, string> };
  title?: string;
  description?: string;
  examples?: JsonValue[];
  example?: JsonValue;
  deprecated?: boolean;
  readOnly?: boolean;
  writeOnly?: boolean;
  $comment?: string;
  /** The dialect and identity a pasted document gives itself: read, and otherwise ignored. */
  $schema?: string;
  $id?: string;
  properties?: Record<string, SchemaOrRef>;
  required?: string[];
  additionalProperties?: boolean | SchemaOrRef;
  patternProperties?: Record<string, SchemaOrRef>;
  minProperties?: number;
  maxProperties?: number;
  /** A schema for every item, or (draft-07) a list of them: a tuple, `additionalItems` for the rest. */
  items?: boolean | SchemaOrRef | SchemaOrRef[];
  prefixItems?: SchemaOrRef[];
  additionalItems?: boolean | SchemaOrRef;
  uniqueItems?: boolean;
  enum?: JsonValue[];
  const?: JsonValue;
  default?: JsonValue;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  /** One of KNOWN_FORMATS is checked or described; any other is described, with a warning. */
  format?: string;
  /** An annotation, as JSON Schema has it: `format: byte` is the checked base64. */
  contentEncoding?: string;
  contentMediaType?: string;
  minimum?: number;
  maximum?: number;
  /** A number (draft 6 on), or OpenAPI 3.0's `true`, which makes `minimum` exclusive. */
  exclusiveMinimum?: number | boolean;
  exclusiveMaximum?: number | boolean;
  multipleOf?: number;
  minItems?: number;
  maxItems?: number;
}
export type SchemaOrRef = PayloadSchema | string;

/** The keywords of a payload schema; keys starting with `x-` (vendor extensions) are set aside before they are read. */
export const payloadKeywords = z.strictObject({
  type: z.union([z.enum(SCHEMA_TYPES), z.array(z.enum(SCHEMA_TYPES)).min(1)]).optional(),
  nullable: z.boolean().optional(),
  $ref: z.string().min(1).optional(),
  get anyOf() {
    return z.array(schemaOrRef).min(1).optional();
  },
  get oneOf() {
    return z.array(schemaOrRef).min(1).optional();
  },
  get allOf() {
    return z.array(schemaOrRef).min(1).optional();
  },
  discriminator: z.strictObject({ propertyName: z.string().min(1), mapping: z.record(z.string(), z.string().min(1)).optional() }).optional(),
  title: z.string().optional(),
  description: z.string().optional(),
  examples: z.array(jsonValue).optional(),
  example: jsonValue.optional(),
  deprecated: z.boolean().optional(),
  readOnly: z.boolean().optional(),
  writeOnly: z.boolean().optional(),
  $comment: z.string().optional(),
  $schema: z.string().optional(),
  $id: z.string().optional(),
  get properties() {
    return z.record(z.string(), schemaOrRef).optional();
  },
  required: z.array(z.string()).optional(),
  get additionalProperties() {
    return z.union([z.boolean(), schemaOrRef]).optional();
  },
  get patternProperties() {
    return z.record(z.string(), schemaOrRef).optional();
  },
  minProperties: count.optional(),
  maxProperties: count.optional(),
  get items() {
    return z.union([z.boolean(), schemaOrRef, z.array(schemaOrRef)]).optional();
  },
  get prefixItems() {
    return z.array(schemaOrRef).optional();
  },
  get additionalItems() {
    return z.union([z.boolean(), schemaOrRef]).optional();
  },
  uniqueItems: z.boolean().optional(),
  enum: z.array(jsonValue).min(1).optional(),
  const: jsonValue.optional(),
  default: jsonValue.optional(),
  minLength: count.optional(),
  maxLength: count.optional(),
  pattern: z.string().optional(),
  format: z.string().optional(),
  contentEncoding: z.string().optional(),
  contentMediaType: z.string().optional(),
  minimum: z.number().optional(),
  maximum: z.number().optional(),
  exclusiveMinimum: z.union([z.number(), z.boolean()]).optional(),
  exclusiveMaximum: z.union([z.number(), z.boolean()]).optional(),
  multipleOf: z.number().positive().optional(),
  minItems: count.optional(),
  maxItems: count.optional(),
});

/** Whether a key is a vendor extension (`x-stripeResource`), which a schema may carry and the generator ignores. */
export const isExtension = (key: string) => key.startsWith("x-");

/**
 * JSON Schema keywords the generator does not handle (yet): a schema holding one is refused at it,
 * since ignoring it would accept what the schema refuses. Any other key the format does not know is
 * not a keyword at all (octokit's `tsAdditionalProperties`): JSON Schema ignores it, and so does the
 * generator, with a warning at it.
 */
export const UNSUPPORTED_KEYWORDS = [
  "if",
  "then",
  "else",
  "not",
  "dependentRequired",
  "dependentSchemas",
  "dependencies",
  "propertyNames",
  "contains",
  "minContains",
  "maxContains",
  "unevaluatedProperties",
  "unevaluatedItems",
  "$defs",
  "definitions",
  "$anchor",
  "$dynamicRef",
  "$dynamicAnchor",
  "$recursiveRef",
  "$recursiveAnchor",
  "$vocabulary",
] as const;

// Read when first needed: the shape's getters name schemas declared further down.
let keywords: Set<string> | undefined;

/** Whether a key of a schema is ignored, with a warning: neither a keyword nor a vendor extension. */
export const isIgnoredKey = (key: string) => !isExtension(key) && !(keywords ??= new Set([...Object.keys(payloadKeywords.shape), ...UNSUPPORTED_KEYWORDS])).has(key);

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
const duration = z.string({ error: DURATION_EXPECTED }).regex(DURATION_PATTERN, { error: DURATION_EXPECTED }).describe("A duration: 500ms, 30s, 10m, 1h, 1d.");

/** Cancel the trigger's unsettled intents when a fact of `event` arrives whose payload matches, field by field. */
export const cancelOnRule = z.strictObject({
  event: z.string().min(1),
  /** intent field path → event payload field path, dotted (`customer.id`). */
  match: z.record(z.string().min(1), z.string().min(1)).refine((match) => Object.keys(match).length > 0, "match names at least one pair, intent field: event field"),
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
  retry: z
    .strictObject({ maxAttempts: positive.optional(), backoffMs: count.optional(), maxBackoffMs: count.optional() })
    .optional(),
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
  cancelOn: z.array(cancelOnRule).describe("Cancel this trigger's unsettled intents when a matching fact is appended: [{ event, match: { <intent field>: <event payload field> } }].").optional(),
  timeouts: z
    .strictObject({
      start: duration.describe("Work not claimed within this long of its due time settles cancelled (timeout:start).").optional(),
      finish: duration.describe("Work not settled within this long of its first claim is asked to stop (timeout:finish).").optional(),
    })
    .optional(),
  schedules: z.array(scheduleSpec).describe("Default schedules, installed by key when an object starts; each fire time enqueues one intent with payload.").optional(),
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
    events: z.record(z.string(), declaredEventSpec).describe("Fact kinds declared on their own (facts from outside, appended by emitEvent), each with its payload schema.").optional(),
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

const isSchema = (value: unknown): value is SchemaOrRef => typeof value === "string" || (typeof value === "object" && value !== null && !Array.isArray(value));

/** The schemas directly inside a schema, each with the path to it. */
export function subschemas(s: PayloadSchema): [PropertyKey[], SchemaOrRef][] {
  const found: [PropertyKey[], SchemaOrRef][] = [];
  for (const [name, property] of Object.entries(s.properties ?? {})) found.push([["properties", name], property]);
  for (const [pattern, property] of Object.entries(s.patternProperties ?? {})) found.push([["patternProperties", pattern], property]);
  if (isSchema(s.additionalProperties)) found.push([["additionalProperties"], s.additionalProperties]);
  if (Array.isArray(s.items)) s.items.forEach((item, i) => found.push([["items", i], item]));
  else if (isSchema(s.items)) found.push([["items"], s.items]);
  s.prefixItems?.forEach((item, i) => found.push([["prefixItems", i], item]));
  if (isSchema(s.additionalItems)) found.push([["additionalItems"], s.additionalItems]);
  for (const keyword of ["anyOf", "oneOf", "allOf"] as const) s[keyword]?.forEach((branch, i) => found.push([[keyword, i], branch]));
  return found;
}
