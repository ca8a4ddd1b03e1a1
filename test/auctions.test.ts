import { describe, expect, it } from 'vitest';
import type { AuctionState, ServerPayload } from '../client-sdk/src/protocol/index.js';
import { compareAuctionStates } from '../client-sdk/src/protocol/index.js';
import { cut, stayAway } from './helpers/clients.js';
import { nextEvent, until } from './helpers/events.js';
import { SNEAKER } from './helpers/products.js';
import { useRedis } from './helpers/redis.js';
import { startNodes, useServers, type RawSocket, type TestServer } from './helpers/server.js';

const redis = useRedis();
const start = useServers();
const HOST = { sub: 'hana', role: 'host' } as const;

type Update = ServerPayload<'auction:update'>;

/** Every auction:update a socket receives, and the newest state of each auction it has seen. */
function watch(socket: RawSocket) {
  const newest = new Map<string, AuctionState>();
  socket.on('auction:update', ({ roomId: _room, serverTime: _at, ...state }: Update) => {
    const held = newest.get(state.auctionId);
    if (!held || compareAuctionStates(state, held) > 0) newest.set(state.auctionId, state);
  });
  return newest;
}

async function show(servers: TestServer[], buyers: string[]) {
  const host = await servers[0]!.socket(HOST);
  await host.emitWithAck('stream:create', { roomId: 'show', title: 'Auction night' });
  await host.emitWithAck('room:join', { roomId: 'show' });
  await host.emitWithAck('product:upsert', { roomId: 'show', product: SNEAKER });
  const sockets: RawSocket[] = [];
  for (const [i, sub] of buyers.entries()) {
    const socket = await servers[i % servers.length]!.socket({ sub, name: `${sub} 名` });
    const joined = await socket.emitWithAck('room:join', { roomId: 'show' });
    if (!joined.ok) throw new Error(joined.error.message);
    sockets.push(socket);
  }
  return { host, sockets };
}

const bid = (socket: RawSocket, maxMinor: number, key: string) =>
  socket.emitWithAck('auction:bid', {
    roomId: 'show',
    auctionId: 'lot-1',
    maxMinor,
    idempotencyKey: `bid-key-${key}`,
  });

describe('auctions over sockets', () => {
  it.each([
    ['memory engine', (now: () => number) => Promise.all([start({}, { now })])],
    ['Redis, two nodes', (now: () => number) => startNodes(start, redis, 2, {}, { now })],
  ])(
    'bids, max bids, the counter-bid window, outbid notices, the end and the winner’s order (%s)',
    async (_engine, nodes) => {
      // the auction runs on the servers' clock, which the test moves on
      let clock = Date.now();
      const servers = await nodes(() => clock);
      const { host, sockets } = await show(servers, ['ann', 'bob', 'cy']);
      const [ann, bob, cy] = sockets as [RawSocket, RawSocket, RawSocket];
      const views = sockets.map(watch);
      const created = await host.emitWithAck('auction:create', {
        roomId: 'show',
        auctionId: 'lot-1',
        productId: SNEAKER.id,
        startingMinor: 1_000,
        durationSeconds: 15,
        counterBidSeconds: 10,
      });
      expect(created).toMatchObject({
        ok: true,
        created: true,
        auction: { phase: 'scheduled', priceMinor: null, minimumMinor: 1_000, bids: 0 },
      });
      // a pre-bid: ann's secret maximum, placed when the auction starts
      expect(await bid(ann, 5_000, 'ann-1')).toMatchObject({
        ok: true,
        outcome: 'leading',
        endsAt: null,
      });
      const started = await host.emitWithAck('auction:start', {
        roomId: 'show',
        auctionId: 'lot-1',
      });
      expect(started).toMatchObject({
        ok: true,
        auction: {
          phase: 'live',
          priceMinor: 1_000,
          leader: { id: 'ann', name: 'ann 名' },
          bids: 1,
        },
      });
      expect(
        await host.emitWithAck('auction:start', { roomId: 'show', auctionId: 'lot-1' }),
      ).toMatchObject({ ok: true, auction: { bids: 1 } });
      // the host may not bid; a bid below the next valid amount is told that amount
      expect(await bid(host, 9_000, 'host-1')).toMatchObject({
        ok: false,
        error: { code: 'FORBIDDEN' },
      });
      expect(await bid(bob, 1_050, 'bob-1')).toMatchObject({
        ok: true,
        outcome: 'too_low',
        minimumMinor: 1_100,
      });
      // bob's bid is taken, but ann's maximum answers it one increment higher
      const annOutbid = nextEvent<ServerPayload<'auction:outbid'>>(ann, 'auction:outbid');
      expect(await bid(bob, 3_000, 'bob-2')).toMatchObject({
        ok: true,
        outcome: 'outbid',
        priceMinor: 3_200,
      });
      // a retry of the same key gets the same answer, whichever node it reaches
      expect(await bid(bob, 3_000, 'bob-2')).toMatchObject({
        ok: true,
        outcome: 'outbid',
        priceMinor: 3_200,
      });
      // late in the auction, cy tops ann's maximum: the end moves to 10 s from now
      clock += 12_000;
      const taken = await bid(cy, 8_000, 'cy-1');
      expect(taken).toMatchObject({ ok: true, outcome: 'leading', priceMinor: 5_300 });
      const endsAt = taken.ok && 'endsAt' in taken ? taken.endsAt : null;
      expect(endsAt).toBe(clock + 10_000);
      expect(await annOutbid).toMatchObject({
        auctionId: 'lot-1',
        priceMinor: 5_300,
        minimumMinor: 5_600,
      });
      for (const [i, socket] of sockets.entries())
        await until(socket, 'auction:update', () => views[i]!.get('lot-1')?.bids === 3);
      for (const view of views)
        expect(view.get('lot-1')).toMatchObject({
          priceMinor: 5_300,
          leader: { id: 'cy' },
          endsAt,
        });
      // nobody ever sees a maximum
      const got = await cy.emitWithAck('auction:get', { roomId: 'show', auctionId: 'lot-1' });
      expect(got).toMatchObject({ ok: true, myMaxMinor: 8_000 });
      expect(JSON.stringify(views[0]!.get('lot-1'))).not.toContain('8000');

      // the end: sold to cy at 53.00, settled with a hold at that price, on every node
      clock = (endsAt ?? 0) + 1;
      expect(await bid(bob, 20_000, 'bob-3')).toMatchObject({
        ok: true,
        outcome: 'not_live',
        phase: 'sold',
      });
      for (const [i, socket] of sockets.entries())
        await until(
          socket,
          'auction:update',
          () => views[i]!.get('lot-1')?.settled === true,
          10_000,
        );
      const final = views[2]!.get('lot-1');
      expect(final).toMatchObject({
        phase: 'sold',
        settled: true,
        priceMinor: 5_300,
        settlement: { winnerId: 'cy', priceMinor: 5_300 },
      });
      for (const view of views) expect(view.get('lot-1')).toEqual(final);
      const { dropId = '', holdId = '' } = final?.settlement ?? {};
      // nobody else can claim the item; the winner checks out as with drops
      expect(
        await ann.emitWithAck('drop:claim', {
          roomId: 'show',
          dropId,
          idempotencyKey: 'claim-ann-1',
        }),
      ).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
      expect(
        await cy.emitWithAck('drop:checkout', {
          roomId: 'show',
          dropId,
          holdId,
          idempotencyKey: 'pay-cy-0001',
        }),
      ).toMatchObject({ ok: true, outcome: 'ordered' });
      await servers[0]!.app.internals.relay.sweep();
      const events = await servers[0]!.app.internals.engine.merchantOutbox.recent(50);
      const settled = events.filter((e) => e.type === 'auction.settled');
      expect(settled).toHaveLength(1);
      expect(settled[0]?.data).toMatchObject({
        auctionId: 'lot-1',
        winnerId: 'cy',
        price: { amountMinor: 5_300, currency: 'EUR' },
        sku: SNEAKER.sku,
        bids: 3,
        holdId,
      });
      const orders = events.filter((e) => e.type === 'order.created' && e.data.dropId === dropId);
      expect(orders).toHaveLength(1);
      expect(orders[0]?.data).toMatchObject({ buyerId: 'cy', price: { amountMinor: 5_300 } });

      // a late joiner's snapshot has the auction as it ended
      const late = await servers.at(-1)!.socket({ sub: 'late' });
      const joined = await late.emitWithAck('room:join', { roomId: 'show' });
      expect(joined.ok && !joined.recovered && joined.snapshot.auctions).toEqual([final]);
    },
  );

  it('a banned or timed-out user cannot bid; an unknown auction is AUCTION_NOT_FOUND', async () => {
    const server = await start();
    const { host, sockets } = await show([server], ['ann', 'bob']);
    const [ann, bob] = sockets as [RawSocket, RawSocket];
    await host.emitWithAck('auction:create', {
      roomId: 'show',
      auctionId: 'lot-1',
      productId: SNEAKER.id,
      start: true,
    });
    await host.emitWithAck('moderation:sanction', {
      roomId: 'show',
      userId: 'ann',
      kind: 'timeout',
      seconds: 60,
    });
    expect(await bid(ann, 1_000, 'ann-1')).toMatchObject({
      ok: false,
      error: { code: 'TIMED_OUT', retryable: true },
    });
    expect(await bid(bob, 1_000, 'bob-1')).toMatchObject({ ok: true, outcome: 'leading' });
    expect(
      await bob.emitWithAck('auction:bid', {
        roomId: 'show',
        auctionId: 'nope',
        maxMinor: 100,
        idempotencyKey: 'bid-key-x',
      }),
    ).toMatchObject({ ok: false, error: { code: 'AUCTION_NOT_FOUND' } });
    // a viewer cannot run auctions
    expect(
      await bob.emitWithAck('auction:create', {
        roomId: 'show',
        auctionId: 'lot-2',
        productId: SNEAKER.id,
      }),
    ).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    expect(
      await host.emitWithAck('auction:create', {
        roomId: 'show',
        auctionId: 'lot-3',
        productId: 'nope',
      }),
    ).toMatchObject({ ok: false, error: { code: 'PRODUCT_NOT_FOUND' } });
  });
  it('a late joiner is shown the auctions not settled and the last three settled', async () => {
    let clock = Date.now();
    const server = await start({}, { now: () => clock });
    const { host } = await show([server], []);
    const updates = watch(host);
    for (let i = 1; i <= 5; i++)
      await host.emitWithAck('auction:create', {
        roomId: 'show',
        auctionId: `lot-${i}`,
        productId: SNEAKER.id,
        durationSeconds: 5,
        start: i <= 4,
      });
    // four end unsold and settle; the fifth was never started
    clock += 5_000;
    await until(host, 'auction:update', () =>
      [1, 2, 3, 4].every((i) => updates.get(`lot-${i}`)?.settled === true),
    );
    const late = await server.socket({ sub: 'late' });
    const joined = await late.emitWithAck('room:join', { roomId: 'show' });
    const shown = joined.ok && !joined.recovered ? joined.snapshot.auctions : [];
    expect(shown.map((a) => [a.auctionId, a.phase, a.settled])).toEqual([
      ['lot-2', 'unsold', true],
      ['lot-3', 'unsold', true],
      ['lot-4', 'unsold', true],
      ['lot-5', 'scheduled', false],
    ]);
  });
});

describe('auctions through the SDK', () => {
  it('room.auctions bids at the minimum or up to a secret maximum, tells the outbid and the winner, and a resume brings the bids missed', async () => {
    let clock = Date.now();
    const server = await start({}, { now: () => clock });
    const hostClient = await server.client(HOST);
    await hostClient.createStream('show', { title: 'Auction night' });
    const hosting = await hostClient.join('show');
    await hosting.products.upsert(SNEAKER);
    const annClient = await server.client({ sub: 'ann', name: 'Ann' });
    const bobClient = await server.client({ sub: 'bob', name: 'Bob' });
    const ann = await annClient.join('show');
    const bob = await bobClient.join('show');
    const created = await hosting.auctions.create({
      auctionId: 'lot-9',
      productId: SNEAKER.id,
      startingMinor: 2_000,
      durationSeconds: 20,
      start: true,
    });
    expect(created.auction).toMatchObject({ phase: 'live', minimumMinor: 2_000 });
    await until(ann, 'auction:update', () => ann.state.auctions.length === 1);
    expect(ann.auctions.timeLeft('lot-9')).toBeGreaterThan(0);
    // a plain bid: the least amount taken now
    expect(await ann.auctions.bid('lot-9')).toMatchObject({
      outcome: 'leading',
      priceMinor: 2_000,
    });
    await until(bob, 'auction:update', () => bob.state.auctions[0]?.bids === 1);
    expect(bob.state.auctions[0]).toMatchObject({ leader: { name: 'Ann' }, minimumMinor: 2_100 });
    const outbid = nextEvent<ServerPayload<'auction:outbid'>>(ann, 'auction:outbid');
    expect(await bob.auctions.maxBid('lot-9', 4_000)).toMatchObject({
      outcome: 'leading',
      priceMinor: 2_100,
    });
    expect(await outbid).toMatchObject({
      auctionId: 'lot-9',
      priceMinor: 2_100,
      minimumMinor: 2_200,
    });
    expect(await bob.auctions.get('lot-9')).toMatchObject({ myMaxMinor: 4_000 });
    expect(await ann.auctions.get('lot-9')).toMatchObject({ myMaxMinor: null });

    // ann is away while the bidding goes on; her resume brings the auction up to date
    const away = stayAway(annClient);
    const disconnected = nextEvent(annClient, 'disconnected');
    cut(server, 'ann');
    await disconnected;
    const cyClient = await server.client({ sub: 'cy', name: 'Cy' });
    const cy = await cyClient.join('show');
    await until(cy, 'auction:update', () => cy.state.auctions.length === 1);
    expect(await cy.auctions.bid('lot-9', 3_000)).toMatchObject({
      outcome: 'outbid',
      priceMinor: 3_200,
    });
    const resumed = nextEvent(ann, 'room:resumed');
    away.back();
    await resumed;
    expect(ann.state.auctions[0]).toMatchObject({
      bids: 3,
      priceMinor: 3_200,
      leader: { id: 'bob' },
    });

    // the end: bob wins and is told; his hold is at the winning price
    const won = nextEvent<ServerPayload<'auction:update'>>(bob, 'auction:won', undefined, 10_000);
    clock += 20_000;
    const final = await won;
    expect(final).toMatchObject({
      phase: 'sold',
      settled: true,
      settlement: { winnerId: 'bob', priceMinor: 3_200 },
    });
    // the server's clock jumped: the client measures it again before reading the time left
    await bobClient.syncTime(1);
    expect(bob.auctions.timeLeft('lot-9')).toBe(0);
    const { dropId = '', holdId = '' } = final.settlement ?? {};
    expect(await bob.drops.checkout(dropId, holdId)).toMatchObject({ outcome: 'ordered' });
    await until(ann, 'auction:update', () => ann.state.auctions[0]?.settled === true);
  });
});
