import type { BrokerListener, BrokerMessage, BrokerPort } from '../../../rooms/index.js';

/** In-process fan-out: one node, so a channel is a set of listeners called at once. */
export class MemoryBroker implements BrokerPort {
  readonly nodeId = 'local';
  private readonly channels = new Map<string, Set<BrokerListener>>();

  subscribe(roomId: string, listener: BrokerListener): Promise<() => void> {
    let listeners = this.channels.get(roomId);
    if (!listeners) {
      listeners = new Set();
      this.channels.set(roomId, listeners);
    }
    listeners.add(listener);
    return Promise.resolve(() => {
      const current = this.channels.get(roomId);
      if (current?.delete(listener) && current.size === 0) this.channels.delete(roomId);
    });
  }

  publish(roomId: string, message: BrokerMessage): Promise<void> {
    this.deliver(roomId, message);
    return Promise.resolve();
  }

  /** Delivers synchronously, so appends reach subscribers in the order they were made. */
  deliver(roomId: string, message: BrokerMessage): void {
    const listeners = this.channels.get(roomId);
    if (!listeners) return;
    for (const listener of [...listeners]) listener.message(message);
  }
}
