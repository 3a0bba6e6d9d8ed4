import { CancellationError, describeError, isCancellationError, RequestError } from "../contract/errors.ts";
import { runParser, unknownKind } from "../contract/refusal.ts";
import { checkCancelReason } from "../contract/cancel-reason.ts";
import { commitOrFact } from "../lifecycle/tx.ts";
import type { Ledger } from "../store/ledger.ts";
import { STREAM_FAILED_EVENT } from "../definition/registry.ts";
import { SseChannel } from "./sse.ts";
import type { TxHost } from "../lifecycle/tx.ts";
import type {
  AnyStream,
  CancelStreamRequest,
  CancelStreamResult,
  OpenStreamRequest,
  StreamContext,
  StreamFrame,
  StreamTerminal,
  StreamWireFrame,
} from "../contract/types.ts";

/** What attached streams need: a commit transaction for the terminal, and what `ctx` hands out. */
export interface StreamHost extends TxHost {
  readonly name: string;
  readonly env: unknown;
  readonly ledger: TxHost["ledger"] & Pick<Ledger, "read">;
}

interface Running {
  readonly stream: AnyStream;
  readonly controller: AbortController;
  /** Sends a frame to the client, if it is still there, numbered with the stream's next `seq`. */
  readonly send: (frame: UnnumberedFrame) => void;
}

/** A wire frame before the stream numbers it. */
type UnnumberedFrame = StreamWireFrame extends infer F
  ? F extends { event: infer E; data: infer D }
    ? { event: E; data: Omit<D, "seq"> }
    : never
  : never;

/** How many finished streams `cancelStream` still recognizes as `already_completed`. */
const REMEMBERED_FINISHED = 1_000;

/**
 * Output-only attached streams: `run` yields frames straight to the client
 * that opened the stream, and only the terminal's facts reach the ledger,
 * through `commitTerminal`, in one transaction.
 */
export class StreamRunner {
  readonly #running = new Map<string, Running>();
  readonly #finished = new Set<string>();

  constructor(
    private readonly host: StreamHost,
    private readonly registry: ReadonlyMap<string, AnyStream>,
  ) {}

  /** Refuses an unknown kind or a bad start payload before anything runs; otherwise answers the SSE response. */
  open(request: OpenStreamRequest, signal?: AbortSignal): Response {
    const stream = typeof request.streamKind === "string" ? this.registry.get(request.streamKind) : undefined;
    if (!stream) throw unknownKind("stream", request.streamKind, this.registry.keys());
    const parsed = runParser("parseStart", () => stream.parseStart(request.start));
    if (!parsed.ok) throw new RequestError(`openStream "${stream.kind}": start refused: ${parsed.reason}`);

    const streamRef = crypto.randomUUID();
    const controller = new AbortController();
    const channel = new SseChannel(signal, () => {
      if (stream.onDetach === "abort" && this.#running.has(streamRef)) controller.abort(new CancellationError("detached"));
    });
    let seq = 0;
    const send = (frame: UnnumberedFrame) => {
      if (channel.open) channel.send({ event: frame.event, data: { ...frame.data, seq: seq++ } });
    };
    this.#running.set(streamRef, { stream, controller, send });
    void this.#run(stream, parsed.start, streamRef, controller.signal, channel, send);
    return channel.response;
  }

  cancel(request: CancelStreamRequest): CancelStreamResult {
    const { streamRef } = request;
    const reason = checkCancelReason("cancelStream", request.reason);
    const running = this.#running.get(streamRef);
    if (!running) return { status: this.#finished.has(streamRef) ? "already_completed" : "not_found", streamRef };
    if (running.stream.cancellation === "ignored") {
      // Only the caller learns the answer otherwise: the stream's own client is told too.
      running.send({ event: "cancel_ignored", data: { streamRef, reason } });
      return { status: "ignored", streamRef };
    }
    running.controller.abort(new CancellationError(reason ?? undefined));
    return { status: "requested", streamRef };
  }

  async #run(
    stream: AnyStream,
    start: unknown,
    streamRef: string,
    signal: AbortSignal,
    channel: SseChannel,
    send: (frame: UnnumberedFrame) => void,
  ): Promise<void> {
    send({ event: "opened", data: { streamRef, streamKind: stream.kind } });

    const ctx: StreamContext = {
      scope: this.host.name,
      streamRef,
      signal,
      now: this.host.clock.now(),
      env: this.host.env,
      events: (query) => this.host.ledger.read(query),
    };
    let terminal: StreamTerminal;
    try {
      terminal = await this.#consume(stream.run(start, ctx), async (frame) => {
        send({ event: frame.type, data: { streamRef, payload: frame.payload } });
        await roomOn(channel, signal);
      });
    } catch (error) {
      terminal =
        signal.aborted || isCancellationError(error)
          ? { type: "cancelled", reason: reasonOf(signal.reason ?? error) }
          : { type: "failed", error: describeError(error) };
    }
    terminal = this.#commit(stream, start, streamRef, terminal);
    this.#running.delete(streamRef);
    this.#remember(streamRef);
    const { type, ...rest } = terminal;
    send({ event: type, data: { streamRef, ...rest } } as UnnumberedFrame);
    channel.close();
  }

  /**
   * Forwards progress and output frames; answers the terminal, or a failure
   * when `run` ends without one. `run` is asked for its next frame only once
   * `forward` resolves, which is how a slow client holds the run back.
   */
  async #consume(
    frames: AsyncIterable<StreamFrame>,
    forward: (frame: Extract<StreamFrame, { payload: unknown; type: "progress" | "output" }>) => Promise<void>,
  ): Promise<StreamTerminal> {
    for await (const frame of frames) {
      switch (frame?.type) {
        case "progress":
        case "output":
          await forward(frame);
          break;
        case "completed":
        case "failed":
        case "cancelled":
          return frame; // leaving the loop returns the generator: nothing runs after the terminal
        default:
          return { type: "failed", error: { name: "TypeError", message: `run yielded an unknown frame ${JSON.stringify(frame)}` } };
      }
    }
    return { type: "failed", error: { name: "MissingTerminal", message: "run ended without a terminal frame" } };
  }

  /** Writes the terminal's facts; if `commitTerminal` is refused, the runtime's own failure fact stands instead. */
  #commit(stream: AnyStream, start: unknown, streamRef: string, terminal: StreamTerminal): StreamTerminal {
    const refused = commitOrFact(
      this.host,
      { streamRef },
      (tx) => stream.commitTerminal(start, terminal, tx),
      (refused) => ({
        kind: STREAM_FAILED_EVENT,
        payload: { streamKind: stream.kind, streamRef, terminal: terminal.type, error: describeError(refused) },
      }),
    );
    return refused === null ? terminal : { type: "failed", error: describeError(refused) };
  }

  #remember(streamRef: string): void {
    this.#finished.add(streamRef);
    if (this.#finished.size > REMEMBERED_FINISHED) this.#finished.delete(this.#finished.values().next().value!);
  }
}

/**
 * Waits until the client has room for more frames: backpressure, so that a
 * client that reads slowly (or not at all) holds the run back rather than
 * letting its frames pile up in memory. A closed channel (a detach that lets
 * the run continue) and an aborted signal never wait: the run must get on.
 */
function roomOn(channel: SseChannel, signal: AbortSignal): Promise<void> | void {
  if (channel.keepingUp || !channel.open || signal.aborted) return;
  return new Promise((resolve) => {
    const done = () => {
      signal.removeEventListener("abort", done);
      resolve();
    };
    signal.addEventListener("abort", done, { once: true });
    void channel.ready().then(done);
  });
}

function reasonOf(cause: unknown): string | null {
  return cause instanceof CancellationError ? (cause.reason ?? null) : null;
}
