import type { Logger } from 'pino';
import type { PolicyEntry, PolicyStore } from '../../../rooms/index.js';
import { guarded, type RedisClient } from './connection.js';
import type { Keys } from './keys.js';

type Listener = (entry: PolicyEntry) => void;

/**
 * The policy in one key (JSON `{ text, version }`), each put published on a sharded channel in the
 * same slot by the same script. Pub/sub keeps nothing for a subscriber that was away: after the
 * subscriber connection comes back, the key is read again and handed to the listeners.
 */
export class RedisPolicyStore implements PolicyStore {
  private readonly listeners = new Set<Listener>();
  private subscribing: Promise<unknown> | undefined;
  private readonly timers = new Set<ReturnType<typeof setTimeout>>();
  private readonly key: string;
  private readonly channel: string;
  private readonly onMessage = (channel: string, payload: string) => {
    if (channel !== this.channel) return;
    const entry = entryOf(payload);
    if (entry) this.deliver(entry);
    else this.logger.error({ channel }, 'redis policy store: unreadable message');
  };
  private readonly onReconnect = () => this.resyncSoon();
  private connectedOnce: boolean;

  constructor(
    private readonly commands: RedisClient,
    private readonly subscriber: RedisClient,
    keys: Keys,
    private readonly logger: Logger,
  ) {
    this.key = keys.policy();
    this.channel = keys.policyChannel();
    this.connectedOnce = subscriber.status === 'ready';
    subscriber.on('smessage', this.onMessage);
    subscriber.on('ready', this.onReconnect);
    // a cluster's shard subscribers say `subscribersReady` when they (re)subscribed
    subscriber.on('subscribersReady', this.onReconnect);
  }

  async get(): Promise<PolicyEntry | null> {
    const held = await guarded(() => this.commands.get(this.key));
    if (held === null) return null;
    const entry = entryOf(held);
    if (!entry) throw new Error(`redis policy store: ${this.key} holds no policy entry`);
    return entry;
  }

  async put(text: string, version: string): Promise<void> {
    const entry: PolicyEntry = { text, version };
    await guarded(() => this.commands.policyPut(this.key, this.channel, JSON.stringify(entry)));
  }

  subscribe(listener: Listener): Promise<() => void> {
    const own: Listener = (entry) => listener(entry);
    this.listeners.add(own);
    this.subscribing ??= guarded(() => this.subscriber.ssubscribe(this.channel));
    const subscribing = this.subscribing;
    const stop = () => {
      if (!this.listeners.delete(own) || this.listeners.size > 0) return;
      this.subscribing = undefined;
      this.subscriber.sunsubscribe(this.channel).catch(() => undefined);
    };
    // while Redis is away the subscription waits in the subscriber's queue: a node starting then
    // should not wait for it; once connected, the resync hands over the current policy
    if (this.subscriber.status !== 'ready') {
      subscribing.catch(() => undefined);
      return Promise.resolve(stop);
    }
    return subscribing.then(
      () => stop,
      (error: unknown) => {
        if (this.subscribing === subscribing) this.subscribing = undefined;
        this.listeners.delete(own);
        throw error;
      },
    );
  }

  close(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    this.listeners.clear();
    this.subscriber.off('smessage', this.onMessage);
    this.subscriber.off('ready', this.onReconnect);
    this.subscriber.off('subscribersReady', this.onReconnect);
  }

  private deliver(entry: PolicyEntry): void {
    for (const listener of [...this.listeners]) listener(entry);
  }

  /** Reads the key again now and once more a second later (the command connection may lag). */
  private resyncSoon(): void {
    if (!this.connectedOnce) {
      this.connectedOnce = true;
      // the first connection: listeners that subscribed before it still need the current policy
      if (this.listeners.size === 0) return;
    }
    void this.resync();
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      void this.resync();
    }, 1000);
    this.timers.add(timer);
  }

  private async resync(): Promise<void> {
    if (this.listeners.size === 0) return;
    try {
      const entry = await this.get();
      if (entry) this.deliver(entry);
    } catch (err) {
      this.logger.debug({ err }, 'redis policy store: resync failed; will retry on reconnect');
    }
  }
}

function entryOf(payload: string): PolicyEntry | null {
  try {
    const value = JSON.parse(payload) as Partial<PolicyEntry> | null;
    if (typeof value?.text === 'string' && typeof value.version === 'string')
      return { text: value.text, version: value.version };
  } catch {
    // unreadable: null below
  }
  return null;
}
