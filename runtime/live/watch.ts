import type { Ledger } from "../store/ledger.ts";
import { SseChannel } from "./sse.ts";
import type { IntentFrame } from "../contract/types.ts";
import { isSeen, rowOf, type ChangeListener } from "../store/changes.ts";
import { phaseOf } from "../store/work-queries.ts";
import type { WorkRow } from "../store/work-table.ts";

/** What a row's state says to a watcher: its phase and, once settled, the one terminal frame. */
export function stateFrames(row: WorkRow): IntentFrame[] {
  const phase = phaseOf(row);
  const frames: IntentFrame[] = [{ event: "phase", data: { intentEventId: row.intentId, phase } }];
  if (row.settled !== null) {
    frames.push({
      event: row.settled,
      data: {
        intentEventId: row.intentId,
        triggerKind: row.triggerKind,
        phase,
        settledAt: row.settledAt ?? 0,
        error: row.settled === "failed" ? row.lastError : null,
        cancel: row.cancel,
      },
    });
  }
  return frames;
}

/** The most events a ledger tail reads at once; its client's room bounds the bytes. */
const TAIL_PAGE_EVENTS = 256;

export const isTerminal = (frame: IntentFrame): boolean => frame.event !== "phase" && frame.event !== "progress";

interface Tail {
  readonly channel: SseChannel;
  readonly kinds: readonly string[] | undefined;
  lastId: number;
  flushing: boolean;
  dirty: boolean;
}

/**
 * Everyone watching this object: intent watchers and ledger tails. It holds
 * only open connections; nothing here is stored, and an intent nobody
 * watches costs one map lookup.
 */
export class Watchers {
  readonly #intents = new Map<number, Set<SseChannel>>();
  /** Scope-wide watchers: every intent's phase, progress and terminal frames, on one connection. */
  readonly #everyone = new Set<SseChannel>();
  readonly #tails = new Set<Tail>();
  #appendScheduled = false;

  constructor(private readonly ledger: Ledger) {}

  /** An SSE response that starts with the `current` frames and follows the intent until its terminal frame. */
  watchIntent(intentId: number, current: readonly IntentFrame[], signal?: AbortSignal): Response {
    const channel = new SseChannel(signal, () => this.#forget(intentId, channel));
    for (const frame of current) channel.send(frame);
    if (current.some(isTerminal)) {
      channel.close();
    } else {
      const set = this.#intents.get(intentId) ?? new Set();
      set.add(channel);
      this.#intents.set(intentId, set);
    }
    return channel.response;
  }

  /**
   * Every intent of the scope on one stream, which stays open: a console with
   * many unsettled intents holds one connection, not one per row (a browser
   * opens at most six per host). It sends only what changes from now on; the
   * current state is what `intents()` answers.
   */
  watchScope(signal?: AbortSignal): Response {
    const channel = new SseChannel(signal, () => this.#everyone.delete(channel));
    this.#everyone.add(channel);
    return channel.response;
  }

  isWatched(intentId: number): boolean {
    return this.#intents.has(intentId) || this.#everyone.size > 0;
  }

  /** Progress is transient: a watcher that cannot keep up skips frames rather than buffering them. */
  progress(intentId: number, payload: unknown): void {
    for (const channel of [...(this.#intents.get(intentId) ?? []), ...this.#everyone]) {
      if (channel.keepingUp) channel.send({ event: "progress", data: { intentEventId: intentId, payload } });
    }
  }

  /** A row's new state, as its watchers see it (see `rowChangesTo`). */
  changed(row: WorkRow): void {
    this.state(row.intentId, stateFrames(row));
  }

  /** A changed phase, and the terminal frame that ends every watch of the intent. */
  state(intentId: number, frames: readonly IntentFrame[]): void {
    for (const channel of this.#intents.get(intentId) ?? []) {
      for (const frame of frames) channel.send(frame);
      if (frames.some(isTerminal)) channel.close();
    }
    for (const channel of this.#everyone) for (const frame of frames) channel.send(frame);
  }

  /** A ledger tail: every event after `afterId` (matching `kinds`), then each new one, in id order. */
  tail(afterId: number, kinds: readonly string[] | undefined, signal?: AbortSignal): Response {
    const tail: Tail = {
      channel: new SseChannel(signal, () => this.#tails.delete(tail)),
      kinds,
      lastId: afterId,
      flushing: false,
      dirty: false,
    };
    this.#tails.add(tail);
    void this.#flush(tail);
    return tail.channel.response;
  }

  /**
   * Called on every append, inside whatever transaction wrote it. The tails
   * read in a microtask, after `transactionSync` has returned, and read only
   * what SQL holds then: an event rolled back is never sent.
   */
  ledgerAppended(): void {
    if (this.#tails.size === 0 || this.#appendScheduled) return;
    this.#appendScheduled = true;
    queueMicrotask(() => {
      this.#appendScheduled = false;
      for (const tail of this.#tails) void this.#flush(tail);
    });
  }

  /**
   * Sends what the tail has not sent yet, one page at a time, reading the
   * next page only when the client has room for it: a page holds at most
   * `TAIL_PAGE_EVENTS` events and about the bytes the client may still fall
   * behind by (at least one event). A tail nobody reads stops reading the
   * ledger once its high-water mark is reached, instead of loading all of it.
   * The pages read before the channel's next chunk leave as that one chunk
   * (about 1 MiB): a tail from the start of a big ledger is a few writes.
   */
  async #flush(tail: Tail): Promise<void> {
    if (tail.flushing) {
      tail.dirty = true;
      return;
    }
    tail.flushing = true;
    try {
      do {
        tail.dirty = false;
        for (let more = true; more; ) {
          await tail.channel.ready();
          if (!tail.channel.open) return;
          const page = this.ledger.page({ afterId: tail.lastId, kinds: tail.kinds, limit: TAIL_PAGE_EVENTS }, tail.channel.room);
          for (const event of page.events) tail.channel.send({ id: event.id, data: event });
          tail.lastId = page.events.at(-1)?.id ?? tail.lastId;
          more = page.more;
        }
      } while (tail.dirty);
    } finally {
      tail.flushing = false;
    }
  }

  #forget(intentId: number, channel: SseChannel): void {
    const set = this.#intents.get(intentId);
    set?.delete(channel);
    if (set?.size === 0) this.#intents.delete(intentId);
  }
}

/**
 * The watchers' ear on the store: each row a commit changed, once, in the
 * order written; asked first whether it is watched, so that an unwatched
 * intent costs no query. A watcher never sees a state that did not commit.
 */
export function rowChangesTo(
  watchers: Pick<Watchers, "isWatched" | "changed">,
  rows: { get(intentId: number): WorkRow | null },
): ChangeListener {
  return {
    committed(changes) {
      const seen = new Set<number>();
      for (const change of changes) {
        const intentId = rowOf(change);
        if (intentId === null || !isSeen(change) || seen.has(intentId)) continue;
        seen.add(intentId);
        if (!watchers.isWatched(intentId)) continue;
        const row = rows.get(intentId);
        if (row !== null) watchers.changed(row);
      }
    },
  };
}
