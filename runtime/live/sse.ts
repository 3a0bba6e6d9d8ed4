const encoder = new TextEncoder();
const HEARTBEAT_MS = 15_000;
/**
 * What a client may fall behind by before the channel says it is not keeping
 * up: 1 MiB of frames, or 256 frames, whichever comes first (every frame
 * counts as at least 1/256 of the budget). A frame is never dropped by the
 * channel itself; its writers read `keepingUp` and `room` and hold back.
 */
export const HIGH_WATER_BYTES = 1024 * 1024;
const BACKLOG_FRAMES = 256;
const MIN_FRAME_SIZE = HIGH_WATER_BYTES / BACKLOG_FRAMES;

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
 * The response body is a pull-based stream whose queue is measured in bytes:
 * `ready()` resolves when the client has read enough to leave room, and
 * `room` says how many bytes that is, so a writer that can wait (a ledger
 * tail, an attached stream) produces only what the client takes.
 *
 * The client going away is seen at once through the request's `signal`:
 * workerd aborts it on disconnect under the `enable_request_signal` flag, and
 * `request_signal_passthrough` carries it through a Worker that forwards the
 * request. Without them, the next write finds out, and the heartbeat bounds
 * how long that takes.
 */
export class SseChannel {
  readonly response: Response;
  #controller!: ReadableStreamDefaultController<Uint8Array>;
  readonly #heartbeat: ReturnType<typeof setInterval>;
  #open = true;
  /** Resolves a writer waiting in `ready()`: the client read, or the channel closed. */
  #wake: (() => void) | null = null;

  constructor(
    signal: AbortSignal | undefined,
    private readonly onClose: () => void,
  ) {
    signal?.addEventListener("abort", () => this.close(), { once: true });
    const body = new ReadableStream<Uint8Array>(
      {
        start: (controller) => {
          this.#controller = controller;
        },
        // Called whenever the client has read and the queue is under its high-water mark.
        pull: () => this.#woken(),
        cancel: () => this.#ended(),
      },
      { highWaterMark: HIGH_WATER_BYTES, size: (chunk) => Math.max(chunk.byteLength, MIN_FRAME_SIZE) },
    );
    // Proxies close idle connections; a comment line keeps long quiet work watched.
    this.#heartbeat = setInterval(() => this.#write(": keepalive\n\n"), HEARTBEAT_MS);
    this.response = new Response(body, {
      headers: { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-store", "x-accel-buffering": "no" },
    });
  }

  get open(): boolean {
    return this.#open;
  }

  /** Bytes the client may still fall behind by; 0 when it is not keeping up, or gone. */
  get room(): number {
    return this.#open ? Math.max(0, this.#controller.desiredSize ?? 0) : 0;
  }

  /** False when the client reads slower than frames arrive: a transient frame may then be skipped. */
  get keepingUp(): boolean {
    return this.room > 0;
  }

  /** Resolves when the client has room for more, or the channel has closed. */
  ready(): Promise<void> {
    if (!this.#open || this.room > 0) return Promise.resolve();
    return new Promise((resolve) => {
      const previous = this.#wake;
      this.#wake = () => {
        previous?.();
        resolve();
      };
    });
  }

  send({ event, data, id }: SseFrame): void {
    let text = "";
    if (id !== undefined) text += `id: ${id}\n`;
    if (event !== undefined) text += `event: ${event}\n`;
    this.#write(`${text}data: ${JSON.stringify(data)}\n\n`);
  }

  /** Ends the response once the client has read what is queued. */
  close(): void {
    if (!this.#open) return;
    try {
      this.#controller.close();
    } catch {
      // already closed or errored by the client going away
    }
    this.#ended();
  }

  #write(text: string): void {
    if (!this.#open) return;
    try {
      this.#controller.enqueue(encoder.encode(text));
    } catch {
      this.#ended();
    }
  }

  #woken(): void {
    const wake = this.#wake;
    this.#wake = null;
    wake?.();
  }

  #ended(): void {
    if (!this.#open) return;
    this.#open = false;
    clearInterval(this.#heartbeat);
    this.#woken();
    this.onClose();
  }
}
