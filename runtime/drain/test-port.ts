import { hiddenSlot } from "../contract/hidden-slot.ts";
import { CancellationError } from "../contract/errors.ts";
import type { RegisteredTrigger } from "../definition/registry.ts";
import type { AcquireContext } from "../contract/types.ts";

/**
 * The test kit's port into an object (`durable-triggers/testing/kit`).
 *
 * Closed in production: every object has one, idle and empty, and nothing on
 * its RPC surface reaches it. A test reaches it only from inside the object,
 * through `runInDurableObject` (`portOf(instance)`), and the first time it
 * does, the port arms: from then on the drain runs each acquire through it
 * (`acquire`), so that a stand-in can answer for the handler, a cancel can
 * land at a chosen `await`, and the kit can see which settlement callbacks
 * ran (`wrap`). An unarmed port costs the drain one property read.
 */

/** What a stand-in answers for a trigger's acquire: a result, an error to throw, or a function of the intent. */
export type StandIn = { readonly result: unknown } | { readonly error: unknown } | ((intent: unknown, ctx: AcquireContext) => unknown);

/** The settlement callbacks a trigger has. */
export type SettlementCallback = "commit" | "commitCancelled" | "commitFailed";

/** What the port saw of one intent's attempts: every read of its signal, and every settlement callback called. */
export interface Observed {
  /** Reads of `ctx.signal` (`aborted`, `throwIfAborted()`, an "abort" listener added) over all its attempts: the await points the kit counts. */
  signalReads: number;
  /** The read at which the acquire first saw its signal aborted, if it did. */
  sawAbortAt: number | null;
  /** The read at which the kit cancels it, if it was asked to (`cancelAt`). */
  cancelAt: number | null;
  /** Settlement callbacks called, in order, and whether each returned (true) or threw (false). */
  readonly callbacks: { readonly callback: SettlementCallback; readonly returned: boolean }[];
}

export class TestPort {
  /** Set once a test reached the port: only then does the drain go through it. */
  armed = false;
  readonly standIns = new Map<string, StandIn>();
  /** Per trigger kind: the next intent to start is cancelled at this read of its signal (1-based, counted over its attempts). */
  readonly cancelAt = new Map<string, number>();
  readonly observed = new Map<number, Observed>();

  observe(intentId: number): Observed {
    let seen = this.observed.get(intentId);
    if (seen === undefined) this.observed.set(intentId, (seen = { signalReads: 0, sawAbortAt: null, cancelAt: null, callbacks: [] }));
    return seen;
  }

  /** The trigger as the drain should call it: its settlement callbacks recorded, when armed. */
  wrap(registered: RegisteredTrigger): RegisteredTrigger {
    if (!this.armed) return registered;
    const { trigger } = registered;
    const port = this;
    const recorded = (callback: SettlementCallback, original: ((...args: never[]) => unknown) | undefined) =>
      original &&
      function (this: unknown, ...args: unknown[]): unknown {
        const tx = args[args.length - 1] as { intentEventId: number };
        const calls = port.observe(tx.intentEventId).callbacks;
        try {
          const returned = original.apply(this, args as never[]);
          calls.push({ callback, returned: true });
          return returned;
        } catch (error) {
          calls.push({ callback, returned: false });
          throw error;
        }
      };
    const wrapped = Object.create(trigger) as typeof trigger;
    Object.assign(wrapped, {
      commit: recorded("commit", trigger.commit),
      commitCancelled: recorded("commitCancelled", trigger.commitCancelled),
      ...(trigger.commitFailed ? { commitFailed: recorded("commitFailed", trigger.commitFailed) } : {}),
    });
    return { ...registered, trigger: wrapped };
  }

  /** Runs an attempt's acquire: the handler's, or its stand-in's, with its signal counted when armed. */
  acquire(registered: RegisteredTrigger, intent: unknown, ctx: AcquireContext, controller: AbortController): unknown {
    if (!this.armed) return registered.trigger.acquire(intent, ctx);
    const seen = this.observe(ctx.intentEventId);
    const cancelAt = this.cancelAt.get(registered.kind);
    if (cancelAt !== undefined && ctx.attempt === 1) {
      this.cancelAt.delete(registered.kind);
      seen.cancelAt = cancelAt;
    }
    const counted = { ...ctx, signal: countedSignal(ctx.signal, controller, seen) };
    const standIn = this.standIns.get(registered.kind);
    if (standIn === undefined) return registered.trigger.acquire(intent, counted);
    if (typeof standIn === "function") return standIn(intent, counted);
    if ("error" in standIn) throw standIn.error;
    return standIn.result;
  }
}

/**
 * `signal`, with every read counted (an acquire reads its signal, or starts
 * listening to it, at each point where it may stop: around an `await`). At read `cancelAt` the attempt
 * is cancelled right there, so that read already sees it aborted.
 */
function countedSignal(signal: AbortSignal, controller: AbortController, seen: Observed): AbortSignal {
  const read = () => {
    seen.signalReads++;
    if (seen.signalReads === seen.cancelAt && !signal.aborted)
      controller.abort(new CancellationError(`test kit: cancelled at await ${seen.cancelAt}`));
    if (signal.aborted && seen.sawAbortAt === null) seen.sawAbortAt = seen.signalReads;
  };
  return new Proxy(signal, {
    get(target, property) {
      // Not `reason`: `if (signal.aborted) throw signal.reason` is one check, not two.
      if (property === "aborted") read();
      if (property === "throwIfAborted") {
        return () => {
          read();
          target.throwIfAborted();
        };
      }
      // Listening for the abort is where an acquire waits to be told: a point to cancel at, once it listens.
      if (property === "addEventListener") {
        return (...args: Parameters<AbortSignal["addEventListener"]>) => {
          target.addEventListener(...args);
          if (args[0] === "abort") read();
        };
      }
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

const portSlot = hiddenSlot<TestPort>("test port");

export const keepPort: (object: object, port: TestPort) => void = portSlot.keep;

/** The port of an instance of a class built by `defineAgentDO`, armed (inside `runInDurableObject`). */
export function portOf(object: object): TestPort {
  const port = portSlot.of(object);
  port.armed = true;
  return port;
}
