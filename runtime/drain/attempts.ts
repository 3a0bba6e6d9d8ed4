import { CancellationError, describeError } from "../contract/errors.ts";
import type { AcquireContext } from "../contract/types.ts";
import type { RegisteredTrigger } from "../definition/registry.ts";
import { storedIntent } from "../lifecycle/intents.ts";
import { settleLostClaim, settleOutcome, settleRejected, type AcquireResult, type SettleHost } from "../lifecycle/settle.ts";
import { isThenable } from "../lifecycle/tx.ts";
import type { Ledger } from "../store/ledger.ts";
import { MAX_CLAIMS_PER_STATEMENT, type Attempt, type Claim, type DueRow, type WorkRow } from "../store/work-table.ts";
import type { DrainMemory } from "./memory.ts";
import type { TestPort } from "./test-port.ts";
import type { Waker } from "./waker.ts";

/** What the drain needs: the work it claims and settles, and what an acquire's `ctx` hands out. */
export interface DrainHost extends SettleHost {
  readonly name: string;
  readonly env: unknown;
  readonly ledger: SettleHost["ledger"] & Pick<Ledger, "read">;
  /** Who hears an acquire's progress (its watchers). */
  readonly watchers: { progress(intentId: number, payload: unknown): void };
  readonly store: SettleHost["store"] & {
    readonly work: { unsettledKinds(): string[] };
    claim(rows: readonly WorkRow[], now: number, deadlineMs: number, finishMs: number | null): Claim[];
  };
  readonly memory: DrainMemory;
  readonly waker: Waker;
}

/** An attempt whose acquire went on: claimed before the step that started it ends. */
interface Started {
  readonly row: DueRow;
  readonly intent: unknown;
  readonly returned: PromiseLike<unknown>;
  readonly controller: AbortController;
}

/** An attempt whose acquire answered, waiting for the turn in which it is settled. */
interface Ended {
  readonly registered: RegisteredTrigger;
  readonly claim: Claim;
  readonly intent: unknown;
  readonly result: AcquireResult;
  readonly signal: AbortSignal;
}

interface Running {
  readonly token: string;
  readonly kind: string;
  readonly deadline: number;
  readonly controller: AbortController;
}

/**
 * The drain's running attempts: it starts due rows (their acquires), claims
 * those that go on, and settles each as it ends. It holds the slots a kind
 * has busy; the drain (`Pump`) decides when to look and what at.
 */
export class Attempts {
  readonly #running = new Map<number, Running>();
  /**
   * Acquires that answered and are not settled yet. One that answers in a
   * later turn than the one that claimed it (a timer, I/O) while others run
   * waits for a turn of its own, so that acquires ending in the same moment
   * (timers set together fire in turns one after the other) are settled
   * together: one commit, and one look and one claim for the slots they free.
   * A lone acquire, or one that answered in the turn that claimed it (its
   * promise needed no I/O), is settled at once: the others of that turn end
   * in it too, and a turn of their own would only add one.
   */
  readonly #ended: Ended[] = [];

  constructor(
    private readonly host: DrainHost,
    /** A kind that may have more to start: a slot freed, or a row was written since it was read. */
    private readonly lookAgain: (kind: string) => void,
    /** The test kit's port: runs each acquire, or a test's stand-in for it. */
    private readonly port: TestPort,
  ) {}

  /** How many acquires run. */
  get running(): number {
    return this.#running.size;
  }

  /** Aborts the running acquire of an intent, if this object runs it. */
  abort(intentId: number, reason: string | null): void {
    this.#running.get(intentId)?.controller.abort(new CancellationError(reason ?? undefined));
  }

  /** Lets go of a running acquire whose intent settled without it (a timeout): its slot is free, its late result dropped. */
  abandon(intentId: number): void {
    const running = this.#running.get(intentId);
    if (running === undefined) return;
    this.#running.delete(intentId);
    this.lookAgain(running.kind);
  }

  /**
   * Starts `rows` while slots are free; answers the slots still free. Each
   * acquire runs before its row is claimed: one that answers at once (a
   * value, or a synchronous throw) is settled there and then, and no claim is
   * ever written for it, since nothing could see the row between a claim and
   * that settlement, and both would commit together. The acquires that go on
   * (a promise) are claimed together, in one statement, before this step
   * ends, so that no other code runs before their claims exist. A row written
   * since it was read (a commit of this batch cancelled it, say) is not
   * started from this read: the next look reads it again.
   */
  startRows(registered: RegisteredTrigger, rows: readonly DueRow[], free: number, now: number): number {
    const { host } = this;
    const started: Started[] = [];
    host.memory.trackingWrites((written) => {
      for (const row of rows) {
        if (free <= 0) break;
        if (written.has(row.intentId)) {
          this.lookAgain(registered.kind);
          continue;
        }
        const parsed = storedIntent(registered, row, row.intentPayload);
        if (!parsed.ok) settleRejected(host, row, parsed.reason);
        // The last allowed attempt lost its claim: settle rather than redrive forever.
        else if (row.claim !== null && row.attempts >= registered.retry.maxAttempts) settleLostClaim(host, registered, row, parsed.intent);
        else {
          const goesOn = this.attempt(registered, row, parsed.intent, now);
          if (goesOn === null) continue;
          started.push(goesOn);
          free--;
          if (started.length === MAX_CLAIMS_PER_STATEMENT) this.claimStarted(registered, started.splice(0), now);
        }
      }
    });
    this.claimStarted(registered, started, now);
    return free;
  }

  /** Claims the rows whose acquires went on, and waits for each to end. */
  private claimStarted(registered: RegisteredTrigger, started: readonly Started[], now: number): void {
    if (started.length === 0) return;
    const rows = started.map(({ row }) => row);
    const claims = new Map(
      this.host.store.claim(rows, now, registered.acquireDeadlineMs, registered.timeouts.finishMs).map((claim) => [claim.intentId, claim]),
    );
    // Over once a timer set now fires: an acquire answering before that answered in this turn.
    const turn = { over: false };
    setTimeout(() => (turn.over = true), 0);
    for (const { row, intent, returned, controller } of started) {
      const claim = claims.get(row.intentId);
      if (claim === undefined) {
        // Only a write outside the runtime's own can have taken the row meanwhile: stop, and drop the result.
        controller.abort(new CancellationError("the row was taken before its claim was written"));
        Promise.resolve(returned).catch(() => {});
        continue;
      }
      this.#running.set(claim.intentId, { token: claim.token, kind: claim.triggerKind, deadline: claim.deadline, controller });
      void this.finish(registered, claim, intent, returned, controller.signal, turn);
    }
  }

  /** Claims that still hold; an expired one frees its slot for the redrive. */
  busy(kind: string, now: number): number {
    let count = 0;
    for (const running of this.#running.values()) if (running.kind === kind && running.deadline > now) count++;
    return count;
  }

  /**
   * Runs one attempt at a row. An acquire that answers at once is settled at
   * once, and answers null; one that returns a promise is answered, to be
   * claimed before the step ends.
   */
  private attempt(registered: RegisteredTrigger, row: DueRow, intent: unknown, now: number): Started | null {
    const { host } = this;
    const attempt: Attempt = {
      intentId: row.intentId,
      triggerKind: row.triggerKind,
      mode: row.claim === null ? "normal" : "redrive",
      attempt: row.attempts + 1,
      startedAt: now,
      cancel: row.cancel,
      token: null,
    };
    const controller = new AbortController();
    if (attempt.cancel !== null && registered.trigger.cancellation === "cooperative") {
      controller.abort(new CancellationError(attempt.cancel.reason ?? undefined));
    }
    const ctx: AcquireContext = {
      scope: host.name,
      intentEventId: attempt.intentId,
      attempt: attempt.attempt,
      acquireMode: attempt.mode,
      signal: controller.signal,
      now,
      env: host.env,
      // Methods, not arrows in properties: a bundler keeping names (wrangler does) renames every arrow it creates.
      events(query) {
        return host.ledger.read(query);
      },
      progress(payload) {
        host.watchers.progress(attempt.intentId, payload);
      },
    };
    let returned: unknown;
    try {
      returned = this.port.acquire(registered, intent, ctx, controller);
    } catch (error) {
      this.settle(registered, attempt, intent, { ok: false, error }, controller.signal);
      return null;
    }
    if (!isThenable(returned)) {
      this.settle(registered, attempt, intent, { ok: true, outcome: returned }, controller.signal);
      return null;
    }
    return { row, intent, returned, controller };
  }

  /** Waits for a running acquire, then has it settled (see `ended`) if its claim still owns the row (a lost claim's late result is dropped). */
  private async finish(
    registered: RegisteredTrigger,
    claim: Claim,
    intent: unknown,
    returned: PromiseLike<unknown>,
    signal: AbortSignal,
    claimTurn: { readonly over: boolean },
  ): Promise<void> {
    let result: AcquireResult;
    try {
      result = { ok: true, outcome: await returned };
    } catch (error) {
      result = { ok: false, error };
    }
    if (this.#ended.push({ registered, claim, intent, result, signal }) > 1) return; // its turn is already set
    if (!claimTurn.over || this.#running.size === 1) this.settleEnded();
    else setTimeout(() => this.settleEnded(), 0);
  }

  private settleEnded(): void {
    for (const { registered, claim, intent, result, signal } of this.#ended.splice(0)) {
      if (this.#running.get(claim.intentId)?.token === claim.token) this.#running.delete(claim.intentId);
      this.lookAgain(claim.triggerKind);
      this.settle(registered, claim, intent, result, signal);
    }
    this.host.waker.wake();
  }

  /**
   * Settles an attempt. One without a claim ended in the step that read its
   * row, so the row's cancel request is as read; a claimed one first checks
   * that its claim still owns the row (`DrainMemory.owned`), to drop a lost
   * claim's late result and see a request made since.
   */
  private settle(registered: RegisteredTrigger, attempt: Attempt, intent: unknown, result: AcquireResult, signal: AbortSignal): void {
    try {
      let { cancel } = attempt;
      if (isClaim(attempt)) {
        const row = this.host.memory.owned(attempt);
        if (row === null) return; // a lost claim: its late result is dropped
        cancel = row.cancel;
      }
      settleOutcome(this.host, registered, attempt, intent, result, signal, cancel);
    } catch (error) {
      // Only storage itself fails here; a claim stays and its deadline brings a redrive, and a row never claimed is due still.
      this.host.memory.distrust();
      console.error(`durable trigger "${attempt.triggerKind}" intent ${attempt.intentId}: settling failed`, describeError(error));
    }
  }
}

function isClaim(attempt: Attempt): attempt is Claim {
  return attempt.token !== null;
}
