import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort, spawnRedis, stopRedis } from '../../../load-tests/lib/redis-server.js';
import { drop } from '../../../test/contracts/inventory.contract.js';
import { useRedis } from '../../../test/helpers/redis.js';
import { createRedisEngine } from './index.js';

const redis = useRedis();
const stops: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const stop of stops.splice(0).reverse()) await stop();
});

/** Retries a call refused as UNAVAILABLE (retryable), as the SDK does. */
async function retried<T>(call: () => Promise<T>): Promise<T> {
  for (;;) {
    try {
      return await call();
    } catch (error) {
      if ((error as { code?: string }).code !== 'UNAVAILABLE') throw error;
    }
  }
}

describe('REDIS_WAIT_REPLICAS', () => {
  it('answers a new drop or order only once a replica has it (retryable UNAVAILABLE until then)', async () => {
    const engine = createRedisEngine({
      url: redis.url,
      keyPrefix: redis.prefix(),
      historyLength: 10,
      logger: pino({ level: 'silent' }),
      waitReplicas: 1,
      waitTimeoutMs: 50,
    });
    stops.push(() => engine.close());
    await engine.ready();
    const inv = engine.inventory;
    // no replica yet: nothing is confirmed
    await expect(inv.createDrop(drop('w1', { quantity: 2 }), 0)).rejects.toMatchObject({
      code: 'UNAVAILABLE',
    });
    // the first sync at once (Redis waits 5 s for more replicas by default)
    const admin = new Redis(redis.url);
    await admin.config('SET', 'repl-diskless-sync-delay', '0');
    admin.disconnect();
    const port = await freePort();
    const dir = mkdtempSync(join(tmpdir(), 'liveshop-replica-'));
    stops.push(() => Promise.resolve(rmSync(dir, { recursive: true, force: true })));
    const replica = await spawnRedis([
      ...['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', ''],
      ...['--appendonly', 'no'],
      ...['--replicaof', '127.0.0.1', new URL(redis.url).port],
    ]);
    stops.push(() => stopRedis(replica));
    // the retry is answered as the first try was, once the replica has caught up (a retry as the
    // SDK makes one: each WAIT may time out while the replica is slow)
    expect(await retried(() => inv.createDrop(drop('w1', { quantity: 2 }), 0))).toEqual({
      created: false,
    });
    const claim = await inv.claim('w1', 'b', 'key-b-0001', 1000);
    if (claim.outcome !== 'held') throw new Error('no hold');
    expect(
      await retried(() => inv.checkout('w1', claim.holdId, 'b', 'key-b-0002', 1000)),
    ).toMatchObject({ outcome: 'ordered' });
  });
});
