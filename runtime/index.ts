export { defineAgentDO, type AgentClass, type AgentDefinition, type AgentMethods, type AgentObject } from "./define-agent-do.ts";
export { CancellationError, NonRetryableError, RegistrationError, RequestError } from "./errors.ts";
export { FAILED_EVENT, REJECTED_EVENT, STREAM_FAILED_EVENT } from "./registry.ts";
export { SCHEDULE_REFUSED_EVENT } from "./schedules.ts";
export { MAX_EVERY_MS, MIN_EVERY_MS, type CronEngine } from "./schedule-time.ts";
export { MAX_IDEMPOTENCY_KEY_BYTES } from "./idempotency.ts";
export type * from "./types.ts";
