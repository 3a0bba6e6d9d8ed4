import type { TextGenerateStreamHandlers } from "../../generated";
import { sleep } from "../sleep";

const VOCABULARY = "durable triggers settle exactly once while the ledger explains every outcome to whoever reads it".split(" ");

/**
 * Handlers for `text.generate` (specs/streams.yaml). trigger-codegen wrote this stub once;
 * the bodies are yours, and later runs only add what a changed spec needs.
 */
export const handlers: TextGenerateStreamHandlers = {
  // One word every 80 ms as an output frame, progress alongside, the whole text as the terminal.
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
    const about = { streamRef: tx.streamRef, prompt: start.prompt };
    switch (terminal.type) {
      case "completed":
        return void tx.insertEvent({ kind: "text.generate.completed", payload: { ...about, payload: terminal.payload } });
      case "cancelled":
        return void tx.insertEvent({ kind: "text.generate.cancelled", payload: { ...about, reason: terminal.reason } });
      case "failed":
        return void tx.insertEvent({ kind: "text.generate.failed", payload: { ...about, error: terminal.error } });
    }
  },
};
