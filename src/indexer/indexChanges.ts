import type { ChainChange } from './followChain.js';

/** Fan-out of the follower's changes to live listeners (the query API's event stream). */
export class IndexChanges {
  private readonly listeners = new Set<(change: ChainChange) => void>();

  publish = (change: ChainChange): void => {
    for (const listener of this.listeners) listener(change);
  };

  /** Returns the unsubscribe function. */
  subscribe(listener: (change: ChainChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get listenerCount(): number {
    return this.listeners.size;
  }
}
