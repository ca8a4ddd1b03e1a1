import { describe, expect, it } from 'vitest';
import type { ServerPayload } from '../client-sdk/src/protocol/index.js';
import { collect, eventually, eventuallyAsync, until } from './helpers/events.js';
import { useRedis, useRedisCluster } from './helpers/redis.js';
import { startNodes, useServers, type RawSocket, type TestServer } from './helpers/server.js';

const redis = useRedis();
const redisCluster = useRedisCluster();
const start = useServers();

/** `count` server nodes sharing one Redis (or a Redis Cluster). */
const nodes = (
  count: number,
  env: Record<string, string> = {},
  on: { url: string; prefix(): string } = redis,
) => startNodes(start, on, count, env);

const host = { sub: 'hana', role: 'host' } as const;

async function joined(server: TestServer, sub: string, roomId = 'show'): Promise<RawSocket> {
  const socket = await server.socket({ sub });
  const ack = await socket.emitWithAck('room:join', { roomId });
  if (!ack.ok) throw new Error(ack.error.message);
  return socket;
}

/** The chat seqs a socket received, checking that batches follow each other without a gap. */
function chatSeqs(socket: RawSocket) {
  const seqs: number[] = [];
  const texts: string[] = [];
  let last = 0;
  const gaps: string[] = [];
  socket.on('chat:batch', (batch: ServerPayload<'chat:batch'>) => {
    if (last > 0 && batch.from !== last + 1) gaps.push(`${last} → ${batch.from}`);
    last = batch.to;
    for (const m of batch.messages) {
      seqs.push(m.seq);
      texts.push(m.text);
    }
  });
  return { seqs, texts, gaps };
}

describe('three nodes on one Redis act as one server', () => {
  it.each([
    ['one Redis', () => nodes(3)],
    ['a three-master Redis Cluster', () => nodes(3, { REDIS_CLUSTER: 'true' }, redisCluster)],
  ])(
    'delivers chat sent on every node to viewers on every node, in one order with no gaps (%s)',
    async (_name, cluster) => {
      const [a, b, c] = (await cluster()) as [TestServer, TestServer, TestServer];
      const h = await a.socket(host);
      expect(await h.emitWithAck('stream:create', { roomId: 'show', title: 'Show' })).toMatchObject(
        {
          ok: true,
          seq: 1,
        },
      );
      const viewers = [await joined(a, 'va'), await joined(b, 'vb'), await joined(c, 'vc')];
      const received = viewers.map(chatSeqs);
      const senders = [await joined(a, 'sa'), await joined(b, 'sb'), await joined(c, 'sc')];
      const acks = await Promise.all(
        senders.flatMap((s, n) =>
          Array.from({ length: 30 }, (_, i) =>
            s.emitWithAck('chat:send', { roomId: 'show', text: `n${n} m${i}` }),
          ),
        ),
      );
      expect(acks.every((ack) => ack.ok)).toBe(true);
      const expected = Array.from({ length: 90 }, (_, i) => i + 2);
      for (const r of received) await eventually(() => r.seqs.length === 90);
      for (const r of received) {
        expect(r.seqs).toEqual(expected);
        expect(r.gaps).toEqual([]);
        expect(r.texts).toEqual(received[0]?.texts);
      }
    },
  );

  it('sums the viewer count over the nodes, and every node shows the sum', async () => {
    const [a, b, c] = (await nodes(3)) as [TestServer, TestServer, TestServer];
    const h = await a.socket(host);
    await h.emitWithAck('stream:create', { roomId: 'show', title: 'Show' });
    const watchers = [await joined(a, 'va'), await joined(b, 'vb'), await joined(c, 'vc')];
    const counts = watchers.map((s) => collect<{ count: number }>(s, 'room:viewers'));
    await joined(b, 'vb2');
    await joined(c, 'vc2');
    for (const [i, seen] of counts.entries())
      await until(watchers[i]!, 'room:viewers', () => seen.at(-1)?.count === 5);
    const snapshot = await (
      await c.socket({ sub: 'late' })
    ).emitWithAck('room:join', {
      roomId: 'show',
    });
    expect(snapshot).toMatchObject({ ok: true, snapshot: { viewers: 6 } });
    watchers[1]!.disconnect();
    await until(watchers[0]!, 'room:viewers', () => counts[0]!.at(-1)?.count === 5);
  });

  it('resumes on another node with exactly the missed events', async () => {
    const [a, b, c] = (await nodes(3)) as [TestServer, TestServer, TestServer];
    const h = await a.socket(host);
    await h.emitWithAck('stream:create', { roomId: 'show', title: 'Show' });
    await h.emitWithAck('room:join', { roomId: 'show' });
    const viewer = await b.socket({ sub: 'vic' });
    const first = await viewer.emitWithAck('room:join', { roomId: 'show' });
    if (!first.ok || first.recovered) throw new Error('join failed');
    viewer.disconnect();
    for (let i = 1; i <= 5; i++)
      await h.emitWithAck('chat:send', { roomId: 'show', text: `m${i}` });
    const again = await c.socket({ sub: 'vic' });
    const resumed = await again.emitWithAck('room:join', {
      roomId: 'show',
      resume: { epoch: first.snapshot.epoch, lastSeq: first.snapshot.seq },
    });
    expect(resumed).toMatchObject({ ok: true, recovered: true, seq: 6 });
    if (!resumed.ok || !resumed.recovered) return;
    expect(resumed.missed.map((e) => (e.type === 'chat:message' ? e.text : e.type))).toEqual([
      'm1',
      'm2',
      'm3',
      'm4',
      'm5',
    ]);
  });

  it('shares rate limits and slow mode: two connections on two nodes get one budget', async () => {
    const [a, b] = (await nodes(2, { CHAT_RATE_BURST: '3', CHAT_RATE_PER_SECOND: '0.01' })) as [
      TestServer,
      TestServer,
    ];
    const h = await a.socket(host);
    await h.emitWithAck('stream:create', { roomId: 'show', title: 'Show' });
    const tabs = [await joined(a, 'sam'), await joined(b, 'sam')];
    const results = [];
    for (let i = 0; i < 6; i++)
      results.push(await tabs[i % 2]!.emitWithAck('chat:send', { roomId: 'show', text: `${i}` }));
    expect(results.map((r) => (r.ok ? 'ok' : r.error.code))).toEqual([
      'ok',
      'ok',
      'ok',
      'RATE_LIMITED',
      'RATE_LIMITED',
      'RATE_LIMITED',
    ]);

    await h.emitWithAck('room:join', { roomId: 'show' });
    expect(
      await h.emitWithAck('chat:set-slow-mode', { roomId: 'show', seconds: 30 }),
    ).toMatchObject({ ok: true });
    const slow = [await joined(a, 'sue'), await joined(b, 'sue')];
    // node b learns of slow mode through Redis; wait until its replica has it
    const probe = await b.socket({ sub: 'probe' });
    await eventuallyAsync(async () => {
      const ack = await probe.emitWithAck('room:join', { roomId: 'show' });
      return ack.ok && !ack.recovered && ack.snapshot.slowModeSeconds === 30;
    });
    const first = await slow[0]!.emitWithAck('chat:send', {
      roomId: 'show',
      text: 'one',
      clientMsgId: 'k1',
    });
    expect(first).toMatchObject({ ok: true });
    expect(await slow[1]!.emitWithAck('chat:send', { roomId: 'show', text: 'two' })).toMatchObject({
      ok: false,
      error: { code: 'SLOW_MODE' },
    });
    // a retry of the first send (its answer lost) on the other node is not a new message
    expect(
      await slow[1]!.emitWithAck('chat:send', { roomId: 'show', text: 'one', clientMsgId: 'k1' }),
    ).toEqual(first);
  });

  it('applies racing control changes from different nodes one at a time', async () => {
    const [a, b, c] = (await nodes(3)) as [TestServer, TestServer, TestServer];
    const h = await a.socket(host);
    await h.emitWithAck('stream:create', { roomId: 'show', title: 'Show' });
    await h.emitWithAck('room:join', { roomId: 'show' });
    const sent = [];
    for (let i = 0; i < 5; i++) {
      const ack = await h.emitWithAck('chat:send', { roomId: 'show', text: `pin ${i}` });
      if (!ack.ok) throw new Error(ack.error.message);
      sent.push(ack.id);
    }
    const mods = await Promise.all(
      [a, b, c].map((node, i) => node.socket({ sub: `mod${i}`, role: 'moderator' })),
    );
    const results = await Promise.all(
      sent.map((messageId, i) =>
        mods[i % 3]!.emitWithAck('chat:pin', { roomId: 'show', messageId }),
      ),
    );
    expect(results.filter((r) => r.ok)).toHaveLength(3);
    expect(results.filter((r) => !r.ok && r.error.code === 'PIN_LIMIT')).toHaveLength(2);
    const pinned = await Promise.all(
      [a, b, c].map(async (node) => {
        const ack = await (
          await node.socket({ sub: 'check' })
        ).emitWithAck('room:join', {
          roomId: 'show',
        });
        return ack.ok && !ack.recovered ? ack.snapshot.pinned.map((m) => m.id).sort() : [];
      }),
    );
    expect(pinned[0]).toHaveLength(3);
    expect(pinned[1]).toEqual(pinned[0]);
    expect(pinned[2]).toEqual(pinned[0]);
  });
});
