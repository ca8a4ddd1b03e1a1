import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  createClient,
  drawLottery,
  verifyQueueOrder,
  type LiveShopClient,
  type QueueStatus,
  type Room,
} from '../client-sdk/src/index.js';
import type { Claims } from '../server/auth.js';
import { collect, eventually, nextEvent } from './helpers/events.js';
import { startTcpProxy } from './helpers/network.js';
import { SNEAKER } from './helpers/products.js';
import { useRedis } from './helpers/redis.js';
import { useServers, type TestServer } from './helpers/server.js';

const start = useServers();
const redis = useRedis();
const ENV = {
  CHAT_RATE_BURST: '1000',
  CONNECTION_EVENTS_BURST: '1000',
  USER_EVENTS_BURST: '1000',
  WAITING_ROOM_TICK_MS: '50',
};
const HOST: Claims = { sub: 'hana', role: 'host' };
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** One node, or two on one Redis (clients spread over both). */
const ENGINES = [
  {
    name: 'memory',
    nodes: async (env: Record<string, string> = {}): Promise<[TestServer, TestServer]> => {
      const server = await start({ ...ENV, ...env });
      return [server, server];
    },
  },
  {
    name: 'redis, two nodes',
    nodes: async (env: Record<string, string> = {}): Promise<[TestServer, TestServer]> => {
      const prefix = redis.prefix();
      const node = (id: string) =>
        start({ ...ENV, REDIS_URL: redis.url, REDIS_KEY_PREFIX: prefix, NODE_ID: id, ...env });
      return [await node('a'), await node('b')];
    },
  },
] as const;

interface Waiting {
  sub: string;
  client: LiveShopClient;
  statuses: QueueStatus[];
  joined: Promise<Room>;
}

/** A viewer whose join waits in line; resolves once it is in line (its first status). */
async function queue(server: TestServer, sub: string): Promise<Waiting> {
  const client = await server.client({ sub });
  const statuses = collect<QueueStatus>(client, 'queue');
  const first = nextEvent(client, 'queue');
  const joined = client.join('show');
  joined.catch(() => undefined);
  await first;
  return { sub, client, statuses, joined };
}

async function show(server: TestServer, admission: Record<string, unknown>) {
  const host = await server.client(HOST);
  await host.createStream('show', { title: 'Show' });
  const room = await host.join('show');
  // a change reaches the room's state on the control lane, not with the answer (none: no change)
  const changed =
    Object.keys(admission).length > 0 ? nextEvent(room, 'room:admission') : Promise.resolve();
  await host.request('room:admission', {
    roomId: 'show',
    capacity: null,
    admitPerSecond: null,
    ...admission,
  });
  await changed;
  return { host, room };
}

describe.each(ENGINES)('waiting room ($name)', ({ nodes }) => {
  it('while overload sheds joins, the line still moves at the trickle', async () => {
    // overload decided by the test; one admission's worth of trickle, then none for a long while
    const [a, b] = await nodes({
      OVERLOAD_SHEDDING: 'true',
      OVERLOAD_SAMPLE_MS: '60000',
      OVERLOAD_ADMIT_PER_SECOND: '0.0001',
    });
    await show(a, { capacity: 2 });
    const v1 = await b.client({ sub: 'v1' });
    await v1.join('show');
    const w = await queue(a, 'v2');
    for (const server of new Set([a, b])) {
      const { overload } = server.app.internals;
      for (let i = 0; i < 5; i++) overload.observe({ lagMs: 10_000, cpu: 1, slowSockets: 0 }, i);
      expect(overload.sheds('joins')).toBe(true);
    }
    v1.close();
    const room = await w.joined;
    expect(room.id).toBe('show');
    for (const server of new Set([a, b]))
      expect(server.app.internals.overload.sheds('joins')).toBe(true);
  });

  it('a full room queues newcomers in order and admits them as seats free', async () => {
    const [a, b] = await nodes();
    const { room: hosted } = await show(a, { capacity: 3 });
    expect(hosted.state.admission).toMatchObject({ capacity: 3, admitPerSecond: null });
    // the host and two viewers fill it; the viewers get a pass to come back with
    const v1 = await b.client({ sub: 'v1' });
    await v1.join('show');
    const v2 = await a.client({ sub: 'v2' });
    await v2.join('show');
    const waiting: Waiting[] = [];
    for (const [i, sub] of ['v3', 'v4', 'v5'].entries())
      waiting.push(await queue(i % 2 ? a : b, sub));
    expect(waiting.map((w) => w.statuses[0])).toMatchObject([
      { status: 'waiting', position: 1 },
      { status: 'waiting', position: 2 },
      { status: 'waiting', position: 3 },
    ]);
    const order: string[] = [];
    for (const w of waiting)
      void w.joined.then(
        () => order.push(w.sub),
        () => undefined,
      );

    v1.close();
    await waiting[0]!.joined;
    v2.close();
    await waiting[1]!.joined;
    expect(order).toEqual(['v3', 'v4']);
    // the last one moved up, and still waits: the room is full again
    await eventually(() => waiting[2]!.statuses.at(-1)?.position === 1);
    expect(order).toEqual(['v3', 'v4']);
    const viewers = (await waiting[0]!.joined).state.viewers;
    expect(viewers).toBeLessThanOrEqual(3);
    // someone who leaves the line is no longer ahead of anyone
    waiting[2]!.client.leaveQueue('show');
    await expect(waiting[2]!.joined).rejects.toMatchObject({ code: 'ROOM_FULL' });
  });

  it("admits at the room's rate: everyone gets in, told an estimate meanwhile", async () => {
    const [a, b] = await nodes();
    await show(a, { admitPerSecond: 20 });
    const clients = await Promise.all(
      Array.from({ length: 30 }, (_, i) => (i % 2 ? a : b).client({ sub: `r${i}` })),
    );
    const statuses = clients.map((c) => collect<QueueStatus>(c, 'queue'));
    const rooms = await Promise.all(clients.map((c) => c.join('show')));
    expect(rooms).toHaveLength(30);
    const queued = statuses.filter((s) => s.length > 0);
    expect(queued.length).toBeGreaterThan(0);
    expect(
      queued.some((s) => s.some((q) => q.status === 'waiting' && q.estimatedWaitMs !== null)),
    ).toBe(true);
    expect(queued.every((s) => s.at(-1)?.status === 'admitted')).toBe(true);
  });

  it("a drop's pre-queue is shuffled at its start by a verifiable seed; later arrivals queue behind; sold out reaches the line", async () => {
    const [a, b] = await nodes();
    const { host, room: hosted } = await show(a, {});
    await hosted.products.upsert(SNEAKER);
    const startsAt = host.serverNow() + 1500;
    await hosted.drops.create({
      dropId: 'pre-drop',
      productId: SNEAKER.id,
      quantity: 1,
      durationSeconds: 600,
      startsAt,
    });
    await host.request('room:admission', {
      roomId: 'show',
      capacity: 2,
      admitPerSecond: null,
      preQueueDropId: 'pre-drop',
    });
    const pre = hosted.state.admission?.preQueue;
    expect(pre).toMatchObject({ dropId: 'pre-drop', until: startsAt });
    // five arrive before the start: all in the pre-queue (even with a seat free), unordered
    const early: Waiting[] = [];
    for (const [i, sub] of ['p1', 'p2', 'p3', 'p4', 'p5'].entries())
      early.push(await queue(i % 2 ? a : b, sub));
    for (const w of early)
      expect(w.statuses[0]).toMatchObject({
        status: 'pre',
        position: null,
        preQueue: { seedHash: pre?.seedHash, seed: null },
      });

    // the start: the seed is revealed, one seat is free, the first of the shuffled order gets it
    const first = await Promise.race(early.map((w) => w.joined.then(() => w)));
    const late = await queue(b, 'late');
    const audit = await host.queueAudit('show');
    expect(audit.seedHash).toBe(pre?.seedHash);
    expect(sha256(audit.seed)).toBe(audit.seedHash);
    // recomputed here from the seed and the entrants' public ids
    const tickets = new Map(early.map((w) => [w.sub, w.statuses.at(-1)!.ticket]));
    const publicIds = new Map(
      [...tickets].map(([sub, t]) => [sha256(`show:${t}`).slice(0, 32), sub]),
    );
    expect([...publicIds.keys()].sort()).toEqual(audit.entrants);
    const order = await drawLottery(audit.seed, audit.entrants, audit.entrants.length, sha256);
    expect(order).toEqual(audit.order);
    expect(publicIds.get(order[0]!)).toBe(first.sub);
    for (const w of early) {
      const verdict = await verifyQueueOrder(audit, tickets.get(w.sub));
      expect(verdict.ok).toBe(true);
      expect(verdict.position).toBe(
        order.indexOf(sha256(`show:${tickets.get(w.sub)}`).slice(0, 32)) + 1,
      );
    }
    expect((await verifyQueueOrder({ ...audit, order: [...audit.order].reverse() })).ok).toBe(
      false,
    );
    // the late arrival is behind all the pre-queue
    await eventually(() => late.statuses.at(-1)?.position !== undefined);
    expect(late.statuses.at(-1)).toMatchObject({ status: 'waiting', position: 5 });

    // the one admitted buys the only unit: everyone still in line is told at once
    const inside = await first.joined;
    const claim = await inside.drops.claim('pre-drop');
    if (claim.outcome !== 'held') throw new Error(`claim: ${claim.outcome}`);
    await inside.drops.checkout('pre-drop', claim.holdId);
    const still = [...early.filter((w) => w !== first), late];
    await eventually(
      () => still.every((w) => w.statuses.at(-1)?.soldOut.includes('pre-drop')),
      10_000,
    );

    // seats free in the shuffled order
    first.client.close();
    const second = early.find((w) => w.sub === publicIds.get(order[1]!));
    await second?.joined;
  });
});

describe('waiting room across a node death', () => {
  it('a line kept in Redis outlives the node its waiters were on: they keep their places', async () => {
    const prefix = redis.prefix();
    const node = (id: string) =>
      start({ ...ENV, REDIS_URL: redis.url, REDIS_KEY_PREFIX: prefix, NODE_ID: id });
    const a = await node('a');
    const b = await node('b');
    const proxy = await startTcpProxy(b.port);
    try {
      const { host } = await show(a, { capacity: 1 }); // the host fills it
      const waiting: Waiting[] = [];
      for (const sub of ['w1', 'w2', 'w3']) {
        const client = createClient({
          url: `http://127.0.0.1:${proxy.port}`,
          token: await b.token({ sub }),
          transports: ['websocket'],
          socketOptions: { reconnectionDelay: 50, reconnectionDelayMax: 200 },
        });
        const statuses = collect<QueueStatus>(client, 'queue');
        const first = nextEvent(client, 'queue');
        const joined = client.join('show');
        joined.catch(() => undefined);
        await first;
        waiting.push({ sub, client, statuses, joined });
      }
      const tickets = waiting.map((w) => w.statuses[0]!.ticket);
      // node b dies; the clients come back through the same address, to node a
      await b.app.close();
      proxy.retarget(a.port);
      await Promise.all(
        waiting.map((w) => eventually(() => w.statuses.length > 1 && w.client.connected, 10_000)),
      );
      expect(waiting.map((w) => w.statuses.at(-1)?.ticket)).toEqual(tickets);
      expect(waiting.map((w) => w.statuses.at(-1)?.position)).toEqual([1, 2, 3]);
      // a seat frees (the host leaves): the first in line gets it, the others move up
      host.close();
      await waiting[0]!.joined;
      await eventually(() => waiting[1]!.statuses.at(-1)?.position === 1);
      for (const w of waiting) w.client.close();
    } finally {
      await proxy.close();
    }
  });
});
