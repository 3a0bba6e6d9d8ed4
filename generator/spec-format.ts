import { z } from "zod";

/**
 * The spec format, as one zod schema: the check stage validates with it and
 * `trigger-spec.schema.json` (for editors) is printed from it.
 */

export const SCHEMA_TYPES = ["object", "array", "string", "number", "integer", "boolean", "null"] as const;
export const STRING_FORMATS = ["uuid", "email", "uri", "date-time"] as const;

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };
const jsonValue: z.ZodType<JsonValue> = z.lazy(() =>
  z.union([z.null(), z.boolean(), z.number(), z.string(), z.array(jsonValue), z.record(z.string(), jsonValue)]),
);

const count = z.number().int().nonnegative();

/** A payload schema: the documented subset of JSON Schema, or the name of a schema declared elsewhere. */
export interface PayloadSchema {
  type?: (typeof SCHEMA_TYPES)[number] | (typeof SCHEMA_TYPES)[number][];
  description?: string;
  properties?: Record<string, SchemaOrRef>;
  required?: string[];
  additionalProperties?: boolean | SchemaOrRef;
  items?: SchemaOrRef;
  enum?: JsonValue[];
  const?: JsonValue;
  default?: JsonValue;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  format?: (typeof STRING_FORMATS)[number];
  minimum?: number;
  maximum?: number;
  minItems?: number;
  maxItems?: number;
}
export type SchemaOrRef = PayloadSchema | string;

export const payloadSchema: z.ZodType<PayloadSchema> = z.strictObject({
  type: z.union([z.enum(SCHEMA_TYPES), z.array(z.enum(SCHEMA_TYPES)).min(1)]).optional(),
  description: z.string().optional(),
  get properties() {
    return z.record(z.string(), schemaOrRef).optional();
  },
  required: z.array(z.string()).optional(),
  get additionalProperties() {
    return z.union([z.boolean(), schemaOrRef]).optional();
  },
  get items() {
    return schemaOrRef.optional();
  },
  enum: z.array(jsonValue).min(1).optional(),
  const: jsonValue.optional(),
  default: jsonValue.optional(),
  minLength: count.optional(),
  maxLength: count.optional(),
  pattern: z.string().optional(),
  format: z.enum(STRING_FORMATS).optional(),
  minimum: z.number().optional(),
  maximum: z.number().optional(),
  minItems: count.optional(),
  maxItems: count.optional(),
});

/** A string names a schema: `intent`, `outcome`, `progress`, or one under the file's `schemas`. */
export const schemaOrRef: z.ZodType<SchemaOrRef> = z.union([z.string().min(1), payloadSchema]);

const positive = z.number().int().positive();

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
  intent: schemaOrRef,
  outcome: schemaOrRef,
  progress: schemaOrRef.optional(),
  events: z.record(z.string(), z.strictObject({ payload: schemaOrRef, description: z.string().optional() })),
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
  })
  .refine((file) => (file.triggers?.length ?? 0) + (file.streams?.length ?? 0) > 0, "a spec file declares at least one trigger or stream");

export type TriggerSpec = z.infer<typeof triggerSpec>;
export type StreamSpec = z.infer<typeof streamSpec>;
export type SpecFile = z.infer<typeof specFile>;

/** The JSON Schema editors read (yaml-language-server), printed from the same zod schema. */
export function specJsonSchema(): string {
  const schema = z.toJSONSchema(specFile, { target: "draft-7" }) as Record<string, unknown>;
  return `${JSON.stringify({ title: "Durable trigger specs", ...schema }, null, 2)}\n`;
}
