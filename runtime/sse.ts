const encoder = new TextEncoder();
const HEARTBEAT_MS = 15_000;
/** Frames a slow client may fall behind before transient ones are skipped. */
const BACKLOG_FRAMES = 256;

export interface SseFrame {
  /** Omitted for the default `message` event, which `EventSource.onmessage` receives. */
  readonly event?: string;
  readonly data: unknown;
  readonly id?: number;
}

/**
 * One server-sent-event response. JSON data never holds a raw CR or LF, so a
 * frame can never split into two. `onClose` runs once, when the client goes
 * away or the server closes, and is how a watcher detaches at no cost.
 *
 * The client going away is seen at once through the request's `signal`:
 * workerd aborts it on disconnect under the `enable_request_signal` flag, and
 * `request_signal_passthrough` carries it through a Worker that forwards the
 * request. Without them, the next write finds out, and the heartbeat bounds
 * how long that takes.
 */
export class SseChannel {
  readonly response: Response;
  readonly #writer: WritableStreamDefaultWriter<Uint8Array>;
  readonly #heartbeat: ReturnType<typeof setInterval>;
  #open = true;

  constructor(
    signal: AbortSignal | undefined,
    private readonly onClose: () => void,
  ) {
    signal?.addEventListener("abort", () => this.close(), { once: true });
    const { readable, writable } = new TransformStream<Uint8Array, Uint8Array>(
      {},
      new CountQueuingStrategy({ highWaterMark: BACKLOG_FRAMES }),
    );
    this.#writer = writable.getWriter();
    this.#writer.closed.then(
      () => this.#ended(),
      () => this.#ended(),
    );
    // Proxies close idle connections; a comment line keeps long quiet work watched.
    this.#heartbeat = setInterval(() => this.#write(": keepalive\n\n"), HEARTBEAT_MS);
    this.response = new Response(readable, {
      headers: { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-store", "x-accel-buffering": "no" },
    });
  }

  get open(): boolean {
    return this.#open;
  }

  /** False when the client reads slower than frames arrive: a transient frame may then be skipped. */
  get keepingUp(): boolean {
    const size = this.#writer.desiredSize;
    return size === null || size > 0;
  }

  /** Resolves when the client has room for more. */
  ready(): Promise<void> {
    return this.#writer.ready.catch(() => {});
  }

  send({ event, data, id }: SseFrame): void {
    let text = "";
    if (id !== undefined) text += `id: ${id}\n`;
    if (event !== undefined) text += `event: ${event}\n`;
    this.#write(`${text}data: ${JSON.stringify(data)}\n\n`);
  }

  close(): void {
    if (!this.#open) return;
    this.#writer.close().catch(() => {});
    this.#ended();
  }

  #write(text: string): void {
    if (this.#open) this.#writer.write(encoder.encode(text)).catch(() => this.#ended());
  }

  #ended(): void {
    if (!this.#open) return;
    this.#open = false;
    clearInterval(this.#heartbeat);
    this.onClose();
  }
}
