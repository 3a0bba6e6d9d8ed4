export { defineAgentDO, type AgentClass, type AgentDefinition, type AgentMethods, type AgentObject } from "./object/define-agent-do.ts";
export { CancellationError, NonRetryableError, RegistrationError, RequestError } from "./contract/errors.ts";
export { FAILED_EVENT, REJECTED_EVENT, STREAM_FAILED_EVENT } from "./definition/registry.ts";
export { SCHEDULE_REFUSED_EVENT } from "./time/schedules.ts";
export { MAX_EVERY_MS, MIN_EVERY_MS, type CronEngine } from "./definition/schedule-time.ts";
export { MAX_IDEMPOTENCY_KEY_BYTES } from "./contract/idempotency.ts";
export type * from "./contract/types.ts";
