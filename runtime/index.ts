export { defineAgentDO, type AgentClass, type AgentDefinition, type AgentMethods, type AgentObject } from "./define-agent-do.ts";
export { CancellationError, NonRetryableError, RegistrationError, RequestError } from "./errors.ts";
export { FAILED_EVENT, REJECTED_EVENT, STREAM_FAILED_EVENT } from "./registry.ts";
export { SCHEDULE_REFUSED_EVENT } from "./schedules.ts";
export { MIN_EVERY_MS } from "./schedule-time.ts";
export type * from "./types.ts";
