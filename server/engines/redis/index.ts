import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { MediaBusPort } from '../../../media/bus.js';
import type { Engine } from '../../../rooms/index.js';
import { RedisBroker } from './broker.js';
import { connect, whenReady } from './connection.js';
import { RedisHistory } from './history.js';
import { RedisInventory } from './inventory.js';
import { RedisMediaBus } from './media-bus.js';
import { RedisMerchantOutbox } from './merchant-outbox.js';
import { Keys } from './keys.js';
import { RedisModeration } from './moderation.js';
import { RedisPolicyStore } from './policy-store.js';
import { RedisPresence } from './presence.js';
import { RedisRateLimits } from './rate-limits.js';

export interface RedisEngineOptions {
  url: string;
  logger: Logger;
  historyLength: number;
  keyPrefix?: string;
  cluster?: boolean;
  nodeId?: string | null;
  presenceTtlMs?: number;
  now?: () => number;
}

export interface RedisEngine extends Engine {
  readonly nodeId: string;
  /** How this node's media finds the other nodes' (pipes between their routers). */
  readonly mediaBus: MediaBusPort;
  /** Resolves once both connections are up (rejects after `timeoutMs`). */
  ready(timeoutMs?: number): Promise<void>;
}

/**
 * The engine for many nodes: rooms, logs, presence, rate limits and the moderation policy in
 * Redis, fan-out over its sharded pub/sub. Two connections: commands (never queued while Redis is
 * away, so callers get a retryable error at once) and the subscriber (resubscribes by itself after
 * a reconnect).
 */
export function createRedisEngine(options: RedisEngineOptions): RedisEngine {
  const nodeId = options.nodeId ?? randomUUID().slice(0, 8);
  const now = options.now ?? Date.now;
  const prefix = options.keyPrefix ?? 'liveshop:';
  const keys = new Keys(prefix);
  const base = { url: options.url, cluster: options.cluster ?? false, logger: options.logger };
  const commands = connect({ ...base, name: `liveshop-${nodeId}-cmd`, role: 'command' });
  const subscriber = connect({ ...base, name: `liveshop-${nodeId}-sub`, role: 'subscriber' });
  const broker = new RedisBroker(nodeId, commands, subscriber, keys, options.logger);
  const presence = new RedisPresence(
    nodeId,
    commands,
    keys,
    options.presenceTtlMs ?? 5000,
    options.logger,
  );
  const mediaBus = new RedisMediaBus(nodeId, commands, subscriber, prefix, options.logger);
  const policies = new RedisPolicyStore(commands, subscriber, keys, options.logger);
  let closed: Promise<void> | undefined;
  return {
    name: 'redis',
    nodeId,
    mediaBus,
    history: new RedisHistory(commands, keys, options.historyLength, now),
    broker,
    presence,
    rateLimits: new RedisRateLimits(commands, keys, now),
    inventory: new RedisInventory(commands, keys),
    merchantOutbox: new RedisMerchantOutbox(commands, keys.merchantEvents(), keys.merchantIds()),
    moderation: new RedisModeration(commands, keys),
    policies,
    isReady: () => commands.status === 'ready' && subscriber.status === 'ready',
    ready: async (timeoutMs = 10_000) => {
      await Promise.all([whenReady(commands, timeoutMs), whenReady(subscriber, timeoutMs)]);
    },
    close() {
      closed ??= (async () => {
        broker.close();
        mediaBus.close();
        policies.close();
        await presence.close();
        subscriber.disconnect();
        await commands.quit().catch(() => commands.disconnect());
      })();
      return closed;
    },
  };
}
