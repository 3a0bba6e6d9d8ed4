import { events, streams, triggers } from "../generated/agent-do";
import { defineAgentDO } from "durable-triggers";
import { cron } from "durable-triggers/cron";

/**
 * Everything comes from specs/ (generated/agent-do.ts); the app names the bindings it needs, and takes cron
 * schedules from its console and API, though no spec declares one.
 */
export const AgentDO = defineAgentDO({ bindings: ["AGENT"], triggers, streams, events, cron });
export type AgentDO = InstanceType<typeof AgentDO>;
