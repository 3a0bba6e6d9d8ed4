import * as z from "zod";
import { sizeWorker } from "./job";

/** The intent checked by zod, imported the way generated modules import it. */
const Intent = z.object({ n: z.number() });

const worker = sizeWorker((raw) => {
  const parsed = Intent.safeParse(raw);
  return parsed.success ? { ok: true, intent: parsed.data } : { ok: false, reason: z.prettifyError(parsed.error) };
});

export const Agent = worker.Agent;
export default worker.handler;
