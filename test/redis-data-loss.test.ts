import { type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import type { Room } from '../client-sdk/src/index.js';
import { spawnRedis, stopRedis } from '../load-tests/lib/redis-server.js';
import { signToken, type Claims } from '../server/auth.js';
import { appClient } from './helpers/clients.js';
import { eventually, eventuallyAsync } from './helpers/events.js';
import { MERCHANT_SECRET, startMerchant } from './helpers/merchant.js';
import { restartablePort, startTcpProxy } from './helpers/network.js';
import { usePostgres } from './helpers/postgres.js';
import { useServerProcesses, type ServerProcess } from './helpers/process.js';
import { SNEAKER } from './helpers/products.js';
import { TEST_SECRET } from './helpers/server.js';

const postgres = usePostgres();
const start = useServerProcesses();
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const task of cleanups.splice(0).reverse()) await task();
});

const QUANTITY = 60;
const BUYERS = 120;
/** Buyers who shop before the loss (orders), and who only claim before it (holds). */
const BEFORE = 36;
const HOLDERS = 12;
const DROP = 'loss-drop';

const token = (claims: Claims) => signToken(claims, TEST_SECRET, { ttlSeconds: 600 });

const connect = (url: string, claims: Claims) =>
  appClient(url, claims, (task) => cleanups.push(task));

/** A redis-server without any persistence (a restart comes back empty), on a port of its own. */
async function redisServer(port: number, dir: string, ...extra: string[]): Promise<ChildProcess> {
  const child = await spawnRedis([
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--dir',
    dir,
    '--save',
    '',
    '--appendonly',
    'no',
    // a replica's first sync starts at once (Redis waits 5 s by default for more replicas)
    '--repl-diskless-sync-delay',
    '0',
    ...extra,
  ]);
  cleanups.push(() => stopRedis(child));
  return child;
}

async function replicated(port: number): Promise<void> {
  const admin = new Redis(port, '127.0.0.1');
  try {
    await eventuallyAsync(async () =>
      (await admin.info('replication')).includes('master_link_status:up'),
    );
  } finally {
    admin.disconnect();
  }
}

/** Waits until the replica has everything the master wrote so far. */
async function caughtUp(masterPort: number, replicaPort: number): Promise<void> {
  const master = new Redis(masterPort, '127.0.0.1');
  const replica = new Redis(replicaPort, '127.0.0.1');
  const offset = (info: string, field: string) =>
    Number(new RegExp(`^${field}:(\\d+)`, 'm').exec(info)?.[1] ?? -1);
  try {
    const target = offset(await master.info('replication'), 'master_repl_offset');
    await eventuallyAsync(
      async () => offset(await replica.info('replication'), 'slave_repl_offset') >= target,
    );
  } finally {
    master.disconnect();
    replica.disconnect();
  }
}

type Loss = 'restart' | 'flushall' | 'failover';

/** What the buyers saw. */
interface Books {
  confirmed: Map<string, string>;
  lost: number;
  failures: string[];
}

/** Claims and checks out until ordered or sold out; a hold the loss took is claimed again. */
async function shop(room: Room, buyer: string, books: Books, keep?: string[]): Promise<void> {
  try {
    for (;;) {
      const claim = await room.drops.claim(DROP);
      if (claim.outcome !== 'held') return;
      if (keep) {
        keep.push(claim.holdId);
        return;
      }
      const order = await room.drops.checkout(DROP, claim.holdId);
      if (order.outcome === 'ordered') {
        books.confirmed.set(order.orderId, buyer);
        return;
      }
      if (order.outcome !== 'hold_lost') return;
      books.lost += 1;
    }
  } catch (error) {
    books.failures.push(`${buyer}: ${String(error)}`);
  }
}

async function metric(node: ServerProcess, name: string): Promise<number> {
  const text = await (await fetch(`${node.url}/metrics`)).text();
  let total = 0;
  for (const line of text.split('\n'))
    if (line.startsWith(`${name}{`) || line.startsWith(`${name} `))
      total += Number(line.slice(line.lastIndexOf(' ') + 1));
  return total;
}

describe('three nodes on a Redis that loses its data mid-drop, with the order journal', () => {
  it.each<Loss>(['restart', 'flushall', 'failover'])(
    'Redis %s: no confirmed order lost, nothing oversold, every buyer answered, the merchant gets every order and the loss is loud',
    async (loss) => {
      const dir = mkdtempSync(join(tmpdir(), 'liveshop-loss-'));
      cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
      const masterPort = await restartablePort();
      let master = await redisServer(masterPort, dir);
      const replicaPort = await restartablePort();
      const replica =
        loss === 'failover'
          ? await redisServer(replicaPort, dir, '--replicaof', '127.0.0.1', String(masterPort))
          : undefined;
      if (replica) await replicated(replicaPort);
      // the nodes reach Redis through an address that can move (a virtual IP, Sentinel's job)
      const proxy = await startTcpProxy(masterPort);
      cleanups.push(() => proxy.close());
      const merchantPort = await restartablePort();
      const schema = postgres.schema();
      const nodes = await Promise.all(
        [0, 1, 2].map((i) =>
          start({
            REDIS_URL: `redis://127.0.0.1:${proxy.port}`,
            NODE_ID: `node${i}`,
            ORDER_JOURNAL_URL: postgres.url,
            ORDER_JOURNAL_SCHEMA: schema,
            ORDER_JOURNAL_AUDIT_MS: '200',
            MERCHANT_WEBHOOK_URL: `http://127.0.0.1:${merchantPort}/hooks`,
            MERCHANT_WEBHOOK_SECRET: MERCHANT_SECRET,
            MERCHANT_WEBHOOK_MAX_BACKOFF_MS: '300',
            CLAIM_RATE_BURST: '100',
            CLAIM_RATE_PER_SECOND: '100',
          }),
        ),
      );
      const host = await connect(nodes[0]!.url, { sub: 'hana', role: 'host' });
      await host.createStream('show', { title: 'Show' });
      const hosting = await host.join('show');
      await hosting.products.upsert(SNEAKER);
      await hosting.drops.create({
        dropId: DROP,
        productId: SNEAKER.id,
        quantity: QUANTITY,
        durationSeconds: 600,
        holdSeconds: 600,
      });
      const rooms = await Promise.all(
        Array.from({ length: BUYERS }, async (_, i) =>
          (await connect(nodes[i % 3]!.url, { sub: `b${i}` })).join('show'),
        ),
      );
      // the replica falls behind from here: what follows reaches only the master
      if (replica) {
        await caughtUp(masterPort, replicaPort);
        // pointed at a master that is not there, it keeps what it has and gets nothing more
        const lagging = new Redis(replicaPort, '127.0.0.1');
        await lagging.replicaof('127.0.0.1', String(await restartablePort()));
        lagging.disconnect();
      }

      const books: Books = { confirmed: new Map(), lost: 0, failures: [] };
      const holds: string[][] = Array.from({ length: HOLDERS }, () => []);
      await Promise.all([
        ...rooms.slice(0, BEFORE).map((room, i) => shop(room, `b${i}`, books)),
        ...rooms
          .slice(BEFORE, BEFORE + HOLDERS)
          .map((room, i) => shop(room, `b${BEFORE + i}`, books, holds[i])),
      ]);
      const before = new Set(books.confirmed.keys());
      expect(before.size).toBe(BEFORE);
      expect(holds.flat()).toHaveLength(HOLDERS);

      // the loss
      if (loss === 'restart') {
        master.kill('SIGKILL');
        await new Promise((resolve) => master.once('exit', resolve));
        master = await redisServer(masterPort, dir);
      } else if (loss === 'flushall') {
        const admin = new Redis(masterPort, '127.0.0.1');
        await admin.flushall();
        admin.disconnect();
      } else {
        master.kill('SIGKILL');
        const promoted = new Redis(replicaPort, '127.0.0.1');
        await promoted.replicaof('NO', 'ONE');
        promoted.disconnect();
        proxy.retarget(replicaPort);
      }

      // the holders check out what they hold, everyone else shops
      await Promise.all([
        ...holds.map(async ([holdId], i) => {
          const room = rooms[BEFORE + i]!;
          try {
            const order = await room.drops.checkout(DROP, holdId!);
            if (order.outcome === 'ordered') books.confirmed.set(order.orderId, `b${BEFORE + i}`);
            else {
              expect(order.outcome).toBe('hold_lost');
              books.lost += 1;
              await shop(room, `b${BEFORE + i}`, books);
            }
          } catch (error) {
            books.failures.push(String(error));
          }
        }),
        ...rooms
          .slice(BEFORE + HOLDERS)
          .map((room, i) => shop(room, `b${BEFORE + HOLDERS + i}`, books)),
      ]);
      // every buyer was answered
      expect(books.failures).toEqual([]);

      // the books: every confirmed order is listed, nothing is sold twice, the drop sold out
      const admin = { authorization: `Bearer ${await token({ sub: 'shop', role: 'admin' })}` };
      const listed = (await (
        await fetch(`${nodes[1]!.url}/v1/drops/${DROP}/orders`, { headers: admin })
      ).json()) as { orders: { orderId: string; holdId: string; buyerId: string }[] };
      const ids = listed.orders.map((o) => o.orderId);
      expect(new Set(ids).size).toBe(ids.length);
      expect(new Set(listed.orders.map((o) => o.holdId)).size).toBe(ids.length);
      expect(ids.length).toBeLessThanOrEqual(QUANTITY);
      for (const id of before) expect(ids).toContain(id);
      expect(new Set(ids)).toEqual(new Set(books.confirmed.keys()));
      for (const order of listed.orders)
        expect(order.buyerId).toBe(books.confirmed.get(order.orderId));
      expect(ids.length).toBe(QUANTITY);
      // the holds given out before the loss were lost with it, and said so
      expect(books.lost).toBeGreaterThanOrEqual(HOLDERS);

      // the merchant comes back: every order reaches it, each under one event id
      const merchant = await startMerchant(
        MERCHANT_SECRET,
        (t) => cleanups.push(t),
        () => 200,
        merchantPort,
      );
      await eventually(() => {
        const seen = new Set(
          merchant.received
            .filter((r) => r.event.type === 'order.created')
            .map((r) => String(r.event.data.orderId)),
        );
        return ids.every((id) => seen.has(id));
      }, 30_000);
      expect(merchant.received.every((r) => r.valid)).toBe(true);
      const bodies = new Map<string, string>();
      const eventOfOrder = new Map<string, string>();
      for (const { id, event } of merchant.received) {
        const body = JSON.stringify(event);
        expect(bodies.get(id) ?? body).toBe(body);
        bodies.set(id, body);
        if (event.type === 'order.created') {
          const orderId = String(event.data.orderId);
          expect(eventOfOrder.get(orderId) ?? id).toBe(id);
          eventOfOrder.set(orderId, id);
        }
      }
      // in the drop's order: each event first arrives after every event logged before it (the
      // ones sent again after the loss included), by the entry number in its id (`:n`, `:rE.n`)
      const firsts = [...new Set(merchant.received.map((r) => r.id))].filter((id) =>
        /:(r\d+\.)?\d+$/.test(id),
      );
      const numbers = firsts.map((id) => Number(/(\d+)$/.exec(id)?.[1]));
      expect(numbers).toEqual([...numbers].sort((a, b) => a - b));
      // and hears of the loss
      await eventually(() => merchant.received.some((r) => r.event.type === 'engine.restored'));
      const restored = merchant.received.find((r) => r.event.type === 'engine.restored')!.event;
      expect(restored.data).toMatchObject({ dropId: DROP, quantity: QUANTITY });
      expect(restored.data.orders).toEqual(expect.arrayContaining([...before]));

      // the loss is loud: an error line, and the metric
      const errors = nodes.flatMap((n) =>
        n.logs.filter((l) => l.level === 50 && String(l.msg).startsWith('Redis lost data')),
      );
      expect(errors.length).toBeGreaterThan(0);
      let losses = 0;
      for (const node of nodes) losses += await metric(node, 'liveshop_engine_data_loss_total');
      expect(losses).toBeGreaterThan(0);
    },
    120_000,
  );
});
