import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import type { Room } from '../client-sdk/src/index.js';
import type { RoomSnapshot } from '../client-sdk/src/protocol/index.js';
import { collect, eventually, eventuallyAsync, nextEvent, until } from './helpers/events.js';
import { useRedis } from './helpers/redis.js';
import { startNodes, useServers, type TestServer } from './helpers/server.js';

const redis = useRedis();
const start = useServers();

const nodes = (count: number) => startNodes(start, redis, count);

const ready = async (server: TestServer) => (await fetch(`${server.url}/readyz`)).status === 200;
const metric = async (server: TestServer, line: RegExp) =>
  line.exec(await (await fetch(`${server.url}/metrics`)).text())?.[1];

async function show(servers: TestServer[]) {
  const host = await servers[0]!.client({ sub: 'hana', role: 'host' });
  await host.createStream('show', { title: 'Show' });
  const hosting = await host.join('show');
  const viewers: Room[] = [];
  for (const [i, server] of servers.entries()) {
    const viewer = await server.client({ sub: `v${i}` });
    viewers.push(await viewer.join('show'));
  }
  const received = viewers.map((v) => collect<{ text: string; seq: number }>(v, 'chat:message'));
  return { host: hosting, viewers, received };
}

describe('when Redis goes away', () => {
  it('refuses writes with a retryable code and reports unready, then recovers by itself with nothing lost', async () => {
    const servers = await nodes(3);
    const { host, viewers, received } = await show(servers);
    const acked: string[] = [];
    const failed: string[] = [];
    const state = { sending: true };
    const chatter = (async () => {
      for (let i = 0; state.sending || i < 40; i++) {
        const text = `m${i}`;
        try {
          await host.chat.send(text);
          acked.push(text);
        } catch {
          failed.push(text);
        }
        if (i > 200) break;
      }
    })();
    await until(viewers[2]!, 'chat:message', () => received[2]!.length >= 10);

    await redis.stop();
    await eventuallyAsync(async () => !(await ready(servers[1]!)));
    const connected = /^liveshop_engine_connected\{engine="redis"\} (\d)$/m;
    expect(await metric(servers[1]!, connected)).toBe('0');
    const raw = await servers[1]!.socket({ sub: 'raw' });
    expect(await raw.emitWithAck('room:join', { roomId: 'show' })).toMatchObject({
      ok: false,
      error: { code: 'UNAVAILABLE', retryable: true },
    });
    // a room this node does not follow yet is refused at once too, not left waiting for Redis
    expect(await raw.emitWithAck('room:join', { roomId: 'elsewhere' })).toMatchObject({
      ok: false,
      error: { code: 'UNAVAILABLE', retryable: true },
    });
    await redis.start();
    for (const server of servers) await eventuallyAsync(() => ready(server), 10_000);
    expect(await metric(servers[1]!, connected)).toBe('1');
    state.sending = false;
    await chatter;

    // the SDK rode out the outage: every send was answered in the end, none given up
    expect(failed).toEqual([]);
    expect(acked.length).toBeGreaterThan(20);
    // every acknowledged message reached every viewer once, in the order of its seq
    for (const [i, got] of received.entries()) {
      await until(
        viewers[i]!,
        'chat:message',
        () => acked.every((t) => got.some((m) => m.text === t)),
        10_000,
      );
      const texts = got.map((m) => m.text);
      expect(new Set(texts).size).toBe(texts.length);
      expect(got.map((m) => m.seq)).toEqual([...got.map((m) => m.seq)].sort((x, y) => x - y));
    }
    // the join refused during the outage left no ghost viewer: a newcomer on that node makes
    // it report its members again, and host, three viewers and the newcomer are all there are
    const late = await servers[1]!.socket({ sub: 'late' });
    expect(await late.emitWithAck('room:join', { roomId: 'show' })).toMatchObject({
      ok: true,
      snapshot: { viewers: 5 },
    });
    late.disconnect();
    // nobody was disconnected: host and viewer on the first node, viewer (and raw) on the others
    await eventually(() => servers[1]!.app.internals.io.of('/').sockets.size === 2);
    expect(servers.map((server) => server.app.internals.io.of('/').sockets.size)).toEqual([
      2, 2, 1,
    ]);
  }, 30_000);

  it('restores a room Redis lost from what the nodes know; clients get an honest fresh snapshot', async () => {
    const servers = await nodes(2);
    const { host, viewers, received } = await show(servers);
    await host.chat.pin((await host.chat.send('keep me pinned')).id);
    await host.chat.setSlowMode(0);
    await until(viewers[1]!, 'chat:message', () => received[1]!.length === 1);
    const epoch = host.state.epoch;

    const snapshots = viewers.map((v) =>
      nextEvent<RoomSnapshot>(v, 'room:snapshot', undefined, 10_000),
    );
    const admin = new Redis(redis.url);
    await admin.flushall();
    admin.disconnect();

    await host.chat.send('after the loss');
    for (const pending of snapshots) {
      const snapshot = await pending;
      expect(snapshot.epoch).not.toBe(epoch);
      expect(snapshot.pinned.map((m) => m.text)).toEqual(['keep me pinned']);
    }
    for (const viewer of viewers) expect(viewer.state.epoch).not.toBe(epoch);
    for (const server of servers)
      expect(Number(await metric(server, /^liveshop_room_reloads_total (\d+)$/m))).toBeGreaterThan(
        0,
      );
    await host.chat.send('and on');
    for (const [i, got] of received.entries())
      await until(viewers[i]!, 'chat:message', () => got.some((m) => m.text === 'and on'));
  }, 20_000);
});
