import { triggers } from "../generated/agent-do";
import { defineAgentDO } from "../runtime";
import { textGenerate } from "./streams/text.generate";

/** The triggers come from specs/ (generated/agent-do.ts); the attached stream is written by hand. */
export const AgentDO = defineAgentDO({ bindings: ["AGENT"], triggers, streams: [textGenerate] });
export type AgentDO = InstanceType<typeof AgentDO>;
