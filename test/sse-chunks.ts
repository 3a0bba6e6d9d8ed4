/** What a reader of a server-sent-event body saw: the chunks it came in, their bytes, and the event ids. */
export interface Read {
  readonly chunks: number;
  readonly bytes: number;
  readonly ids: number[];
}

/** Reads `body` until `count` event ids have arrived, counting its chunks and bytes. */
export async function readChunks(body: ReadableStream<Uint8Array>, count: number): Promise<Read> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  const ids: number[] = [];
  let chunks = 0;
  let bytes = 0;
  let text = "";
  try {
    while (ids.length < count) {
      const { value, done } = await reader.read();
      if (done) break;
      chunks++;
      bytes += value.byteLength;
      text += decoder.decode(value, { stream: true });
      // Whole frames only: a frame split between two chunks is read with the next one.
      const cut = text.lastIndexOf("\n\n");
      const end = cut < 0 ? 0 : cut + 2;
      for (const match of text.slice(0, end).matchAll(/^id: (\d+)$/gm)) ids.push(Number(match[1]));
      text = text.slice(end);
    }
  } finally {
    await reader.cancel().catch(() => {});
  }
  return { chunks, bytes, ids };
}
