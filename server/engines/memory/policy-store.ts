import type { PolicyEntry, PolicyStore } from '../../../rooms/index.js';

/** The policy of a single process: a value and the listeners told of each put, at once. */
export class MemoryPolicyStore implements PolicyStore {
  private entry: PolicyEntry | null = null;
  private readonly listeners = new Set<(entry: PolicyEntry) => void>();

  get(): Promise<PolicyEntry | null> {
    return Promise.resolve(this.entry);
  }

  put(text: string, version: string): Promise<void> {
    const entry = { text, version };
    this.entry = entry;
    for (const listener of [...this.listeners]) listener(entry);
    return Promise.resolve();
  }

  subscribe(listener: (entry: PolicyEntry) => void): Promise<() => void> {
    // a listener added twice is two subscriptions, each with its own removal
    const own = (entry: PolicyEntry) => listener(entry);
    this.listeners.add(own);
    return Promise.resolve(() => {
      this.listeners.delete(own);
    });
  }
}
