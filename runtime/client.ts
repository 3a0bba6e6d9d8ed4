/**
 * A small client for the runtime's server-sent events, for browsers and
 * Node alike: it needs only `fetch` and web streams. It imports no runtime
 * code, so bundling it pulls in nothing of the Durable Object side.
 */
import type { IntentFrame, IntentPhase, LedgerEvent, Settlement } from "./contract/types.ts";

/**
 * A frame of `watchIntent`, decoded: `Progress` is what the trigger's
 * `ctx.progress` sends (the generated `…Progress` type of its spec), the
 * terminal frame's `error` is an object, and `cancel` carries the request's
 * reason when the intent was asked to stop.
 */
export type WatchFrame<Progress = unknown> =
  | { readonly event: "phase"; readonly data: { readonly intentEventId: number; readonly phase: IntentPhase } }
  | { readonly event: "progress"; readonly data: { readonly intentEventId: number; readonly payload: Progress } }
  | { readonly event: Settlement; readonly data: TerminalFrame };

/** The one frame that ends a watch: how the intent settled, and why. */
export interface TerminalFrame {
  readonly intentEventId: number;
  readonly triggerKind: string;
  readonly phase: IntentPhase;
  readonly settledAt: number;
  /** The last attempt's error when the intent failed, else `null`. */
  readonly error: { readonly name: string; readonly message: string } | null;
  /** The cancel request when one was made (`reason`: the caller's, `timeout:finish`, `event:<kind>#<id>`), else `null`. */
  readonly cancel: { readonly requestedAt: number; readonly reason: string | null } | null;
}

export interface SseMessage {
  readonly event: string;
  readonly data: string;
  readonly id: string | undefined;
}

/** Parses an event stream as the HTML spec does: `event`, `data` (multi-line), `id`; comments skipped. */
export async function* readSse(body: ReadableStream<Uint8Array>): AsyncGenerator<SseMessage> {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  let event = "";
  let data: string[] = [];
  let id: string | undefined;
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += value;
      let newline: number;
      while ((newline = buffer.search(/\r\n|\r|\n/)) !== -1) {
        const line = buffer.slice(0, newline);
        buffer = buffer.slice(newline + (buffer.startsWith("\r\n", newline) ? 2 : 1));
        if (line === "") {
          if (data.length > 0) yield { event: event || "message", data: data.join("\n"), id };
          event = "";
          data = [];
          continue;
        }
        if (line.startsWith(":")) continue;
        const colon = line.indexOf(":");
        const field = colon === -1 ? line : line.slice(0, colon);
        const text = colon === -1 ? "" : line.slice(colon + (line[colon + 1] === " " ? 2 : 1));
        if (field === "event") event = text;
        else if (field === "data") data.push(text);
        else if (field === "id") id = text;
      }
    }
  } finally {
    // Cancelling the reader travels up the pipe to the response body: the server sees the client leave.
    await reader.cancel().catch(() => {});
  }
}

export interface ClientOptions {
  readonly fetch?: typeof fetch;
  readonly signal?: AbortSignal;
  readonly headers?: Record<string, string>;
}

/**
 * Follows one intent: its phase, its progress, then its terminal frame, after
 * which the iteration ends. `Progress` types the progress frames' payload:
 * `watchIntent<TimerCountdownProgress>(url)`; it is not checked at run time.
 */
export async function* watchIntent<Progress = unknown>(
  url: string | URL,
  options: ClientOptions = {},
): AsyncGenerator<WatchFrame<Progress>> {
  const response = await open(url, options, undefined);
  for await (const message of readSse(response.body!)) {
    const frame = decodeFrame({ event: message.event, data: JSON.parse(message.data) } as IntentFrame);
    yield frame as WatchFrame<Progress>;
    if (frame.event !== "phase" && frame.event !== "progress") return;
  }
}

/** The wire's terminal frame carries the error as JSON text (as the ledger stores it); the client hands out the object. */
function decodeFrame(frame: IntentFrame): WatchFrame {
  if (frame.event === "phase" || frame.event === "progress") return frame;
  const { error, cancel = null } = frame.data;
  return {
    event: frame.event,
    data: { ...frame.data, error: error === null ? null : (JSON.parse(error) as TerminalFrame["error"]), cancel },
  };
}

export interface TailOptions extends ClientOptions {
  /** Resume after this event id, as a reconnect does. */
  readonly afterId?: number;
  /** Wait before reconnecting after a dropped connection. Default 1 000 ms. */
  readonly retryMs?: number;
}

/**
 * Tails a scope's ledger forever (until `signal` aborts), reconnecting after
 * a dropped connection with `Last-Event-ID`, so nothing is missed or repeated.
 */
export async function* tailLedger(url: string | URL, options: TailOptions = {}): AsyncGenerator<LedgerEvent> {
  let lastId = options.afterId;
  for (;;) {
    try {
      const response = await open(url, options, lastId);
      for await (const message of readSse(response.body!)) {
        const event = JSON.parse(message.data) as LedgerEvent;
        lastId = event.id;
        yield event;
      }
    } catch (error) {
      if (options.signal?.aborted) return;
      if (error instanceof HttpError && error.status < 500) throw error;
    }
    if (options.signal?.aborted) return;
    await new Promise((resolve) => setTimeout(resolve, options.retryMs ?? 1_000));
  }
}

export class HttpError extends Error {
  override readonly name = "HttpError";
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

async function open(url: string | URL, options: ClientOptions, lastId: number | undefined): Promise<Response> {
  const headers: Record<string, string> = { accept: "text/event-stream", ...options.headers };
  if (lastId !== undefined) headers["last-event-id"] = String(lastId);
  const response = await (options.fetch ?? fetch)(url, { headers, ...(options.signal ? { signal: options.signal } : {}) });
  if (!response.ok || response.body === null) {
    throw new HttpError(response.status, `${response.status} from ${String(url)}: ${await response.text().catch(() => "")}`);
  }
  return response;
}
