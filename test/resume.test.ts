import { describe, expect, it } from 'vitest';
import type { Room } from '../client-sdk/src/index.js';
import type { RoomSnapshot } from '../client-sdk/src/protocol/index.js';
import { collect, nextEvent, until } from './helpers/events.js';
import { SNEAKER } from './helpers/products.js';
import { cut, stayAway } from './helpers/clients.js';
import { useServers, type TestServer } from './helpers/server.js';

const start = useServers();

async function showWithChat(server: TestServer) {
  const host = await server.client({ sub: 'hana', role: 'host' });
  await host.createStream('show', { title: 'Show' });
  return host.join('show');
}

function texts(room: Room) {
  return collect<{ text: string; seq: number }>(room, 'chat:message');
}

describe('resume', () => {
  it('after a forced disconnect the SDK delivers exactly the missed messages, once and in order', async () => {
    const server = await start({ CHAT_RATE_BURST: '100' });
    const host = await showWithChat(server);
    const viewer = await server.client({ sub: 'vic' });
    const room = await viewer.join('show');
    const got = texts(room);

    await host.chat.send('before 1');
    await host.chat.send('before 2');
    await until(room, 'chat:message', () => got.length === 2);

    const disconnected = nextEvent(viewer, 'disconnected');
    const away = stayAway(viewer);
    cut(server, 'vic');
    await disconnected;
    expect(viewer.connected).toBe(false);
    for (let i = 1; i <= 5; i++) await host.chat.send(`missed ${i}`);
    await host.chat.pin((await host.chat.send('pin me')).id);
    away.back();

    const resumed = await nextEvent<{ missed: number }>(room, 'room:resumed');
    expect(resumed).toEqual({ missed: 7 });
    expect(room.state.pinned.map((m) => m.text)).toEqual(['pin me']);
    expect(room.state.chat.at(-1)?.text).toBe('pin me');
    await host.chat.send('after');
    await until(room, 'chat:message', () => got.length === 9);
    expect(got.map((m) => m.text)).toEqual([
      'before 1',
      'before 2',
      'missed 1',
      'missed 2',
      'missed 3',
      'missed 4',
      'missed 5',
      'pin me',
      'after',
    ]);
    const seqs = got.map((m) => m.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
  });

  it('brings a resumed client the stock it missed (stock updates are not in the log)', async () => {
    const server = await start({ CHAT_RATE_BURST: '100' });
    const host = await showWithChat(server);
    await host.products.upsert(SNEAKER);
    await host.drops.create({
      dropId: 'd1',
      productId: SNEAKER.id,
      quantity: 10,
      durationSeconds: 600,
    });
    const viewer = await server.client({ sub: 'vic' });
    const room = await viewer.join('show');
    expect(room.state.drops[0]).toMatchObject({ remaining: 10, sold: 0 });

    // the viewer stays away until the sale is made
    const away = stayAway(viewer);
    const disconnected = nextEvent(viewer, 'disconnected');
    cut(server, 'vic');
    await disconnected;
    const buyer = await (await server.client({ sub: 'bea' })).join('show');
    const claim = await buyer.drops.claim('d1');
    if (claim.outcome !== 'held') throw new Error('no hold');
    expect(await buyer.drops.checkout('d1', claim.holdId)).toMatchObject({ outcome: 'ordered' });
    // the room has been sent the sale while the viewer was away
    await until(host, 'drop:stock', () => host.state.drops[0]?.sold === 1);

    const stock = collect<{ sold: number }>(room, 'drop:stock');
    const resumed = nextEvent(room, 'room:resumed');
    away.back();
    await resumed;
    expect(room.state.drops[0]).toMatchObject({ remaining: 9, sold: 1 });
    expect(stock.at(-1)).toMatchObject({ sold: 1 });
  });

  it('answers recovered: false with a fresh snapshot when the history no longer holds the gap', async () => {
    const server = await start({
      HISTORY_LENGTH: '10',
      REPLAY_LIMIT: '10',
      CHAT_RATE_BURST: '100',
    });
    const host = await showWithChat(server);
    const viewer = await server.client({ sub: 'vic' });
    const room = await viewer.join('show');
    const snapshots = collect<RoomSnapshot>(room, 'room:snapshot');

    const disconnected = nextEvent(viewer, 'disconnected');
    const away = stayAway(viewer);
    cut(server, 'vic');
    await disconnected;
    for (let i = 0; i < 25; i++) await host.chat.send(`m${i}`);
    away.back();
    await until(room, 'room:snapshot', () => snapshots.length === 1);
    expect(snapshots[0]!.chat.at(-1)?.text).toBe('m24');
    expect(snapshots[0]!.seq).toBe(26); // the stream's creation, then 25 messages
    expect(room.state.seq).toBe(26);
    expect(room.state.chat.at(-1)?.text).toBe('m24');
  });

  it('a resume point from another epoch of the room is not recovered', async () => {
    const server = await start();
    const h = await server.socket({ sub: 'hana', role: 'host' });
    await h.emitWithAck('stream:create', { roomId: 'r', title: 'Show' });
    const joined = await h.emitWithAck('room:join', {
      roomId: 'r',
      resume: { epoch: 'old-epoch', lastSeq: 0 },
    });
    expect(joined).toMatchObject({ ok: true, recovered: false, snapshot: { seq: 1 } });
    const epoch = joined.ok && !joined.recovered ? joined.snapshot.epoch : '';
    const resumed = await h.emitWithAck('room:join', {
      roomId: 'r',
      resume: { epoch, lastSeq: 0 },
    });
    expect(resumed).toMatchObject({
      ok: true,
      recovered: true,
      missed: [{ type: 'stream:updated', seq: 1 }],
    });
    const ahead = await h.emitWithAck('room:join', { roomId: 'r', resume: { epoch, lastSeq: 99 } });
    expect(ahead).toMatchObject({ ok: true, recovered: false });
  });

  it('the SDK fills a gap in live delivery (a socket that lost its feed) from history', async () => {
    const server = await start({ CHAT_RATE_BURST: '100' });
    const host = await showWithChat(server);
    const viewer = await server.client({ sub: 'vic' });
    const room = await viewer.join('show');
    const got = texts(room);
    const session = [...server.app.internals.io.of('/').sockets.values()].find(
      (s) => s.data.session.identity.id === 'vic',
    )!.data.session;

    session.setFeed(false, Date.now());
    await host.chat.send('unseen 1');
    await host.chat.send('unseen 2');
    session.setFeed(true, Date.now());
    await host.chat.send('seen');
    await until(room, 'chat:message', () => got.length === 3);
    expect(got.map((m) => m.text)).toEqual(['unseen 1', 'unseen 2', 'seen']);
  });
});
