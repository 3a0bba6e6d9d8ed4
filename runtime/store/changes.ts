import type { DueRow } from "./work-table.ts";

/**
 * What one write to the store did, as the store records it. Every write
 * method of `Store` records exactly one change (a test holds it to that), and
 * the store publishes them: each as it is written, and a transaction's all
 * together once it commits (see `ChangeListener`). Whoever keeps something
 * that a write can make stale (the drain's memory, the waker, the watchers)
 * learns of the write here, never from the method that made it.
 */
export type Change =
  /**
   * A new intent's work row; `due` is the row as a look at due work would read it, and `fresh` says
   * it is due at once with no deadline, so that the drain may be handed it from memory.
   */
  | {
      readonly kind: "added";
      readonly row: number;
      readonly triggerKind: string;
      readonly fireAt: number;
      readonly deadlines: readonly (number | null)[];
      readonly due: DueRow;
      readonly fresh: boolean;
    }
  /** A failed attempt gave its row back: it fires again at `fireAt`. */
  | {
      readonly kind: "released";
      readonly row: number;
      readonly triggerKind: string;
      readonly fireAt: number;
      readonly deadlines: readonly (number | null)[];
    }
  /** Unclaimed work brought forward to `fireAt` (a cancel request for it). */
  | { readonly kind: "broughtForward"; readonly row: number; readonly triggerKind: string; readonly fireAt: number }
  /** A claim this instance made; once its deadlines pass, the row is due again or timed out. */
  | { readonly kind: "claimed"; readonly row: number; readonly token: string; readonly deadlines: readonly (number | null)[] }
  | { readonly kind: "cancelRequested"; readonly row: number }
  | { readonly kind: "settled"; readonly row: number }
  /** A timeout answered: the row's deadlines are gone, its phase unchanged. */
  | { readonly kind: "deadlinesCleared"; readonly row: number }
  /** A schedule written or fired; `fireAt` is its next fire time, null when it fires no more. */
  | { readonly kind: "scheduled"; readonly fireAt: number | null }
  | { readonly kind: "unscheduled" }
  /** Every claim ended at once: the instance that made them is gone. */
  | { readonly kind: "claimsExpired" };

/** One who keeps what the store's writes change. */
export interface ChangeListener {
  /** Each change as it is written, whether or not its transaction commits: for what must forget at once. */
  written?(change: Change): void;
  /** A transaction's changes, in the order written, once it commits (at once for a write outside one). */
  committed?(changes: readonly Change[]): void;
}

/** The row a change wrote, if one. */
export function rowOf(change: Change): number | null {
  return "row" in change ? change.row : null;
}

/** When a change makes work or a schedule due: the time a drain is needed at, or null. */
export function fireTimeOf(change: Change): number | null {
  return "fireAt" in change ? change.fireAt : null;
}

/** The kind a change gave work to look at, if any. */
export function dueKindOf(change: Change): string | null {
  return "triggerKind" in change ? change.triggerKind : null;
}

/** Whether a change moved its row to a state its watchers hear of (a phase, a settlement). */
export function isSeen(change: Change): boolean {
  return rowOf(change) !== null && change.kind !== "deadlinesCleared";
}

/** The earlier of two times, either of which may be none (null). */
export function earlier(a: number | null, b: number | null): number | null {
  return a === null ? b : b === null ? a : Math.min(a, b);
}
