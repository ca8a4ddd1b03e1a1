import { describe, expect, it } from 'vitest';
import type { ServerPayload } from '../client-sdk/src/protocol/index.js';
import { eventually, nextEvent, until } from './helpers/events.js';
import { useServers } from './helpers/server.js';

const start = useServers();
const host = { sub: 'hana', role: 'host' as const };

describe('stream rooms', () => {
  it('a host creates, starts and ends a stream; joiners get a snapshot with server time and seq', async () => {
    const server = await start();
    const h = await server.socket(host);
    const created = await h.emitWithAck('stream:create', {
      roomId: 'spring',
      title: 'Spring drop',
      description: 'New sneakers',
      coverUrl: 'https://cdn.example.com/cover.jpg',
      scheduledAt: Date.now() + 60_000,
    });
    expect(created).toMatchObject({
      ok: true,
      seq: 1,
      stream: { state: 'scheduled', hostId: 'hana', title: 'Spring drop' },
    });

    const v = await server.socket({ sub: 'vic' });
    const before = Date.now();
    const joined = await v.emitWithAck('room:join', { roomId: 'spring' });
    expect(joined).toMatchObject({
      ok: true,
      recovered: false,
      snapshot: {
        roomId: 'spring',
        seq: 1,
        viewers: 1,
        slowModeSeconds: 0,
        chat: [],
        pinned: [],
        role: 'viewer',
        stream: {
          state: 'scheduled',
          description: 'New sneakers',
          coverUrl: 'https://cdn.example.com/cover.jpg',
        },
      },
    });
    if (joined.ok && !joined.recovered) {
      expect(joined.snapshot.serverTime).toBeGreaterThanOrEqual(before);
      expect(joined.snapshot.epoch).toMatch(/\S/);
    }

    const live = nextEvent<ServerPayload<'stream:updated'>>(v, 'stream:updated');
    expect(await h.emitWithAck('stream:start', { roomId: 'spring' })).toMatchObject({
      ok: true,
      seq: 2,
    });
    expect(await live).toMatchObject({ seq: 2, stream: { state: 'live' } });
    expect(await h.emitWithAck('stream:start', { roomId: 'spring' })).toMatchObject({
      ok: true,
      seq: 2,
    });

    const ended = nextEvent<ServerPayload<'stream:updated'>>(v, 'stream:updated');
    expect(await h.emitWithAck('stream:end', { roomId: 'spring' })).toMatchObject({
      ok: true,
      seq: 3,
    });
    expect(await ended).toMatchObject({ seq: 3, stream: { state: 'ended' } });
    expect(await h.emitWithAck('stream:start', { roomId: 'spring' })).toMatchObject({
      ok: false,
      error: { code: 'INVALID_STATE' },
    });
  });

  it('refuses to join a room that does not exist', async () => {
    const server = await start();
    const v = await server.socket({ sub: 'vic' });
    expect(await v.emitWithAck('room:join', { roomId: 'nowhere' })).toMatchObject({
      ok: false,
      error: { code: 'ROOM_NOT_FOUND', retryable: false },
    });
  });

  it('counts viewers on join and leave, coalesced per interval (on the injected clock)', async () => {
    let clock = Date.now();
    const server = await start({ VIEWER_COUNT_INTERVAL_MS: '300' }, { now: () => clock });
    const h = await server.socket(host);
    await h.emitWithAck('stream:create', { roomId: 'count', title: 'Count' });
    const counts: number[] = [];
    h.on('room:viewers', (e) => counts.push(e.count));
    await h.emitWithAck('room:join', { roomId: 'count' });
    // the first count goes out at once (maybe before the join's ack); later ones wait for the
    // interval on the server's clock
    await until(h, 'room:viewers', () => counts.length > 0);
    const first = counts.length;
    const viewers = await Promise.all([1, 2, 3, 4, 5].map((i) => server.socket({ sub: `v${i}` })));
    for (const v of viewers) await v.emitWithAck('room:join', { roomId: 'count' });
    clock += 300;
    await nextEvent<ServerPayload<'room:viewers'>>(h, 'room:viewers', (e) => e.count === 6);

    expect(await viewers[0]!.emitWithAck('room:leave', { roomId: 'count' })).toMatchObject({
      ok: true,
    });
    viewers[1]!.disconnect();
    await eventually(() => server.app.internals.registry.get('count')?.members.size === 4);
    clock += 300;
    await nextEvent<ServerPayload<'room:viewers'>>(h, 'room:viewers', (e) => e.count === 4);
    // five joins and two leaves came out as one update per interval that passed
    expect(counts.slice(first)).toEqual([6, 4]);
  });

  it('creates a room once however many create requests race; it belongs to the one that won', async () => {
    const server = await start();
    const hosts = await Promise.all(
      [1, 2, 3, 4, 5, 6].map((i) => server.socket({ sub: `host${i}`, role: 'host' })),
    );
    const results = await Promise.all(
      hosts.map((h, i) => h.emitWithAck('stream:create', { roomId: 'race', title: `t${i}` })),
    );
    const won = results.flatMap((r, i) => (r.ok ? [i] : []));
    expect(won).toHaveLength(1);
    expect(results[won[0]!]).toMatchObject({ ok: true, seq: 1 });
    // the others were hosts of nothing there: refused, not applied as edits
    for (const r of results.filter((x) => !x.ok))
      expect(r).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    const room = await server.app.internals.registry.find('race');
    expect(room?.stream.info).toMatchObject({ hostId: `host${won[0]! + 1}`, title: `t${won[0]!}` });

    // one host's own racing requests: one creation, then each an edit with its own seq
    const own = await Promise.all(
      [1, 2, 3, 4].map((i) =>
        hosts[0]!.emitWithAck('stream:create', { roomId: 'mine', title: `m${i}` }),
      ),
    );
    expect(own.map((r) => (r.ok ? r.seq : 0)).sort((a, b) => a - b)).toEqual([1, 2, 3, 4]);
  });

  it('lets go of an empty room; an ended one stays joinable for its retention, then is gone', async () => {
    for (const retain of ['3600', '0']) {
      const server = await start({ ROOM_RETAIN_ENDED_SECONDS: retain });
      const { registry } = server.app.internals;
      const h = await server.socket(host);
      await h.emitWithAck('stream:create', { roomId: 'bye', title: 'Bye' });
      const v = await server.socket({ sub: 'vic' });
      await v.emitWithAck('room:join', { roomId: 'bye' });
      await h.emitWithAck('stream:end', { roomId: 'bye' });
      expect(registry.get('bye')).toBeDefined(); // a viewer is still there
      const first = registry.get('bye');
      v.disconnect();
      await eventually(() => registry.get('bye') === undefined);
      const late = await h.emitWithAck('room:join', { roomId: 'bye' });
      if (retain === '0') {
        expect(late).toMatchObject({ ok: false, error: { code: 'ROOM_NOT_FOUND' } });
        // the id can be used again: a new room with a new epoch
        await h.emitWithAck('stream:create', { roomId: 'bye', title: 'Again' });
        expect((await registry.find('bye'))?.epoch).not.toBe(first?.epoch);
      } else {
        // a late viewer still learns how the show ended
        expect(late).toMatchObject({
          ok: true,
          recovered: false,
          snapshot: { epoch: first?.epoch, stream: { state: 'ended' } },
        });
      }
    }
  });

  it('limits the rooms one connection may join', async () => {
    const server = await start({ MAX_ROOMS_PER_CONNECTION: '2' });
    const h = await server.socket(host);
    for (const id of ['a', 'b', 'c'])
      await h.emitWithAck('stream:create', { roomId: id, title: id });
    expect((await h.emitWithAck('room:join', { roomId: 'a' })).ok).toBe(true);
    expect((await h.emitWithAck('room:join', { roomId: 'b' })).ok).toBe(true);
    expect((await h.emitWithAck('room:join', { roomId: 'a' })).ok).toBe(true);
    expect(await h.emitWithAck('room:join', { roomId: 'c' })).toMatchObject({
      ok: false,
      error: { code: 'TOO_MANY_ROOMS' },
    });
  });
});
