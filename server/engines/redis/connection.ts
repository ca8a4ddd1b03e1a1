import { Cluster, Redis } from 'ioredis';
import type { Logger } from 'pino';
import { CodedError } from '../../../client-sdk/src/protocol/index.js';
import { auctionScripts } from './auction-scripts.js';
import { giveawayScripts } from './giveaway-scripts.js';
import { inventoryScripts } from './inventory-scripts.js';
import { moderationScripts } from './moderation-scripts.js';
import { waitingRoomScripts } from './waiting-room-scripts.js';
import { scripts, type ScriptName } from './scripts.js';

type ScriptArg = string | number;
type ScriptFn = (...args: ScriptArg[]) => Promise<unknown>;

/** The commands this engine defines, callable by name. */
export type Scripted = Record<
  | ScriptName
  | keyof typeof inventoryScripts
  | keyof typeof waitingRoomScripts
  | keyof typeof auctionScripts
  | keyof typeof giveawayScripts
  | keyof typeof moderationScripts,
  ScriptFn
>;

export type RedisClient = (Redis | Cluster) & Scripted;

export interface ConnectionOptions {
  url: string;
  cluster: boolean;
  name: string;
  logger: Logger;
  /** Commands: fail at once while disconnected (retryable), never queue. Subscribers: queue. */
  role: 'command' | 'subscriber';
  commandTimeoutMs?: number;
}

/**
 * One ioredis connection (or cluster client) with the engine's scripts defined and an error
 * listener, so a lost Redis is logged (once per outage) instead of crashing the process.
 */
export function connect(options: ConnectionOptions): RedisClient {
  const command = options.role === 'command';
  const common = {
    connectionName: options.name,
    enableOfflineQueue: !command,
    maxRetriesPerRequest: command ? 0 : null,
    ...(command ? { commandTimeout: options.commandTimeoutMs ?? 2000 } : {}),
    retryStrategy: (attempt: number) => Math.min(50 * 2 ** Math.min(attempt, 6), 2000),
    // ioredis 6 reads `enableAutoPipelining` per client; it batches the many small scripts we send
    enableAutoPipelining: command,
  };
  let client: Redis | Cluster;
  if (options.cluster) {
    const url = new URL(options.url);
    const { retryStrategy: _perNode, enableOfflineQueue: _queue, ...redisOptions } = common;
    client = new Cluster([{ host: url.hostname, port: Number(url.port || 6379) }], {
      redisOptions,
      enableOfflineQueue: !command,
      shardedSubscribers: !command,
      clusterRetryStrategy: (attempt: number) => Math.min(100 * attempt, 2000),
      enableAutoPipelining: command,
    });
  } else {
    client = new Redis(options.url, common);
  }
  for (const [name, script] of Object.entries({
    ...scripts,
    ...inventoryScripts,
    ...waitingRoomScripts,
    ...auctionScripts,
    ...giveawayScripts,
    ...moderationScripts,
  })) {
    client.defineCommand(name, { numberOfKeys: script.numberOfKeys, lua: script.lua });
  }
  let down = false;
  client.on('error', (err: Error) => {
    if (down) return;
    down = true;
    options.logger.warn({ err: err.message, connection: options.name }, 'redis: connection lost');
  });
  client.on('ready', () => {
    if (down) options.logger.info({ connection: options.name }, 'redis: connection restored');
    down = false;
  });
  return client as RedisClient;
}

/** Resolves once the client is ready, or rejects after `timeoutMs`. */
export function whenReady(client: Redis | Cluster, timeoutMs: number): Promise<void> {
  if (client.status === 'ready') return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      client.off('ready', ready);
      reject(new Error(`Redis not ready after ${timeoutMs} ms`));
    }, timeoutMs);
    const ready = () => {
      clearTimeout(timer);
      resolve();
    };
    client.once('ready', ready);
  });
}

const TRANSIENT_REPLY =
  /^(RESTORING|LOADING|BUSY|TRYAGAIN|CLUSTERDOWN|MASTERDOWN|READONLY|OOM|NOREPLICAS)\b/;

/**
 * Runs a Redis call; losing Redis (refused, closed, timed out) becomes a retryable UNAVAILABLE.
 * An error reply from Redis is a bug on our side and stays what it is.
 */
export async function guarded<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof CodedError) throw error;
    // error replies from a Redis that is failing over, loading or full are as good as no Redis
    if (
      error instanceof Error &&
      error.name === 'ReplyError' &&
      !TRANSIENT_REPLY.test(error.message)
    )
      throw error;
    throw new CodedError('UNAVAILABLE', 'The room store is unreachable; retry shortly', 1000);
  }
}
