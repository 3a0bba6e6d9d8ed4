const encoder = new TextEncoder();
const HEARTBEAT_MS = 15_000;
/**
 * What a client may fall behind by before the channel says it is not keeping
 * up: 1 MiB of frames, or 256 unread chunks, whichever comes first (every
 * chunk counts as at least 1/256 of the budget). A frame is never dropped by
 * the channel itself; its writers read `keepingUp` and `room` and hold back.
 */
export const HIGH_WATER_BYTES = 1024 * 1024;
const BACKLOG_CHUNKS = 256;
const MIN_CHUNK_SIZE = HIGH_WATER_BYTES / BACKLOG_CHUNKS;
/**
 * The least time between two chunks of one response. Frames sent meanwhile
 * wait and go out together as one chunk: every chunk is a write all the way
 * to the client, and under `wrangler dev` its inspector proxy opened a
 * loopback connection per chunk, so a tail of 100 000 facts sent one frame a
 * chunk ran workerd out of files and took every scope down with it.
 */
export const CHUNK_INTERVAL_MS = 50;

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
 * Frames are coalesced: `send` only queues a frame's text, and the channel
 * writes what is queued as one chunk, in a later turn and at most once per
 * `CHUNK_INTERVAL_MS`. Queued text counts against `room` as written text does.
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
  /** Frames sent but not yet written, and their bytes. */
  #pending: Uint8Array[] = [];
  #pendingBytes = 0;
  /** Armed while a chunk may not be written yet, or one is due in the next turn; null when idle. */
  #chunkTimer: ReturnType<typeof setTimeout> | null = null;
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
      { highWaterMark: HIGH_WATER_BYTES, size: (chunk) => Math.max(chunk.byteLength, MIN_CHUNK_SIZE) },
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
    return this.#open ? Math.max(0, (this.#controller.desiredSize ?? 0) - this.#pendingBytes) : 0;
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

  /** Ends the response once the client has read what is queued (frames not yet written go first, as one chunk). */
  close(): void {
    if (!this.#open) return;
    this.#writePending();
    try {
      this.#controller.close();
    } catch {
      // already closed or errored by the client going away
    }
    this.#ended();
  }

  /** Queues `text` for the next chunk: in the next turn, or once `CHUNK_INTERVAL_MS` has passed since the last. */
  #write(text: string): void {
    if (!this.#open) return;
    const bytes = encoder.encode(text);
    this.#pending.push(bytes);
    this.#pendingBytes += bytes.byteLength;
    this.#chunkTimer ??= setTimeout(() => this.#chunkDue(), 0);
  }

  /** A chunk may be written: writes what is queued, if anything, and writes no other before the interval has passed. */
  #chunkDue(): void {
    this.#chunkTimer = null;
    if (this.#pending.length === 0 || !this.#open) return;
    this.#writePending();
    this.#chunkTimer = setTimeout(() => this.#chunkDue(), CHUNK_INTERVAL_MS);
    // Queued text counted against room and now written text does; room left (the client reads fast) wakes a waiting writer.
    if (this.room > 0) this.#woken();
  }

  #writePending(): void {
    if (this.#pending.length === 0) return;
    const chunk = new Uint8Array(this.#pendingBytes);
    let at = 0;
    for (const bytes of this.#pending) {
      chunk.set(bytes, at);
      at += bytes.byteLength;
    }
    this.#pending = [];
    this.#pendingBytes = 0;
    try {
      this.#controller.enqueue(chunk);
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
    if (this.#chunkTimer !== null) clearTimeout(this.#chunkTimer);
    this.#chunkTimer = null;
    this.#pending = [];
    this.#pendingBytes = 0;
    this.#woken();
    this.onClose();
  }
}
