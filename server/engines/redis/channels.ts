import { guarded, type RedisClient } from './connection.js';

/**
 * Listeners per sharded pub/sub channel: the first listener of a channel subscribes to it, the
 * last one to leave unsubscribes. Shared by the room broker and the media bus.
 */
export class ShardedChannels<L> {
  private readonly channels = new Map<string, Set<L>>();

  constructor(private readonly subscriber: RedisClient) {}

  has(channel: string): boolean {
    return this.channels.has(channel);
  }

  /** The listeners of a channel, or undefined when nobody here listens to it. */
  of(channel: string): ReadonlySet<L> | undefined {
    return this.channels.get(channel);
  }

  all(): Iterable<ReadonlySet<L>> {
    return this.channels.values();
  }

  /** Adds a listener (subscribing first if the channel is new); resolves with its removal. */
  async add(channel: string, listener: L): Promise<() => void> {
    let listeners = this.channels.get(channel);
    if (!listeners) {
      listeners = new Set();
      this.channels.set(channel, listeners);
      await guarded(() => this.subscriber.ssubscribe(channel)).catch((error: unknown) => {
        this.channels.delete(channel);
        throw error;
      });
    }
    listeners.add(listener);
    return () => {
      const current = this.channels.get(channel);
      if (!current?.delete(listener) || current.size > 0) return;
      this.channels.delete(channel);
      this.subscriber.sunsubscribe(channel).catch(() => undefined);
    };
  }

  clear(): void {
    this.channels.clear();
  }
}
