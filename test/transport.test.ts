import { describe, expect, it } from 'vitest';
import type { ServerPayload } from '../client-sdk/src/protocol/index.js';
import { useRedis } from './helpers/redis.js';
import { eventually, nextEvent } from './helpers/events.js';
import { openShow, useServers, type TestServer } from './helpers/server.js';

const start = useServers();
const redis = useRedis();

/** Records every uWS publish of a server's app. */
function spyPublish(server: TestServer): { topic: string; message: string }[] {
  const { uws } = server.app.internals;
  const calls: { topic: string; message: string }[] = [];
  const original = uws.publish.bind(uws);
  uws.publish = (topic, message, isBinary, compress) => {
    calls.push({
      topic: typeof topic === 'string' ? topic : Buffer.from(topic as ArrayBuffer).toString(),
      message:
        typeof message === 'string' ? message : Buffer.from(message as ArrayBuffer).toString(),
    });
    return original(topic, message, isBinary, compress);
  };
  return calls;
}

async function metric(server: TestServer, name: string): Promise<number> {
  const text = await server.app.metrics.registry.metrics();
  return text
    .split('\n')
    .filter((line) => line.startsWith(name))
    .reduce((sum, line) => sum + Number(line.split(' ').at(-1)), 0);
}

async function showWithViewer(server: TestServer) {
  const { host, viewers } = await openShow(server);
  return { h: host, v: viewers[0]! };
}

describe('transport', () => {
  it('runs on the native uWebSockets.js addon, and says so in metrics', async () => {
    const server = await start();
    expect(server.app.uwsNative).toBe(true);
    expect(await metric(server, 'liveshop_uws_native')).toBe(1);
  });

  it.each([
    ['memory engine', () => ({})],
    ['Redis engine', () => ({ REDIS_URL: redis.url, REDIS_KEY_PREFIX: redis.prefix() })],
  ])(
    'every room broadcast takes uWS native publish: one publish per broadcast, whatever the audience (%s)',
    async (_engine, env) => {
      // no viewer counts on a timer: every publish below is one the test waits for, so the spy and
      // the metric count the same ones however slow the machine
      const server = await start({ VIEWER_COUNT_INTERVAL_MS: '600000', ...env() });
      const { h, v } = await showWithViewer(server);
      const calls = spyPublish(server);
      const others = await Promise.all([1, 2, 3, 4, 5].map((i) => server.socket({ sub: `w${i}` })));
      for (const o of others) await o.emitWithAck('room:join', { roomId: 'show' });
      const nativeBefore = await metric(server, 'liveshop_uws_native_publish_total');

      const batch = nextEvent<ServerPayload<'chat:batch'>>(v, 'chat:batch');
      await v.emitWithAck('chat:send', { roomId: 'show', text: 'native?' });
      await batch;
      const pinned = nextEvent(v, 'chat:pinned');
      const ack = await h.emitWithAck('chat:send', { roomId: 'show', text: 'pin' });
      if (ack.ok) await h.emitWithAck('chat:pin', { roomId: 'show', messageId: ack.id });
      await pinned;

      const chatPublishes = calls.filter((c) => c.message.startsWith('42["chat:batch"'));
      expect(chatPublishes.length).toBeGreaterThanOrEqual(1);
      expect(chatPublishes[0]!.topic).toBe('/\x1fr:show:0:feed');
      expect(
        calls.filter((c) => c.message.startsWith('42["chat:pinned"')).map((c) => c.topic),
      ).toEqual(['/\x1fr:show:0:ctl']);
      // every broadcast (chat batches, the pin) went through publish, not a JS loop
      const nativeAfter = await metric(server, 'liveshop_uws_native_publish_total');
      expect(nativeAfter - nativeBefore).toBe(calls.length);
    },
  );

  it('an audience split by moderation policy stays native: one publish per partition present, and a new policy moves viewers', async () => {
    const groups = ['cn', 'jp', 'es', 'global'];
    const policy = {
      version: 'four',
      defaultGroup: 'global',
      groups: [
        { id: 'cn', match: { regions: ['CN'] } },
        { id: 'jp', match: { regions: ['JP'] } },
        { id: 'es', match: { regions: ['ES'] } },
        { id: 'global' },
      ],
    };
    const server = await start({}, { moderationPolicy: policy });
    const regions = ['CN', 'JP', 'ES', 'US'];
    const { host, viewers } = await openShow(
      server,
      regions.flatMap((region) => [1, 2].map((i) => ({ sub: `${region}${i}`, region }))),
    );
    const calls = spyPublish(server);
    const nativeBefore = await metric(server, 'liveshop_uws_native_publish_total');
    const got = viewers.map((v) => nextEvent<ServerPayload<'chat:batch'>>(v, 'chat:batch'));
    await host.emitWithAck('chat:send', { roomId: 'show', text: 'to everyone' });
    for (const batch of await Promise.all(got)) expect(batch.messages[0]?.text).toBe('to everyone');
    const chat = calls.filter((c) => c.message.startsWith('42["chat:batch"'));
    expect(chat.map((c) => c.topic).sort()).toEqual(
      groups.map((g) => `/\x1fr:show:${g}:feed`).sort(),
    );
    expect((await metric(server, 'liveshop_uws_native_publish_total')) - nativeBefore).toBe(
      calls.length,
    );

    // a new policy that puts everyone in one audience: the connections follow it
    const res = await fetch(`${server.url}/v1/moderation/policy`, {
      method: 'PUT',
      headers: {
        authorization: `Bearer ${await server.token({ sub: 'root', role: 'admin' })}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify({ version: 'one', defaultGroup: 'all', groups: [{ id: 'all' }] }),
    });
    expect(res.status).toBe(200);
    const room = server.app.internals.registry.get('show');
    await eventually(() => room?.audience.partitions.join() === 'all');
    calls.length = 0;
    const again = viewers.map((v) => nextEvent<ServerPayload<'chat:batch'>>(v, 'chat:batch'));
    await host.emitWithAck('chat:send', { roomId: 'show', text: 'one audience now' });
    for (const batch of await Promise.all(again))
      expect(batch.messages[0]?.text).toBe('one audience now');
    expect(
      calls.filter((c) => c.message.startsWith('42["chat:batch"')).map((c) => c.topic),
    ).toEqual(['/\x1fr:show:all:feed']);
  });

  it('two servers in one process each publish into their own app, even after one closes', async () => {
    const a = await start();
    const b = await start();
    await showWithViewer(a);
    const inB = await showWithViewer(b);
    const callsA = spyPublish(a);
    const callsB = spyPublish(b);
    await a.app.close();

    const got = nextEvent<ServerPayload<'chat:batch'>>(inB.v, 'chat:batch');
    await inB.h.emitWithAck('chat:send', { roomId: 'show', text: 'still native' });
    expect((await got).messages[0]?.text).toBe('still native');
    expect(callsB.some((c) => c.message.includes('still native'))).toBe(true);
    expect(callsA.filter((c) => c.message.includes('still native'))).toEqual([]);
  });

  it("a broadcast to a socket's own room (which has no uWS topic) still reaches it", async () => {
    const server = await start();
    const v = await server.socket({ sub: 'vic' });
    const [serverSocket] = server.app.internals.io.of('/').sockets.values();
    const got = nextEvent(v, 'server:draining');
    server.app.internals.io.to(serverSocket!.id).emit('server:draining', { reconnectAfterMs: 7 });
    expect(await got).toEqual({ reconnectAfterMs: 7 });
  });

  it('long-polling clients in the room still get every broadcast', async () => {
    const server = await start();
    const { h } = await showWithViewer(server);
    const poller = await server.socket({ sub: 'old-browser' }, { transports: ['polling'] });
    expect(poller.io.engine.transport.name).toBe('polling');
    await poller.emitWithAck('room:join', { roomId: 'show' });
    const got = nextEvent<ServerPayload<'chat:batch'>>(poller, 'chat:batch');
    await h.emitWithAck('chat:send', { roomId: 'show', text: 'over polling' });
    expect((await got).messages[0]?.text).toBe('over polling');
  });
});
