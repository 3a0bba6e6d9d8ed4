import { events, streams, triggers } from "../generated/agent-do";
import { defineAgentDO } from "durable-triggers";

/** Everything comes from specs/ (generated/agent-do.ts); the app only names the bindings it needs. */
export const AgentDO = defineAgentDO({ bindings: ["AGENT"], triggers, streams, events });
export type AgentDO = InstanceType<typeof AgentDO>;
