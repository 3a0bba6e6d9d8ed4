import { defineAgentDO } from "../runtime";
import { textGenerate } from "./streams/text.generate";
import { timerCountdown } from "./triggers/timer.countdown";
import { tutorialCancelable } from "./triggers/tutorial.cancelable";

export const AgentDO = defineAgentDO({
  bindings: ["AGENT"],
  triggers: [tutorialCancelable, timerCountdown],
  streams: [textGenerate],
});
export type AgentDO = InstanceType<typeof AgentDO>;
