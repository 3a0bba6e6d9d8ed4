import { sizeWorker } from "./job";

/** The intent checked by hand: the runtime alone. */
const worker = sizeWorker((raw) =>
  typeof (raw as { n?: unknown } | null)?.n === "number"
    ? { ok: true, intent: raw as { n: number } }
    : { ok: false, reason: "n: expected a number" },
);

export const Agent = worker.Agent;
export default worker.handler;
