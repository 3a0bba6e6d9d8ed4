import * as z from "zod/mini";
import { sizeWorker } from "./job";

/** The intent checked by zod/mini instead: what a zod/mini emitter would weigh. */
const Intent = z.object({ n: z.number() });

const worker = sizeWorker((raw) => {
  const parsed = Intent.safeParse(raw);
  return parsed.success
    ? { ok: true, intent: parsed.data }
    : { ok: false, reason: parsed.error.issues.map((issue) => issue.message).join("; ") };
});

export const Agent = worker.Agent;
export default worker.handler;
