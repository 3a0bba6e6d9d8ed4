import { defineAgentDO } from "../runtime";
import { timerCountdown } from "./triggers/timer.countdown";
import { tutorialCancelable } from "./triggers/tutorial.cancelable";

export const AgentDO = defineAgentDO({ bindings: ["AGENT"], triggers: [tutorialCancelable, timerCountdown] });
export type AgentDO = InstanceType<typeof AgentDO>;
