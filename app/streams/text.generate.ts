import { z } from "zod";
import type { AttachedStream, StartParseResult } from "../../runtime";
import { sleep } from "../sleep";

const startSchema = z.object({
  prompt: z.string().min(1).max(500),
  words: z.number().int().min(1).max(200).default(24),
});
export type GenerateStart = z.infer<typeof startSchema>;

const VOCABULARY = "durable triggers settle exactly once while the ledger explains every outcome to whoever reads it".split(" ");

function parseStart(raw: unknown): StartParseResult<GenerateStart> {
  const parsed = startSchema.safeParse(raw);
  if (parsed.success) return { ok: true, start: parsed.data };
  return { ok: false, reason: parsed.error.issues.map((i) => `${i.path.join(".") || "$"}: ${i.message}`).join("; ") };
}

/**
 * Stands in for a model streaming its answer: one word every 80 ms as an
 * output frame, progress alongside, the whole text as the terminal. Only the
 * terminal reaches the ledger; a reader who leaves stops the generation.
 */
export const textGenerate = {
  kind: "text.generate",
  mode: "output_only",
  cancellation: "cooperative",
  onDetach: "abort",
  parseStart,
  async *run(start, ctx) {
    const words: string[] = [];
    for (let i = 0; i < start.words; i++) {
      await sleep(80, ctx.signal);
      const word = VOCABULARY[(start.prompt.length + i) % VOCABULARY.length]!;
      words.push(word);
      yield { type: "output", payload: { word } };
      yield { type: "progress", payload: { written: i + 1, of: start.words } };
    }
    yield { type: "completed", payload: { text: words.join(" ") } };
  },
  commitTerminal(start, terminal, tx) {
    const { type, ...detail } = terminal;
    tx.insertEvent({ kind: `text.generate.${type}`, payload: { streamRef: tx.streamRef, prompt: start.prompt, ...detail } });
  },
} satisfies AttachedStream<GenerateStart, { written: number; of: number }, { word: string }, { text: string }>;
