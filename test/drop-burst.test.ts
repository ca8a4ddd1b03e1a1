import { afterEach, describe, expect, it } from 'vitest';
import { ClaimerPool } from '../load-tests/lib/claimers.js';
import type { InventoryPort } from '../rooms/index.js';
import { createRedisEngine } from '../server/engines/redis/index.js';
import { pino } from 'pino';
import { useServerProcesses } from './helpers/process.js';
import { useRedis } from './helpers/redis.js';
import { startNodes, TEST_SECRET, useServers, type RawSocket } from './helpers/server.js';
import { SNEAKER } from './helpers/products.js';

const redis = useRedis();
const start = useServers();
const startProcess = useServerProcesses();
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const task of cleanups.splice(0).reverse()) await task();
});

const CLIENTS = 10_000;
const QUANTITY = 500;
/** Four claim workers of 2,500 buyers each: one process may open at most 20,000 files here. */
const WORKERS = 4;

/**
 * 10,000 buyers on `urls` claim a 500-unit drop the instant it starts. `host` is a host socket on
 * the first node; `inventory` reads the engine's books afterwards.
 */
async function burst(urls: string[], host: RawSocket, inventory: () => InventoryPort) {
  await host.emitWithAck('stream:create', { roomId: 'launch', title: 'Launch' });
  await host.emitWithAck('room:join', { roomId: 'launch' });
  await host.emitWithAck('product:upsert', { roomId: 'launch', product: SNEAKER });
  const pool = await ClaimerPool.start(WORKERS);
  cleanups.push(() => pool.close());
  const joined = await pool.connect({
    urls,
    roomId: 'launch',
    total: CLIENTS,
    secret: TEST_SECRET,
  });
  expect(joined).toEqual({ connected: CLIENTS, failed: 0 });

  const startsAt = Date.now() + 1000;
  const created = await host.emitWithAck('drop:create', {
    roomId: 'launch',
    dropId: 'launch-drop',
    productId: SNEAKER.id,
    quantity: QUANTITY,
    startsAt,
    durationSeconds: 600,
  });
  expect(created).toMatchObject({ ok: true, stock: { state: 'scheduled' } });
  const report = await pool.burst({ roomId: 'launch', dropId: 'launch-drop', atMs: startsAt });

  expect(report.unanswered).toBe(0);
  expect(report.outcomes).toEqual({ held: QUANTITY, sold_out: CLIENTS - QUANTITY });
  const books = inventory();
  expect(await books.stock('launch-drop', Date.now())).toMatchObject({
    remaining: 0,
    held: QUANTITY,
    sold: 0,
  });
  return report;
}

/** Connecting 10,000 buyers takes a while on two cores shared with other test files. */
const BURST_TIMEOUT_MS = 180_000;

describe('a 10,000-buyer claim burst on a 500-unit drop', { timeout: BURST_TIMEOUT_MS }, () => {
  it('memory engine: exactly 500 holds, 9,500 sold out, every claim answered', async () => {
    const server = await start();
    const host = await server.socket({ sub: 'hana', role: 'host' });
    await burst([server.url], host, () => server.app.internals.engine.inventory);
  });

  it('Redis engine: exactly 500 holds, 9,500 sold out, every claim answered', async () => {
    const [server] = await startNodes(start, redis, 1);
    const host = await server!.socket({ sub: 'hana', role: 'host' });
    await burst([server!.url], host, () => server!.app.internals.engine.inventory);
  });

  it('Redis, three server processes: exactly 500 holds, 9,500 sold out, every claim answered', async () => {
    const prefix = redis.prefix();
    const servers = await Promise.all(
      [0, 1, 2].map((i) =>
        startProcess({ REDIS_URL: redis.url, REDIS_KEY_PREFIX: prefix, NODE_ID: `node${i}` }),
      ),
    );
    const [hostNode] = await startNodes(start, { url: redis.url, prefix: () => prefix }, 1);
    const host = await hostNode!.socket({ sub: 'hana', role: 'host' });
    const engine = createRedisEngine({
      url: redis.url,
      keyPrefix: prefix,
      historyLength: 100,
      logger: pino({ level: 'silent' }),
    });
    cleanups.push(() => engine.close());
    await engine.ready();
    await burst(
      servers.map((s) => s.url),
      host,
      () => engine.inventory,
    );
  });
});
