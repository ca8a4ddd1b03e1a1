import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { verifyGiveaway, type Room } from '../client-sdk/src/index.js';
import type { GiveawayState } from '../client-sdk/src/protocol/index.js';
import { eventuallyAsync, until } from './helpers/events.js';
import { SNEAKER } from './helpers/products.js';
import { useRedis } from './helpers/redis.js';
import { startNodes, useServers, type TestServer } from './helpers/server.js';

const redis = useRedis();
const start = useServers();
const sha = (text: string) => createHash('sha256').update(text).digest('hex');
const CAP = { ...SNEAKER, id: 'sku-cap', title: 'Cap', sku: 'CAP-1' };

async function showOn(servers: TestServer[], users: string[]) {
  const hostClient = await servers[0]!.client({ sub: 'hana', role: 'host' });
  await hostClient.createStream('show', { title: 'Giveaway night' });
  const host = await hostClient.join('show');
  await host.products.upsert(SNEAKER);
  await host.products.upsert(CAP);
  const rooms: Room[] = [];
  for (const [i, sub] of users.entries())
    rooms.push(await (await servers[i % servers.length]!.client({ sub })).join('show'));
  return { host, rooms };
}

const giveawayOf = (room: Room, id: string): GiveawayState | undefined =>
  room.state.giveaways.find((g) => g.giveawayId === id);

describe('giveaways in a show', () => {
  it.each([
    ['memory engine', (now: () => number) => Promise.all([start({}, { now })])],
    ['Redis, two nodes', (now: () => number) => startNodes(start, redis, 2, {}, { now })],
  ])(
    'entrants present at the draw win by the revealed seed, the absent cannot, a lapsed prize is drawn again (%s)',
    async (_engine, nodes) => {
      let clock = Date.now();
      const servers = await nodes(() => clock);
      const names = ['ann', 'bob', 'cy', 'dee', 'eve', 'fay'];
      const { host, rooms } = await showOn(servers, names);
      const created = await host.giveaways.create({
        giveawayId: 'g1',
        productId: SNEAKER.id,
        winners: 2,
        claimSeconds: 60,
      });
      expect(created.giveaway).toMatchObject({
        phase: 'open',
        entries: 0,
        seed: null,
        closesAt: clock + 300_000,
      });
      const { seedHash } = created.giveaway;
      const entered = await Promise.all(rooms.map((r) => r.giveaways.enter('g1')));
      expect(entered.map((e) => e.outcome)).toEqual(names.map(() => 'entered'));
      expect(await rooms[0]!.giveaways.enter('g1')).toEqual({
        ...entered[0],
        outcome: 'already_entered',
      });
      await expect(host.giveaways.enter('g1')).rejects.toMatchObject({ code: 'FORBIDDEN' });
      // one running per room
      await expect(
        host.giveaways.create({ giveawayId: 'g2', productId: CAP.id }),
      ).rejects.toMatchObject({ code: 'INVALID_STATE' });
      for (const room of rooms)
        await until(room, 'giveaway:update', () => giveawayOf(room, 'g1')?.entries === 6);

      // eve leaves before the draw: absent, she cannot win
      const eve = rooms[4]!;
      await eve.leave();
      const drawn = (await host.giveaways.draw('g1')).giveaway;
      expect(drawn).toMatchObject({ phase: 'drawn', version: 1, lapsed: 0 });
      expect(drawn.prizes).toHaveLength(2);
      const seed = drawn.seed ?? '';
      expect(sha(seed)).toBe(seedHash);

      // recomputed here, independently of the server and the SDK: the lowest SHA-256 of
      // "<seed>:<ticket>" among the eligible
      const audit = await rooms[0]!.giveaways.audit('g1');
      const ticketOf = (user: string) => sha(`g1:${user}`).slice(0, 32);
      expect(audit.entries.map((e) => e.ticket).sort()).toEqual(names.map(ticketOf).sort());
      expect(audit.entries.find((e) => e.ticket === ticketOf('eve'))?.eligible).toBe(false);
      expect(audit.entries.filter((e) => e.eligible)).toHaveLength(5);
      const rank = (tickets: string[]) =>
        [...tickets].sort((a, b) => (sha(`${seed}:${a}`) < sha(`${seed}:${b}`) ? -1 : 1));
      const eligible = rank(audit.entries.filter((e) => e.eligible).map((e) => e.ticket));
      expect(audit.winnerTickets).toEqual(eligible.slice(0, 2));
      const userOf = new Map(names.map((u) => [ticketOf(u), u]));
      const winners = audit.winnerTickets.map((t) => userOf.get(t));
      expect(drawn.prizes.map((p) => p.userId)).toEqual(winners);
      expect(winners).not.toContain('eve');
      expect(await verifyGiveaway(audit, 'ann')).toMatchObject({ ok: true });
      expect(audit.mine).toBe(ticketOf('ann'));

      // the first winner claims the prize (a zero-price order); the second lets it lapse
      const [first, second] = drawn.prizes;
      const firstRoom = rooms[names.indexOf(first?.userId ?? '')]!;
      const claim = await firstRoom.drops.checkout(first?.dropId ?? '', first?.holdId ?? '');
      expect(claim).toMatchObject({ outcome: 'ordered' });
      await until(
        host,
        'giveaway:update',
        () => giveawayOf(host, 'g1')?.prizes[0]?.claimed === true,
      );
      // the prize drop is a drop as any other: one unit, sold (its figures go out on the clock)
      clock += 200;
      await until(
        host,
        'drop:stock',
        () => host.state.drops.find((d) => d.dropId === first?.dropId)?.sold === 1,
      );
      const events = await servers[0]!.app.internals.engine.merchantOutbox.recent(50);
      await servers[0]!.app.internals.relay.sweep();
      const orders = (await servers[0]!.app.internals.engine.merchantOutbox.recent(50)).filter(
        (e) => e.type === 'order.created' && e.data.dropId === first?.dropId,
      );
      expect(events.length).toBeGreaterThan(0);
      expect(orders[0]?.data).toMatchObject({ buyerId: first?.userId, price: { amountMinor: 0 } });

      clock += 61_000;
      await until(host, 'giveaway:update', () => giveawayOf(host, 'g1')?.version === 2, 10_000);
      const redrawn = giveawayOf(host, 'g1');
      expect(redrawn).toMatchObject({ lapsed: 1 });
      expect(redrawn?.prizes.map((p) => p.userId)).toEqual([
        first?.userId,
        userOf.get(eligible[2]!),
      ]);
      expect(redrawn?.prizes[1]?.userId).not.toBe(second?.userId);
      const again = await rooms[0]!.giveaways.audit('g1');
      expect(again.lapsed).toEqual([ticketOf(second?.userId ?? '')]);
      expect(again.winnerTickets).toEqual([eligible[0], eligible[2]]);
      expect(await verifyGiveaway(again)).toMatchObject({ ok: true });
    },
  );

  it('a giveaway asking for a purchase takes buyers, or anyone by the free route', async () => {
    const server = await start();
    const { host, rooms } = await showOn([server], ['ann', 'bob']);
    const [ann, bob] = rooms as [Room, Room];
    await host.drops.create({
      dropId: 'caps',
      productId: CAP.id,
      quantity: 5,
      durationSeconds: 600,
    });
    const hold = await ann.drops.claim('caps');
    if (hold.outcome !== 'held') throw new Error('no hold');
    expect(await ann.drops.checkout('caps', hold.holdId)).toMatchObject({ outcome: 'ordered' });
    await host.giveaways.create({
      giveawayId: 'buyers',
      productId: SNEAKER.id,
      purchaseRequired: true,
    });
    expect(await bob.giveaways.enter('buyers')).toEqual({ outcome: 'purchase_required' });
    expect(await bob.giveaways.enter('buyers', 'free')).toMatchObject({ outcome: 'entered' });
    expect(await ann.giveaways.enter('buyers')).toMatchObject({ outcome: 'entered' });
    await expect(ann.giveaways.enter('nope')).rejects.toMatchObject({
      code: 'GIVEAWAY_NOT_FOUND',
    });
    await expect(bob.giveaways.draw('buyers')).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(ann.giveaways.audit('buyers')).rejects.toMatchObject({ code: 'INVALID_STATE' });
  });

  it('on two nodes, an entrant another node sees is present at the draw; one who joined too late has not watched long enough', async () => {
    let clock = Date.now();
    const servers = await startNodes(start, redis, 2, {}, { now: () => clock });
    // ann has watched for two minutes on node 1 when she enters; bob arrives on node 0 and enters
    const { host, rooms } = await showOn([servers[1]!], ['ann']);
    const ann = rooms[0]!;
    await host.giveaways.create({
      giveawayId: 'watchers',
      productId: SNEAKER.id,
      minWatchSeconds: 60,
    });
    clock += 120_000;
    expect(await ann.giveaways.enter('watchers')).toMatchObject({ outcome: 'entered' });
    const bob = await (await servers[0]!.client({ sub: 'bob' })).join('show');
    expect(await bob.giveaways.enter('watchers')).toMatchObject({ outcome: 'entered' });
    // later than an entry's own sighting counts: node 1 must report ann as still there
    clock += 8_000;
    const store = servers[0]!.app.internals.engine.giveaways;
    await eventuallyAsync(async () => {
      const record = await store.record('watchers', 0);
      return record?.entries.find((e) => e.userId === 'ann')?.seenAt === clock;
    }, 10_000);
    const hostOn0 = await (await servers[0]!.client({ sub: 'hana', role: 'host' })).join('show');
    const drawn = (await hostOn0.giveaways.draw('watchers')).giveaway;
    expect(drawn.prizes.map((p) => p.userId)).toEqual(['ann']);
    const audit = await bob.giveaways.audit('watchers');
    const ticketOf = (user: string) => sha(`watchers:${user}`).slice(0, 32);
    expect(audit.entries.find((e) => e.ticket === ticketOf('bob'))?.eligible).toBe(false);
    expect(audit.entries.find((e) => e.ticket === ticketOf('ann'))?.eligible).toBe(true);
    expect(await verifyGiveaway(audit, 'bob')).toEqual({ ok: true, won: false });
  });
});
