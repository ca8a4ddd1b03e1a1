import { CodedError } from '../../../client-sdk/src/protocol/index.js';
import type { Logger } from 'pino';
import { type BrokerListener, type BrokerMessage, type BrokerPort } from '../../../rooms/index.js';
import { ShardedChannels } from './channels.js';
import { guarded, type RedisClient } from './connection.js';
import type { Keys } from './keys.js';

/**
 * Fan-out between nodes over Redis sharded pub/sub: one channel per room, subscribed while this
 * node follows the room. After the subscriber connection comes back, listeners are told to catch
 * up from history, since pub/sub does not keep what was published while it was away.
 */
export class RedisBroker implements BrokerPort {
  private readonly channels: ShardedChannels<BrokerListener>;
  private connectedOnce = false;
  private readonly timers = new Set<ReturnType<typeof setTimeout>>();

  constructor(
    readonly nodeId: string,
    private readonly publisher: RedisClient,
    private readonly subscriber: RedisClient,
    private readonly keys: Keys,
    private readonly logger: Logger,
  ) {
    this.channels = new ShardedChannels(subscriber);
    subscriber.on('smessage', (channel: string, payload: string) => this.deliver(channel, payload));
    // a cluster's shard subscribers say `subscribersReady` when they (re)subscribed
    subscriber.on('subscribersReady', () => {
      if (this.connectedOnce) this.resyncAll();
    });
    subscriber.on('ready', () => {
      if (!this.connectedOnce) {
        this.connectedOnce = true;
        return;
      }
      // once at once, once more after the resubscriptions have surely landed
      this.resyncAll();
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        this.resyncAll();
      }, 1000);
      this.timers.add(timer);
    });
    if (subscriber.status === 'ready') this.connectedOnce = true;
  }

  subscribe(roomId: string, listener: BrokerListener): Promise<() => void> {
    const channel = this.keys.channel(roomId);
    // the subscriber queues commands while Redis is away; a join should not wait for that
    if (!this.channels.has(channel) && this.subscriber.status !== 'ready')
      return Promise.reject(
        new CodedError('UNAVAILABLE', 'The room store is unreachable; retry shortly', 1000),
      );
    return this.channels.add(channel, listener);
  }

  async publish(roomId: string, message: BrokerMessage): Promise<void> {
    await guarded(() =>
      this.publisher.spublish(this.keys.channel(roomId), JSON.stringify(message)),
    );
  }

  close(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    this.channels.clear();
  }

  private deliver(channel: string, payload: string): void {
    const listeners = this.channels.of(channel);
    if (!listeners) return;
    let message: BrokerMessage;
    try {
      message = JSON.parse(payload) as BrokerMessage;
    } catch (err) {
      this.logger.error({ err, channel }, 'redis broker: unreadable message');
      return;
    }
    for (const listener of [...listeners]) listener.message(message);
  }

  private resyncAll(): void {
    for (const listeners of this.channels.all())
      for (const listener of [...listeners]) listener.resync();
  }
}
