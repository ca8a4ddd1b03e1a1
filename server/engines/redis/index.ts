import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { MediaBusPort } from '../../../media/bus.js';
import type { Engine } from '../../../rooms/index.js';
import { RedisAuctions } from './auctions.js';
import { RedisGiveaways } from './giveaways.js';
import { RedisBroker } from './broker.js';
import { connect, whenReady } from './connection.js';
import { RedisHistory } from './history.js';
import { RedisInventory } from './inventory.js';
import { RedisMediaBus } from './media-bus.js';
import { RedisMerchantOutbox } from './merchant-outbox.js';
import { Keys } from './keys.js';
import { RedisModeration } from './moderation.js';
import { RedisWaitingRoom } from './waiting-room.js';
import { RedisPolicyStore } from './policy-store.js';
import { RedisPresence } from './presence.js';
import { RedisRateLimits } from './rate-limits.js';
import { OrderJournal } from './order-journal.js';
import { DropRecovery, type DataLossReport } from './recovery.js';

export interface RedisEngineOptions {
  url: string;
  logger: Logger;
  historyLength: number;
  keyPrefix?: string;
  cluster?: boolean;
  nodeId?: string | null;
  presenceTtlMs?: number;
  now?: () => number;
  /**
   * The order journal (PostgreSQL): drops and orders are committed there before anyone hears of
   * them, and a Redis that lost data is restored from it. Without it, orders are as durable as
   * Redis's own persistence.
   */
  journal?: { url: string; schema?: string; auditMs?: number } | undefined;
  /** Replicas a new drop or order must reach (Redis WAIT) before anyone hears of it. */
  waitReplicas?: number;
  waitTimeoutMs?: number;
  /** A data loss was found and repaired (for the metric). */
  onDataLoss?: (report: DataLossReport) => void;
}

export interface RedisEngine extends Engine {
  readonly nodeId: string;
  /** How this node's media finds the other nodes' (pipes between their routers). */
  readonly mediaBus: MediaBusPort;
  /** Resolves once both connections are up (rejects after `timeoutMs`). */
  ready(timeoutMs?: number): Promise<void>;
  /** With an order journal: what keeps Redis honest against it. */
  readonly recovery: DropRecovery | undefined;
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
  let recovery: DropRecovery | undefined;
  const merchantOutbox = new RedisMerchantOutbox(
    commands,
    keys.merchantEvents(),
    keys.merchantIds(),
    keys.sentinel(),
    (id) => recovery?.delivered(id),
  );
  if (options.journal) {
    const journal = new OrderJournal({
      url: options.journal.url,
      logger: options.logger,
      ...(options.journal.schema ? { schema: options.journal.schema } : {}),
    });
    recovery = new DropRecovery(commands, keys, journal, merchantOutbox, options.logger, now, {
      auditMs: options.journal.auditMs ?? 1000,
      cluster: options.cluster ?? false,
      dataLoss: (report) => options.onDataLoss?.(report),
    });
    recovery.start();
  }
  let closed: Promise<void> | undefined;
  return {
    name: 'redis',
    nodeId,
    mediaBus,
    history: new RedisHistory(commands, keys, options.historyLength, now),
    broker,
    presence,
    rateLimits: new RedisRateLimits(commands, keys, now),
    recovery,
    inventory: new RedisInventory(commands, keys, recovery, {
      count: options.waitReplicas ?? 0,
      timeoutMs: options.waitTimeoutMs ?? 1000,
    }),
    merchantOutbox,
    moderation: new RedisModeration(commands, keys),
    waitingRoom: new RedisWaitingRoom(commands, keys),
    auctions: new RedisAuctions(commands, keys),
    giveaways: new RedisGiveaways(commands, keys),
    policies,
    isReady: () => commands.status === 'ready' && subscriber.status === 'ready',
    notReadyReason: () => recovery?.notReadyReason() ?? null,
    ready: async (timeoutMs = 10_000) => {
      await Promise.all([whenReady(commands, timeoutMs), whenReady(subscriber, timeoutMs)]);
    },
    close() {
      closed ??= (async () => {
        broker.close();
        mediaBus.close();
        policies.close();
        await recovery?.stop();
        await presence.close();
        subscriber.disconnect();
        await commands.quit().catch(() => commands.disconnect());
      })();
      return closed;
    },
  };
}
