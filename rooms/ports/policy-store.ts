/** A moderation policy as the cluster holds it: its JSON text, and the version it loads as. */
export interface PolicyEntry {
  readonly text: string;
  readonly version: string;
}

/**
 * The cluster's current moderation policy, shared by every node. The store keeps text only: each
 * node checks what it reads with `loadPolicy` before using it (the writer checked it too).
 */
export interface PolicyStore {
  /** The policy last put, or null when none ever was. */
  get(): Promise<PolicyEntry | null>;
  /** Replaces the current policy and tells every subscriber, on every node (this one included). */
  put(text: string, version: string): Promise<void>;
  /**
   * Calls `listener` with each policy put from now on, on any node, in the order of the puts: the
   * last entry a listener got is what {@link get} answers. After a lost connection to a shared
   * store comes back, the current entry is delivered again (a change made meanwhile is not
   * missed), so a listener may hear an entry it already has. Resolves with the unsubscription.
   */
  subscribe(listener: (entry: PolicyEntry) => void): Promise<() => void>;
}
