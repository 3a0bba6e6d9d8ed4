import * as z from "zod";
import { cron } from "durable-triggers/cron";
import { sizeWorker } from "./job";

/** The zod worker with cron schedules: what generated code registers when a spec declares one. */
const Intent = z.object({ n: z.number() });

const worker = sizeWorker((raw) => {
  const parsed = Intent.safeParse(raw);
  return parsed.success ? { ok: true, intent: parsed.data } : { ok: false, reason: z.prettifyError(parsed.error) };
}, cron);

export const Agent = worker.Agent;
export default worker.handler;
