import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { verifyLottery, type DropResult, type LotteryDraw } from '../client-sdk/src/index.js';
import type { ServerPayload } from '../client-sdk/src/protocol/index.js';
import { collect, nextEvent, until } from './helpers/events.js';
import { SNEAKER } from './helpers/products.js';
import { useRedis } from './helpers/redis.js';
import { startNodes, useServers, type RawSocket, type TestServer } from './helpers/server.js';

const redis = useRedis();
const start = useServers();
const host = { sub: 'hana', role: 'host' } as const;
const host_ = host;

type Stock = ServerPayload<'drop:stock'>;

async function showWithDrop(servers: TestServer[], quantity: number, viewers: number) {
  const h = await servers[0]!.socket(host);
  await h.emitWithAck('stream:create', { roomId: 'show', title: 'Show' });
  await h.emitWithAck('room:join', { roomId: 'show' });
  expect(await h.emitWithAck('product:upsert', { roomId: 'show', product: SNEAKER })).toMatchObject(
    { ok: true },
  );
  const created = await h.emitWithAck('drop:create', {
    roomId: 'show',
    dropId: 'sneaker',
    productId: 'sku-1',
    quantity,
    durationSeconds: 600,
  });
  expect(created).toMatchObject({
    ok: true,
    created: true,
    stock: { dropId: 'sneaker', state: 'live', quantity, remaining: quantity, held: 0, sold: 0 },
  });
  const sockets: RawSocket[] = [];
  for (let i = 0; i < viewers; i++) {
    const socket = await servers[i % servers.length]!.socket({ sub: `buyer${i}` });
    const joined = await socket.emitWithAck('room:join', { roomId: 'show' });
    if (!joined.ok) throw new Error(joined.error.message);
    sockets.push(socket);
  }
  return { h, sockets };
}

const key = (i: number) => `claim-key-${i}-0001`;

describe('drops over sockets', () => {
  it.each([
    ['memory engine', () => Promise.all([start()])],
    ['Redis, two nodes', () => startNodes(start, redis, 2, { CONNECTION_EVENTS_BURST: '1000' })],
  ])(
    'a burst of claims gets exactly the stock, everyone sees it sell out, late joiners see it too (%s)',
    async (_engine, nodes) => {
      const servers = await nodes();
      const { sockets } = await showWithDrop(servers, 10, 30);
      const seen = sockets.map(() => [] as Stock[]);
      sockets.forEach((s, i) => s.on('drop:stock', (stock: Stock) => seen[i]!.push(stock)));
      const answers = await Promise.all(
        sockets.map((s, i) =>
          s.emitWithAck('drop:claim', {
            roomId: 'show',
            dropId: 'sneaker',
            idempotencyKey: key(i),
          }),
        ),
      );
      const outcomes = answers.map((a) => (a.ok ? a.outcome : a.error.code));
      expect(outcomes.filter((o) => o === 'held')).toHaveLength(10);
      expect(outcomes.filter((o) => o === 'sold_out')).toHaveLength(20);
      // a retried claim gets its first answer
      const again = await sockets[0]!.emitWithAck('drop:claim', {
        roomId: 'show',
        dropId: 'sneaker',
        idempotencyKey: key(0),
      });
      expect(again).toEqual(answers[0]);
      for (const [i, socket] of sockets.entries())
        await until(socket, 'drop:stock', () => seen[i]!.at(-1)?.state === 'sold_out');
      const late = await servers.at(-1)!.socket({ sub: 'late' });
      expect(await late.emitWithAck('room:join', { roomId: 'show' })).toMatchObject({
        ok: true,
        snapshot: { drops: [{ dropId: 'sneaker', state: 'sold_out', remaining: 0, held: 10 }] },
      });
    },
  );

  it('checks out a hold into one order, and cancelling returns the unit to everyone', async () => {
    const server = await start();
    const { sockets } = await showWithDrop([server], 2, 2);
    const [a, b] = sockets as [RawSocket, RawSocket];
    const held = await a.emitWithAck('drop:claim', {
      roomId: 'show',
      dropId: 'sneaker',
      idempotencyKey: key(1),
    });
    if (!held.ok || held.outcome !== 'held') throw new Error('claim failed');
    const order = {
      roomId: 'show',
      dropId: 'sneaker',
      holdId: held.holdId,
      idempotencyKey: key(2),
    };
    const ordered = await a.emitWithAck('drop:checkout', order);
    expect(ordered).toMatchObject({ ok: true, outcome: 'ordered', holdId: held.holdId });
    expect(await a.emitWithAck('drop:checkout', order)).toEqual(ordered);
    // someone else's hold is not theirs to check out
    expect(
      await b.emitWithAck('drop:checkout', { ...order, idempotencyKey: key(3) }),
    ).toMatchObject({
      ok: true,
      outcome: 'not_found',
    });
    const second = await b.emitWithAck('drop:claim', {
      roomId: 'show',
      dropId: 'sneaker',
      idempotencyKey: key(4),
    });
    if (!second.ok || second.outcome !== 'held') throw new Error('claim failed');
    const stocks: Stock[] = [];
    a.on('drop:stock', (s: Stock) => stocks.push(s));
    expect(
      await b.emitWithAck('drop:cancel', {
        roomId: 'show',
        dropId: 'sneaker',
        holdId: second.holdId,
      }),
    ).toEqual({ ok: true, outcome: 'cancelled' });
    await until(a, 'drop:stock', () => stocks.at(-1)?.remaining === 1);
    expect(stocks.at(-1)).toMatchObject({ state: 'live', remaining: 1, held: 0, sold: 1 });
    expect(await server.app.internals.engine.inventory.orders('sneaker')).toHaveLength(1);
  });

  it('refuses what roles and rooms do not allow, with codes', async () => {
    const server = await start({ AUTH_ALLOW_ANONYMOUS: 'true' });
    const { sockets } = await showWithDrop([server], 1, 1);
    const create = {
      roomId: 'show',
      dropId: 'x',
      productId: 'sku-1',
      quantity: 1,
      durationSeconds: 60,
    };
    expect(await sockets[0]!.emitWithAck('drop:create', create)).toMatchObject({
      ok: false,
      error: { code: 'FORBIDDEN' },
    });
    const claim = { roomId: 'show', dropId: 'sneaker', idempotencyKey: key(9) };
    const stranger = await server.socket({ sub: 'stranger' });
    expect(await stranger.emitWithAck('drop:claim', claim)).toMatchObject({
      ok: false,
      error: { code: 'NOT_IN_ROOM' },
    });
    const anonymous = await server.socket(null);
    await anonymous.emitWithAck('room:join', { roomId: 'show' });
    expect(await anonymous.emitWithAck('drop:claim', claim)).toMatchObject({
      ok: false,
      error: { code: 'AUTH_REQUIRED' },
    });
    expect(
      await sockets[0]!.emitWithAck('drop:claim', { ...claim, dropId: 'missing' }),
    ).toMatchObject({ ok: false, error: { code: 'DROP_NOT_FOUND' } });
    // another room's drop is neither sold nor taken over through this room
    const other = await server.socket({ sub: 'otto', role: 'host' });
    await other.emitWithAck('stream:create', { roomId: 'other', title: 'Other' });
    await other.emitWithAck('room:join', { roomId: 'other' });
    // a drop of a product the stream does not list
    expect(
      await other.emitWithAck('drop:create', { ...create, roomId: 'other', dropId: 'fresh' }),
    ).toMatchObject({ ok: false, error: { code: 'PRODUCT_NOT_FOUND' } });
    await other.emitWithAck('product:upsert', { roomId: 'other', product: SNEAKER });
    expect(
      await other.emitWithAck('drop:create', { ...create, roomId: 'other', dropId: 'sneaker' }),
    ).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } });
    expect(await other.emitWithAck('drop:claim', { ...claim, roomId: 'other' })).toMatchObject({
      ok: false,
      error: { code: 'DROP_NOT_FOUND' },
    });
  });

  it('the SDK claims, checks out and hears the stock', async () => {
    const server = await start();
    const host = await server.client({ sub: 'hana', role: 'host' });
    await host.createStream('show', { title: 'Show' });
    const hosting = await host.join('show');
    await hosting.products.upsert({ ...SNEAKER, id: 'sku-cap', title: 'Cap' });
    const created = await hosting.drops.create({
      dropId: 'cap',
      productId: 'sku-cap',
      quantity: 1,
      durationSeconds: 600,
    });
    expect(created).toMatchObject({ created: true, stock: { state: 'live', remaining: 1 } });
    const buyer = await server.client({ sub: 'bea' });
    const room = await buyer.join('show');
    expect(room.state.drops).toEqual([created.stock]);
    const stocks: Stock[] = [];
    room.on('drop:stock', (stock) => stocks.push(stock));
    const results = collect<DropResult>(room, 'drop:result');
    const held = await room.drops.claim('cap');
    if (held.outcome !== 'held') throw new Error(`claim: ${held.outcome}`);
    expect(results).toEqual([{ dropId: 'cap', action: 'claim', result: held }]);
    expect(await room.drops.claim('cap')).toEqual({ outcome: 'sold_out' });
    await until(room, 'drop:stock', () => stocks.at(-1)?.state === 'sold_out');
    expect(room.state.drops[0]).toMatchObject({ state: 'sold_out', held: 1 });
    expect(await room.drops.checkout('cap', held.holdId)).toMatchObject({ outcome: 'ordered' });
    await until(room, 'drop:stock', () => stocks.at(-1)?.sold === 1);
    expect(room.state.drops[0]).toMatchObject({ sold: 1, held: 0 });
    expect(await room.drops.cancel('cap', held.holdId)).toMatchObject({ outcome: 'ordered' });

    // with no webhook, orders are still recorded, and listed over HTTP for an admin token
    const token = await server.token({ sub: 'merchant-backend', role: 'admin' });
    const get = async (path: string) =>
      (
        await fetch(`${server.url}${path}`, { headers: { authorization: `Bearer ${token}` } })
      ).json();
    expect(await get('/v1/drops/cap/orders')).toEqual({
      ok: true,
      orders: [
        {
          orderId: expect.any(String),
          dropId: 'cap',
          holdId: held.holdId,
          buyerId: 'bea',
          at: expect.any(Number),
        },
      ],
    });
    await server.app.internals.relay.sweep();
    const { events } = (await get('/v1/merchant/events')) as {
      events: { type: string; data: object }[];
    };
    expect(events.map((e) => [e.type, 'state' in e.data ? e.data.state : null])).toEqual([
      ['drop.state', 'live'],
      ['drop.state', 'sold_out'],
      ['order.created', null],
    ]);
    expect(events[2]?.data).toMatchObject({
      dropId: 'cap',
      roomId: 'show',
      buyerId: 'bea',
      productId: 'sku-cap',
      sku: 'SNK-42',
      title: 'Cap',
      price: { amountMinor: 12_900, currency: 'EUR' },
      quantity: 1,
    });
  });

  it('anti-scalping: a minimum presence before a claim counts, and a claim rate per account', async () => {
    // the server's clock is the test's: presence is counted on it, not on the wall
    let clock = Date.now();
    const server = await start(
      { CLAIM_RATE_BURST: '2', CLAIM_RATE_PER_SECOND: '0.01' },
      { now: () => clock },
    );
    const h = await server.socket(host);
    await h.emitWithAck('stream:create', { roomId: 'show', title: 'Show' });
    await h.emitWithAck('room:join', { roomId: 'show' });
    await h.emitWithAck('product:upsert', { roomId: 'show', product: SNEAKER });
    const create = { roomId: 'show', productId: 'sku-1', quantity: 5, durationSeconds: 600 };
    await h.emitWithAck('drop:create', { ...create, dropId: 'patient', minPresenceSeconds: 1 });
    await h.emitWithAck('drop:create', { ...create, dropId: 'open' });

    const late = await server.socket({ sub: 'latecomer' });
    clock += 5000;
    const arrived = clock;
    const joined = await late.emitWithAck('room:join', { roomId: 'show' });
    if (!joined.ok || joined.recovered) throw new Error('join failed');
    expect(joined.snapshot.serverTime).toBe(arrived);
    const claim = { roomId: 'show', dropId: 'patient', idempotencyKey: key(1) };
    clock += 999;
    const early = await late.emitWithAck('drop:claim', claim);
    expect(early).toMatchObject({ ok: true, outcome: 'not_eligible', eligibleAt: arrived + 1000 });
    // the same tap counts once the buyer has been here long enough
    clock = arrived + 1000;
    expect(await late.emitWithAck('drop:claim', claim)).toMatchObject({
      ok: true,
      outcome: 'held',
    });

    // a scripted buyer runs out of claims; a retry of an answered claim still gets its answer
    const bot = await server.socket({ sub: 'bot' });
    await bot.emitWithAck('room:join', { roomId: 'show' });
    const claims = [key(2), key(3), key(4)].map((k) => ({
      roomId: 'show',
      dropId: 'open',
      idempotencyKey: k,
    }));
    const first = await bot.emitWithAck('drop:claim', claims[0]!);
    expect(first).toMatchObject({ ok: true, outcome: 'held' });
    expect(await bot.emitWithAck('drop:claim', claims[1]!)).toMatchObject({
      ok: true,
      outcome: 'limit_reached',
    });
    expect(await bot.emitWithAck('drop:claim', claims[2]!)).toMatchObject({
      ok: false,
      error: { code: 'RATE_LIMITED', retryable: true },
    });
    expect(await bot.emitWithAck('drop:claim', claims[0]!)).toEqual(first);
  });

  it('a lottery: entries during the window, a draw anyone can recompute from the revealed seed', async () => {
    // the window is one second of the server's clock, which the test moves on when it is ready
    let clock = Date.now();
    const server = await start({}, { now: () => clock });
    const host = await server.client(host_);
    await host.createStream('show', { title: 'Show' });
    const hosting = await host.join('show');
    await hosting.products.upsert(SNEAKER);
    const clients = await Promise.all(
      Array.from({ length: 12 }, (_, i) => server.client({ sub: `fan${i}` })),
    );
    const buyers = [];
    for (const c of clients) buyers.push(await c.join('show'));
    const created = await hosting.drops.create({
      dropId: 'raffle',
      productId: SNEAKER.id,
      quantity: 4,
      durationSeconds: 1,
      mode: 'lottery',
    });
    const seedHash = created.stock.lottery?.seedHash ?? '';
    expect(created.stock).toMatchObject({
      mode: 'lottery',
      lottery: { entries: 0, drawn: false, seed: null },
    });
    expect(seedHash).toMatch(/^[0-9a-f]{64}$/);
    const entries = await Promise.all(buyers.map((b) => b.drops.claim('raffle')));
    const sha = (text: string) => createHash('sha256').update(text).digest('hex');
    entries.forEach((e, i) =>
      expect(e).toEqual({ outcome: 'entered', ticket: sha(`raffle:fan${i}`).slice(0, 32) }),
    );
    // entering again changes nothing
    expect(await buyers[0]!.drops.claim('raffle')).toEqual(entries[0]);

    // the window closes; the server draws and reveals the seed, and the SDK fetches each entrant's result
    clock += 1000;
    const delivered = nextEvent<LotteryDraw>(buyers[1]!, 'drop:lottery', undefined, 10_000);
    const stocks: Stock[] = [];
    buyers[0]!.on('drop:stock', (s) => stocks.push(s));
    await until(buyers[0]!, 'drop:stock', () => stocks.at(-1)?.lottery?.drawn === true, 10_000);
    const draw = await buyers[0]!.drops.lottery('raffle');
    expect(draw).toMatchObject({ drawn: true, seedHash, quantity: 4 });
    const seed = draw.seed ?? '';

    // recomputed here, independently of the server and the SDK
    expect(sha(seed)).toBe(seedHash);
    const tickets = entries.map((e) => (e.outcome === 'entered' ? e.ticket : ''));
    expect([...draw.tickets].sort()).toEqual([...tickets].sort());
    const expected = [...tickets]
      .sort((a, b) => (sha(`${seed}:${a}`) < sha(`${seed}:${b}`) ? -1 : 1))
      .slice(0, 4);
    expect(draw.winners).toEqual(expected);
    expect(await verifyLottery(draw, 'fan0')).toEqual({ ok: true });
    expect(await delivered).toMatchObject({
      drawn: true,
      winners: draw.winners,
      mine: { ticket: tickets[1] },
    });
    expect(await verifyLottery({ ...draw, winners: [...draw.winners].reverse() })).toMatchObject({
      ok: false,
    });
    expect(await verifyLottery({ ...draw, seed: `${seed}0` })).toMatchObject({ ok: false });

    // every winner holds a unit and can check it out; the others hold nothing
    for (const [i, buyer] of buyers.entries()) {
      const mine = (await buyer.drops.lottery('raffle')).mine;
      const won = expected.includes(tickets[i] ?? '');
      expect(mine).toMatchObject({ ticket: tickets[i], won });
      if (won && mine?.holdId)
        expect(await buyer.drops.checkout('raffle', mine.holdId)).toMatchObject({
          outcome: 'ordered',
        });
      else expect(mine?.holdId).toBeNull();
    }
    expect(await server.app.internals.engine.inventory.stock('raffle', clock)).toMatchObject({
      state: 'ended',
      remaining: 0,
      held: 0,
      sold: 4,
    });
  });
});
