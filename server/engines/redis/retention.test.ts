import { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { useRedis } from '../../../test/helpers/redis.js';
import { SNEAKER } from '../../../test/helpers/products.js';
import { createRedisEngine } from './index.js';
import { DROP_RETAIN_MS } from './inventory.js';

const redis = useRedis();
const closers: (() => unknown)[] = [];
afterAll(async () => {
  for (const close of closers) await close();
});

describe('Redis drop retention', () => {
  it('a settled drop leaves the open list and its keys expire after the retention', async () => {
    const keyPrefix = redis.prefix();
    const engine = createRedisEngine({
      url: redis.url,
      keyPrefix,
      historyLength: 10,
      logger: pino({ level: 'silent' }),
    });
    closers.push(() => engine.close());
    await engine.ready();
    const drop = {
      id: 'retained',
      roomId: 'show',
      product: SNEAKER,
      quantity: 1,
      perBuyerCap: 1,
      startsAt: 1000,
      endsAt: 2000,
      holdMs: 100,
      minPresenceMs: 0,
      mode: 'first_come' as const,
      nonce: 'n0nce',
      seed: null,
      seedHash: null,
    };
    await engine.inventory.createDrop(drop, 0);
    const unrelayed = await engine.inventory.unrelayed('retained', 3000, 100);
    expect(unrelayed?.settled).toBe(true);
    await engine.inventory.markRelayed('retained', unrelayed?.entries.at(-1)?.n ?? 0);
    await engine.inventory.closeRelay('retained');
    expect((await engine.inventory.openDrops()).map((d) => d.dropId)).not.toContain('retained');
    const client = new Redis(redis.url);
    closers.push(() => client.quit());
    const ttl = await client.pttl(`${keyPrefix}drop:{retained}`);
    expect(ttl).toBeGreaterThan(DROP_RETAIN_MS - 60_000);
    expect(ttl).toBeLessThanOrEqual(DROP_RETAIN_MS);
  });
});
