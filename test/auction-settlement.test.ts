import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { settleAuction, settlementDropId, type Engine } from '../rooms/index.js';
import { createMemoryEngine } from '../server/engines/memory/index.js';
import { createRedisEngine } from '../server/engines/redis/index.js';
import { sampleAuction } from './helpers/auctions.js';
import { useRedis } from './helpers/redis.js';

const redis = useRedis();
const open: Engine[] = [];
afterEach(async () => {
  for (const engine of open.splice(0)) await engine.close();
});

/** Two nodes' engines on one store. */
const ENGINES = [
  {
    name: 'memory',
    nodes: (): Promise<Engine[]> => {
      const engine = createMemoryEngine({ historyLength: 100 });
      open.push(engine);
      return Promise.resolve([engine, engine]);
    },
  },
  {
    name: 'redis, two nodes',
    nodes: async (): Promise<Engine[]> => {
      const keyPrefix = redis.prefix();
      const engines = ['a', 'b'].map((nodeId) =>
        createRedisEngine({
          url: redis.url,
          keyPrefix,
          nodeId,
          historyLength: 100,
          logger: pino({ level: 'silent' }),
        }),
      );
      open.push(...engines);
      await Promise.all(engines.map((e) => e.ready()));
      return engines;
    },
  },
] as const;

const AUCTION = sampleAuction({
  id: 'card-7',
  durationMs: 15_000,
  payMs: 600_000,
  product: {
    id: 'card',
    title: 'Rookie card',
    price: { amountMinor: 1_000, currency: 'USD' },
    imageUrl: null,
    sku: 'RC-7',
  },
  nonce: 'n7',
});
const PAY_MS = 120_000;

describe.each(ENGINES)('an auction settled ($name)', ({ nodes }) => {
  it('gives its winner, once whichever node settles, a hold at the winning price that checks out; nobody else can take the unit', async () => {
    const [a, b] = (await nodes()) as [Engine, Engine];
    await a.auctions.createAuction(AUCTION, 0);
    await a.auctions.startAuction(AUCTION.id, 0);
    await a.auctions.bid(AUCTION.id, 'ann', 4_000, 'k', 1_000);
    await b.auctions.bid(AUCTION.id, 'bob', 2_500, 'k', 2_000);
    expect(await settleAuction(a, AUCTION.id, 14_999, PAY_MS)).toEqual({ outcome: 'not_ended' });
    const first = await settleAuction(a, AUCTION.id, 15_000, PAY_MS);
    // a node whose clock lags settles it the same
    const again = await settleAuction(b, AUCTION.id, 14_000, PAY_MS);
    expect(first).toMatchObject({ outcome: 'sold', winnerId: 'ann', priceMinor: 2_600 });
    expect(again).toEqual(first);
    if (first.outcome !== 'sold' || first.hold.outcome !== 'held') throw new Error('not held');
    const dropId = settlementDropId(AUCTION.id);
    expect(await b.inventory.claim(dropId, 'bob', 'try', 16_000)).toEqual({ outcome: 'sold_out' });
    expect(
      await b.inventory.checkout(dropId, first.hold.holdId, 'ann', 'pay', 20_000),
    ).toMatchObject({
      outcome: 'ordered',
    });
    expect(await a.inventory.orders(dropId)).toMatchObject([{ buyerId: 'ann' }]);
    // the order is of the drop's own copy of the product, at the winning price
    const drop = (await b.inventory.dropsOf('show')).find((d) => d.id === dropId);
    expect(drop?.product).toMatchObject({
      id: 'card',
      price: { amountMinor: 2_600, currency: 'USD' },
    });
    // after the time to pay, the drop has ended: the unit cannot be claimed by anyone
    expect(await a.inventory.claim(dropId, 'bob', 'late', 15_000 + PAY_MS)).toMatchObject({
      outcome: 'not_live',
    });
  });

  it('an auction without bids ends unsold and makes no drop', async () => {
    const [a] = (await nodes()) as [Engine, Engine];
    const unsold = { ...AUCTION, id: 'card-8' };
    await a.auctions.createAuction(unsold, 0);
    await a.auctions.startAuction(unsold.id, 0);
    expect(await settleAuction(a, unsold.id, 20_000, PAY_MS)).toEqual({ outcome: 'unsold' });
    expect(await a.inventory.stock(settlementDropId(unsold.id), 20_000)).toBeUndefined();
  });
});
