type Listener = (payload: unknown) => void;

/**
 * Transient progress frames, fanned out to whoever watches an intent. Nothing
 * here is stored: a frame with no watcher is simply dropped.
 */
export class ProgressHub {
  private readonly listeners = new Map<number, Set<Listener>>();

  publish(intentId: number, payload: unknown): void {
    for (const listener of this.listeners.get(intentId) ?? []) listener(payload);
  }

  /** Returns the function that stops listening. */
  subscribe(intentId: number, listener: Listener): () => void {
    const set = this.listeners.get(intentId) ?? new Set();
    set.add(listener);
    this.listeners.set(intentId, set);
    return () => {
      set.delete(listener);
      if (set.size === 0) this.listeners.delete(intentId);
    };
  }
}
