import { describe, expect, it } from 'vitest';
import type { ServerPayload } from '../client-sdk/src/protocol/index.js';
import { useRedis } from './helpers/redis.js';
import { nextEvent } from './helpers/events.js';
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
      const server = await start(env());
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
      // every broadcast (chat batches, the pin, viewer counts) went through publish, not a JS loop
      const nativeAfter = await metric(server, 'liveshop_uws_native_publish_total');
      expect(nativeAfter - nativeBefore).toBe(calls.length);
    },
  );

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
