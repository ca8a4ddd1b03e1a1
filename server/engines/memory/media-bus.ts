import { CodedError } from '../../../client-sdk/src/protocol/index.js';
import type { MediaBusPort, MediaOrigin } from '../../../media/bus.js';

type Handler = (body: unknown, from: string) => Promise<unknown>;

/** What memory buses share: one per process, or one per test that runs several nodes in it. */
export class MemoryMediaHub {
  readonly origins = new Map<string, { origin: MediaOrigin; expires: number }>();
  readonly listeners = new Map<string, Set<(origin: MediaOrigin | null) => void>>();
  readonly nodes = new Map<string, Handler>();

  constructor(readonly now: () => number = Date.now) {}

  tell(roomId: string, origin: MediaOrigin | null): void {
    for (const listener of [...(this.listeners.get(roomId) ?? [])]) listener(origin);
  }
}

/** The media bus of one in-process node. */
export class MemoryMediaBus implements MediaBusPort {
  constructor(
    private readonly hub: MemoryMediaHub,
    readonly nodeId = 'local',
  ) {}

  announce(roomId: string, origin: MediaOrigin, ttlMs: number): Promise<void> {
    this.hub.origins.set(roomId, { origin, expires: this.hub.now() + ttlMs });
    this.hub.tell(roomId, origin);
    return Promise.resolve();
  }

  withdraw(roomId: string, epoch: string): Promise<void> {
    const held = this.hub.origins.get(roomId);
    if (held?.origin.epoch === epoch) {
      this.hub.origins.delete(roomId);
      this.hub.tell(roomId, null);
    }
    return Promise.resolve();
  }

  origin(roomId: string): Promise<MediaOrigin | null> {
    const held = this.hub.origins.get(roomId);
    if (held && held.expires <= this.hub.now()) this.hub.origins.delete(roomId);
    return Promise.resolve(held && held.expires > this.hub.now() ? held.origin : null);
  }

  listen(roomId: string, listener: (origin: MediaOrigin | null) => void): Promise<() => void> {
    let set = this.hub.listeners.get(roomId);
    if (!set) {
      set = new Set();
      this.hub.listeners.set(roomId, set);
    }
    set.add(listener);
    return Promise.resolve(() => {
      const current = this.hub.listeners.get(roomId);
      if (current?.delete(listener) && current.size === 0) this.hub.listeners.delete(roomId);
    });
  }

  async request(node: string, body: unknown, timeoutMs: number): Promise<unknown> {
    const handler = this.hub.nodes.get(node);
    if (!handler) {
      await new Promise((resolve) => setTimeout(resolve, timeoutMs));
      throw new CodedError(
        'MEDIA_UNAVAILABLE',
        `Node ${node} did not answer within ${timeoutMs} ms`,
      );
    }
    try {
      return await handler(structuredClone(body), this.nodeId);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new CodedError('MEDIA_UNAVAILABLE', `Node ${node} refused a media request: ${reason}`, {
        cause: error,
      });
    }
  }

  serve(handler: Handler): Promise<void> {
    this.hub.nodes.set(this.nodeId, handler);
    return Promise.resolve();
  }

  close(): void {
    this.hub.nodes.delete(this.nodeId);
  }
}
