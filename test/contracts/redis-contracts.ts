import { pino } from 'pino';
import { afterAll } from 'vitest';
import { createRedisEngine, type RedisEngine } from '../../server/engines/redis/index.js';
import { auctionContract } from './auctions.contract.js';
import { giveawayContract } from './giveaways.contract.js';
import { engineContract, type EngineFactoryOptions } from './engine.contract.js';
import { inventoryContract } from './inventory.contract.js';
import { mediaBusContract } from './media-bus.contract.js';
import { merchantOutboxContract } from './merchant-outbox.contract.js';
import { moderationContract } from './moderation.contract.js';
import { policyStoreContract } from './policy-store.contract.js';
import { waitingRoomContract } from './waiting-room.contract.js';

/**
 * Runs every engine contract on a Redis (or a Redis Cluster, `cluster: true`): each set of
 * nodes gets its own key prefix, and every engine made is closed after the file.
 */
export function redisContracts(
  name: string,
  target: { readonly url: string; prefix(): string },
  cluster = false,
  journal?: { readonly url: string; schema(): string },
): void {
  const made: RedisEngine[] = [];
  afterAll(async () => {
    for (const engine of made.splice(0)) await engine.close();
  });
  const nodes = async (count: number, options: Partial<EngineFactoryOptions> = {}) => {
    const keyPrefix = target.prefix();
    const schema = journal?.schema();
    const engines = Array.from({ length: count }, (_, i) =>
      createRedisEngine({
        historyLength: 100,
        ...options,
        url: target.url,
        cluster,
        keyPrefix,
        nodeId: `node${i}`,
        logger: pino({ level: 'silent' }),
        journal: journal && schema ? { url: journal.url, schema } : undefined,
      }),
    );
    made.push(...engines);
    await Promise.all(engines.map((e) => e.ready()));
    return engines;
  };

  engineContract(name, (options, count) => nodes(count, options));
  // the drops contract on two nodes' connections to one store, shared by its tests
  let shop: Promise<RedisEngine[]> | undefined;
  inventoryContract(name, async () => (await (shop ??= nodes(2))).map((e) => e.inventory));
  mediaBusContract(name, async (count) => (await nodes(count)).map((e) => e.mediaBus));
  merchantOutboxContract(name, async () => {
    const [engine] = await nodes(1);
    if (!engine) throw new Error('no engine');
    return engine.merchantOutbox;
  });
  policyStoreContract(name, async (count) => (await nodes(count)).map((e) => e.policies));
  moderationContract(name, async (count) => (await nodes(count)).map((e) => e.moderation));
  waitingRoomContract(name, async (count) => (await nodes(count)).map((e) => e.waitingRoom));
  // two nodes' connections to one store, shared by the auction tests (each auction is its own)
  let hall: Promise<RedisEngine[]> | undefined;
  auctionContract(name, async () => (await (hall ??= nodes(2))).map((e) => e.auctions));
  giveawayContract(name, async () => (await (hall ??= nodes(2))).map((e) => e.giveaways));
}
