import { describe, expect, it } from 'vitest';
import type {
  Ack,
  ChatMessage,
  ClientResponse,
  RoomEvent,
  ServerPayload,
} from '../client-sdk/src/protocol/index.js';
import { collect, eventually, nextEvent, until } from './helpers/events.js';
import { useServers, type RawSocket } from './helpers/server.js';

const start = useServers();
const host = { sub: 'hana', name: 'Hana', role: 'host' as const };

async function openRoom(socket: RawSocket, roomId = 'show') {
  const created = await socket.emitWithAck('stream:create', { roomId, title: 'Spring drop' });
  expect(created.ok).toBe(true);
  const joined = await socket.emitWithAck('room:join', { roomId });
  expect(joined.ok).toBe(true);
  return joined;
}

describe('chat', () => {
  it('round-trips a message with its id and seq, in a batch to everyone in the room', async () => {
    const server = await start();
    const h = await server.socket(host);
    await openRoom(h);
    const viewer = await server.socket({ sub: 'vic', name: 'Vic' });
    expect((await viewer.emitWithAck('room:join', { roomId: 'show' })).ok).toBe(true);

    const batch = nextEvent<ServerPayload<'chat:batch'>>(viewer, 'chat:batch');
    const ack = await viewer.emitWithAck('chat:send', {
      roomId: 'show',
      text: '  Is it waterproof?  ',
    });
    expect(ack).toMatchObject({ ok: true, seq: 2 });
    const got = await batch;
    expect(got).toMatchObject({ roomId: 'show', from: 2, to: 2, skipped: 0 });
    expect(got.messages).toEqual([
      expect.objectContaining({
        seq: 2,
        text: 'Is it waterproof?',
        author: { id: 'vic', name: 'Vic', role: 'viewer' },
      }),
    ]);
    if (ack.ok) expect(got.messages[0]?.id).toBe(ack.id);
  });

  it('gives 20 concurrent senders strictly increasing seqs with no gaps at every receiver', async () => {
    const server = await start({
      CHAT_RATE_BURST: '50',
      CONNECTION_EVENTS_BURST: '200',
      CHAT_BUDGET_PER_TICK: '1000',
    });
    const h = await server.socket(host);
    await openRoom(h);
    const senders = await Promise.all(
      Array.from({ length: 20 }, (_, i) => server.socket({ sub: `sender${i}` })),
    );
    const watchers = await Promise.all([1, 2, 3].map((i) => server.socket({ sub: `watcher${i}` })));
    for (const s of [...senders, ...watchers]) {
      expect((await s.emitWithAck('room:join', { roomId: 'show' })).ok).toBe(true);
    }
    const everyone = [h, ...senders, ...watchers];
    const received = everyone.map((s) => collect<ServerPayload<'chat:batch'>>(s, 'chat:batch'));

    const perSender = 5;
    const total = senders.length * perSender;
    const acks = await Promise.all(
      senders.flatMap((s, i) =>
        Array.from({ length: perSender }, (_, j) =>
          s.emitWithAck('chat:send', { roomId: 'show', text: `m ${i}.${j}` }),
        ),
      ),
    );
    const ackSeqs = acks
      .map((a) => (a.ok && a.status === 'published' ? a.seq : -1))
      .sort((a, b) => a - b);
    expect(ackSeqs).toEqual(range(2, total + 1));

    const seqsOf = (batches: ServerPayload<'chat:batch'>[]) =>
      batches.flatMap((b) => b.messages.map((m) => m.seq));
    await Promise.all(
      everyone.map((s, i) => until(s, 'chat:batch', () => seqsOf(received[i]!).length >= total)),
    );
    for (const batches of received) {
      expect(seqsOf(batches)).toEqual(range(2, total + 1));
      for (const b of batches) expect(b.skipped).toBe(0);
    }
  });

  it('refuses empty, too long and control-character messages with BAD_REQUEST', async () => {
    const server = await start();
    const h = await server.socket(host);
    await openRoom(h);
    for (const [text, why] of [
      ['   ', 'must not be empty'],
      ['x'.repeat(501), 'at most 500'],
      ['bell\u0007', 'control characters'],
      ['spoof\u202Eevil', 'direction overrides'],
      ['half \uD83D an emoji', 'lone surrogates'],
      ['\u200B\u200D\u3164', 'visible characters'],
      ['😀'.repeat(501), 'at most 500'],
    ] as const) {
      const ack = await h.emitWithAck('chat:send', { roomId: 'show', text });
      expect(ack).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST', retryable: false } });
      if (!ack.ok) expect(ack.error.message).toContain(why);
    }
  });

  it('broadcasts text as normalised: emoji sequences whole, invisible characters gone', async () => {
    const server = await start();
    const h = await server.socket(host);
    await openRoom(h);
    const v = await server.socket({ sub: 'vic' });
    await v.emitWithAck('room:join', { roomId: 'show' });
    const batch = nextEvent<ServerPayload<'chat:batch'>>(v, 'chat:batch');
    await h.emitWithAck('chat:send', { roomId: 'show', text: ' 👩\u200D💻 co\u200Bde\u200D ' });
    expect((await batch).messages.map((m) => m.text)).toEqual(['👩\u200D💻 code']);
  });

  it('rate-limits each user with a token bucket and says when to retry', async () => {
    const server = await start({ CHAT_RATE_BURST: '3', CHAT_RATE_PER_SECOND: '0.1' });
    const h = await server.socket(host);
    await openRoom(h);
    const v = await server.socket({ sub: 'vic' });
    await v.emitWithAck('room:join', { roomId: 'show' });
    const acks = [];
    for (let i = 0; i < 4; i++)
      acks.push(await v.emitWithAck('chat:send', { roomId: 'show', text: `hi ${i}` }));
    expect(acks.slice(0, 3).every((a) => a.ok)).toBe(true);
    expect(acks[3]).toMatchObject({ ok: false, error: { code: 'RATE_LIMITED', retryable: true } });
    if (!acks[3]!.ok) expect(acks[3]!.error.retryAfterMs).toBeGreaterThan(5000);

    // a second connection of the same user shares the bucket
    const v2 = await server.socket({ sub: 'vic' });
    await v2.emitWithAck('room:join', { roomId: 'show' });
    expect(await v2.emitWithAck('chat:send', { roomId: 'show', text: 'again' })).toMatchObject({
      ok: false,
      error: { code: 'RATE_LIMITED' },
    });
  });

  it('slow mode: a moderator sets it, viewers wait, staff do not', async () => {
    const server = await start();
    const h = await server.socket(host);
    await openRoom(h);
    const mod = await server.socket({ sub: 'mo', rooms: { show: 'moderator' } });
    const v = await server.socket({ sub: 'vic' });
    await v.emitWithAck('room:join', { roomId: 'show' });
    await mod.emitWithAck('room:join', { roomId: 'show' });

    const notice = nextEvent<ServerPayload<'chat:slow-mode'>>(v, 'chat:slow-mode');
    expect(
      await v.emitWithAck('chat:set-slow-mode', { roomId: 'show', seconds: 30 }),
    ).toMatchObject({
      ok: false,
      error: { code: 'FORBIDDEN' },
    });
    expect(
      await mod.emitWithAck('chat:set-slow-mode', { roomId: 'show', seconds: 30 }),
    ).toMatchObject({ ok: true });
    expect(await notice).toMatchObject({ roomId: 'show', seconds: 30, type: 'chat:slow-mode' });

    expect((await v.emitWithAck('chat:send', { roomId: 'show', text: 'first' })).ok).toBe(true);
    const second = await v.emitWithAck('chat:send', { roomId: 'show', text: 'second' });
    expect(second).toMatchObject({ ok: false, error: { code: 'SLOW_MODE', retryable: true } });
    if (!second.ok) expect(second.error.retryAfterMs).toBeGreaterThan(25_000);
    expect((await mod.emitWithAck('chat:send', { roomId: 'show', text: 'mod 1' })).ok).toBe(true);
    expect((await mod.emitWithAck('chat:send', { roomId: 'show', text: 'mod 2' })).ok).toBe(true);

    const join = await server
      .socket({ sub: 'late' })
      .then((s) => s.emitWithAck('room:join', { roomId: 'show' }));
    expect(join).toMatchObject({ ok: true, snapshot: { slowModeSeconds: 30 } });
  });

  it('deletes with a tombstone, pins and unpins; snapshots reflect both', async () => {
    const server = await start();
    const h = await server.socket(host);
    await openRoom(h);
    const v = await server.socket({ sub: 'vic' });
    await v.emitWithAck('room:join', { roomId: 'show' });
    const a = await v.emitWithAck('chat:send', { roomId: 'show', text: 'keep me' });
    const b = await v.emitWithAck('chat:send', { roomId: 'show', text: 'spam' });
    if (!a.ok || !b.ok) throw new Error('send failed');

    const deleted = nextEvent<ServerPayload<'chat:deleted'>>(v, 'chat:deleted');
    expect(await h.emitWithAck('chat:delete', { roomId: 'show', messageId: b.id })).toMatchObject({
      ok: true,
    });
    expect(await deleted).toMatchObject({ roomId: 'show', messageId: b.id, by: 'hana' });
    expect(await h.emitWithAck('chat:delete', { roomId: 'show', messageId: b.id })).toMatchObject({
      ok: false,
      error: { code: 'MESSAGE_NOT_FOUND' },
    });

    const pinned = nextEvent<ServerPayload<'chat:pinned'>>(v, 'chat:pinned');
    expect(await h.emitWithAck('chat:pin', { roomId: 'show', messageId: a.id })).toMatchObject({
      ok: true,
    });
    expect((await pinned).message).toMatchObject({ id: a.id, text: 'keep me' });

    const late = await server.socket({ sub: 'late' });
    const snap = await late.emitWithAck('room:join', { roomId: 'show' });
    if (!snap.ok || snap.recovered) throw new Error('join failed');
    expect(snap.snapshot.chat.map((m: ChatMessage) => m.text)).toEqual(['keep me']);
    expect(snap.snapshot.pinned.map((m: ChatMessage) => m.id)).toEqual([a.id]);

    const unpinned = nextEvent<ServerPayload<'chat:unpinned'>>(v, 'chat:unpinned');
    expect(await h.emitWithAck('chat:unpin', { roomId: 'show', messageId: a.id })).toMatchObject({
      ok: true,
    });
    expect(await unpinned).toMatchObject({ messageId: a.id });
  });

  it('samples a hot room down to the per-tick budget; the batch states the range it covers', async () => {
    // (a long tick, so the flood lands in few ticks even on a busy machine)
    const server = await start({
      CHAT_BUDGET_PER_TICK: '5',
      TICK_MS: '1000',
      CHAT_RATE_BURST: '100',
      CONNECTION_EVENTS_BURST: '200',
    });
    const h = await server.socket(host);
    const joined = await openRoom(h);
    const v = await server.socket({ sub: 'vic' });
    await v.emitWithAck('room:join', { roomId: 'show' });
    const batches = collect<ServerPayload<'chat:batch'>>(v, 'chat:batch');
    const acks = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        v.emitWithAck('chat:send', { roomId: 'show', text: `flood ${i}` }),
      ),
    );
    expect(acks.every((a) => a.ok)).toBe(true);
    const covered = () => batches.reduce((n, b) => n + (b.to - b.from + 1), 0);
    await until(v, 'chat:batch', () => covered() >= 40);
    expect(batches.some((b) => b.skipped > 0)).toBe(true);
    for (const b of batches) {
      expect(b.messages.length).toBeLessThanOrEqual(5);
      expect(b.messages.length + b.skipped).toBe(b.to - b.from + 1);
    }
    // contiguous ranges: sampling is never a gap
    for (let i = 1; i < batches.length; i++) expect(batches[i]!.from).toBe(batches[i - 1]!.to + 1);
    // the history keeps everything: a resume from before the flood replays all 40
    const late = await server.socket({ sub: 'late' });
    const replay = await late.emitWithAck('room:join', {
      roomId: 'show',
      resume: { epoch: epochOf(joined), lastSeq: 1 },
    });
    expect(replay).toMatchObject({ ok: true, recovered: true });
    const missed = replay.ok && replay.recovered ? replay.missed : [];
    expect(missed.filter((e: RoomEvent) => e.type === 'chat:message')).toHaveLength(40);
  });

  it('the SDK tells the app how many messages a sampled batch skipped', async () => {
    const server = await start({
      CHAT_BUDGET_PER_TICK: '5',
      TICK_MS: '1000',
      CHAT_RATE_BURST: '100',
      CONNECTION_EVENTS_BURST: '200',
    });
    await openRoom(await server.socket(host));
    const viewer = await (await server.client({ sub: 'vic' })).join('show');
    const shown = collect<{ seq: number }>(viewer, 'chat:message');
    const skipped = collect<{ from: number; to: number; skipped: number }>(viewer, 'chat:skipped');
    // a viewer floods (staff messages are never sampled out)
    const fan = await server.socket({ sub: 'fan' });
    await fan.emitWithAck('room:join', { roomId: 'show' });
    const acks = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        fan.emitWithAck('chat:send', { roomId: 'show', text: `flood ${i}` }),
      ),
    );
    expect(acks.every((a) => a.ok)).toBe(true);
    const total = () => shown.length + skipped.reduce((n, s) => n + s.skipped, 0);
    await eventually(() => total() === 40, 10_000);
    expect(skipped.length).toBeGreaterThan(0);
    for (const s of skipped) {
      const inRange = shown.filter((m) => m.seq >= s.from && m.seq <= s.to).length;
      expect(inRange + s.skipped).toBe(s.to - s.from + 1);
    }
  });

  it('sums reactions per tick', async () => {
    const server = await start({ TICK_MS: '200' });
    const h = await server.socket(host);
    await openRoom(h);
    const v = await server.socket({ sub: 'vic' });
    await v.emitWithAck('room:join', { roomId: 'show' });
    const sums = collect<ServerPayload<'reaction:batch'>>(h, 'reaction:batch');
    await Promise.all([
      v.emitWithAck('reaction:send', { roomId: 'show', kind: 'heart' }),
      v.emitWithAck('reaction:send', { roomId: 'show', kind: 'heart', count: 4 }),
      v.emitWithAck('reaction:send', { roomId: 'show', kind: 'fire', count: 2 }),
    ]);
    const total = (kind: 'heart' | 'fire') => sums.reduce((n, s) => n + (s.counts[kind] ?? 0), 0);
    await until(h, 'reaction:batch', () => total('heart') === 5 && total('fire') === 2);
    expect(sums.length).toBeLessThanOrEqual(2);
  });
});

function epochOf(joined: Ack<ClientResponse<'room:join'>>): string {
  if (!joined.ok || joined.recovered) throw new Error('expected a snapshot');
  return joined.snapshot.epoch;
}

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}
