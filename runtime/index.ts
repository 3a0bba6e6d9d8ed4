export { defineAgentDO, type AgentDefinition } from "./define-agent-do";
export { CancellationError, RegistrationError, RequestError } from "./errors";
export { FAILED_EVENT, REJECTED_EVENT, STREAM_FAILED_EVENT } from "./registry";
export type * from "./types";
