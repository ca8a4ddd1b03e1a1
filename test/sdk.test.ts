import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { CodedError, type ErrorCode } from '../client-sdk/src/index.js';
import { nextEvent, until } from './helpers/events.js';
import { SNEAKER } from './helpers/products.js';
import { useServers } from './helpers/server.js';

const start = useServers();
const ROOT = fileURLToPath(new URL('..', import.meta.url));

describe('SDK', () => {
  it('measures the server clock offset for countdowns, in whole milliseconds', async () => {
    const skew = 90_000;
    const server = await start({}, { now: () => Date.now() + skew });
    const client = await server.client({ sub: 'clock' });
    // the offset is off by at most half a round trip, so by less than the whole sync took
    const started = Date.now();
    const offset = await client.syncTime();
    const took = Date.now() - started;
    expect(Number.isInteger(offset)).toBe(true);
    expect(Math.abs(offset - skew)).toBeLessThanOrEqual(took + 1);
    const now = client.serverNow();
    expect(Number.isInteger(now)).toBe(true);
    expect(Math.abs(now - (Date.now() + skew))).toBeLessThanOrEqual(took + 2);
  });

  it('knows the server clock from its connect alone, off by at most half the connect', async () => {
    const skew = 45_000;
    const server = await start({}, { now: () => Date.now() + skew });
    const started = Date.now();
    const client = await server.client({ sub: 'clock' });
    const took = Date.now() - started;
    expect(Math.abs(client.serverNow() - (Date.now() + skew))).toBeLessThanOrEqual(took + 2);
    // and it asked nothing for it
    await client.request('time:sync', {});
    const { values } = await server.app.metrics.eventsIn.get();
    const syncs = values.filter((v) => v.labels.event === 'time:sync');
    expect(syncs.reduce((sum, v) => sum + v.value, 0)).toBe(1);
  });

  it('a drop created at serverNow() + 3 s is accepted, whatever the clock measured (fractional device clock too)', async () => {
    const server = await start(
      { CONNECTION_EVENTS_BURST: '500' },
      { now: () => Date.now() + 12_345 },
    );
    // a high-resolution device clock, as performance.timeOrigin + performance.now() gives
    const host = await server.client(
      { sub: 'hana', role: 'host' },
      { now: () => Date.now() + 0.37 },
    );
    await host.createStream('clock', { title: 'Clock' });
    const room = await host.join('clock');
    await room.products.upsert(SNEAKER);
    for (let i = 0; i < 20; i++) {
      await host.syncTime();
      expect(Number.isInteger(host.serverTimeOffset())).toBe(true);
      const created = await room.drops.create({
        dropId: `clock-${i}`,
        productId: SNEAKER.id,
        quantity: 1,
        durationSeconds: 60,
        startsAt: host.serverNow() + 3000,
      });
      expect(created.created).toBe(true);
    }
  });

  it('rejects refused requests with a CodedError carrying the code', async () => {
    const server = await start();
    const client = await server.client({ sub: 'vic' });
    const refused = await client
      .request('chat:send', { roomId: 'nowhere', text: 'hi' })
      .catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(CodedError);
    expect(refused).toMatchObject({ code: 'NOT_IN_ROOM', retryable: false });
    await expect(client.join('nowhere')).rejects.toMatchObject({ code: 'ROOM_NOT_FOUND' });
    await expect(client.join('bad id!')).rejects.toThrow();
  });

  it('a command sent while the connection is down waits for the room to resume, then succeeds', async () => {
    const server = await start();
    const client = await server.client(
      { sub: 'vic' },
      { socketOptions: { reconnectionDelay: 50 } },
    );
    const host = await server.client({ sub: 'hana', role: 'host' });
    await host.createStream('s', { title: 'Show' });
    const room = await client.join('s');
    const down = nextEvent(client, 'disconnected');
    for (const socket of server.app.internals.io.of('/').sockets.values())
      if (socket.data.session.identity.id === 'vic') socket.conn.close();
    await down;
    expect(client.connected).toBe(false);
    const sent = await room.chat.send('typed while offline');
    if (sent.status !== 'published') throw new Error('held');
    expect(sent.seq).toBeGreaterThan(1);
    await until(room, 'chat:message', () => room.state.chat.some((m) => m.id === sent.id));
  });

  it('joins once however often join is called, and can manage a room without joining it', async () => {
    const server = await start();
    const host = await server.client({ sub: 'hana', role: 'host' });
    await host.createStream('s', { title: 'Show' });
    const console_ = host.manage('s');
    expect(await console_.stream.start()).toMatchObject({ seq: 2 });
    const viewer = await server.client({ sub: 'vic' });
    const [a, b] = await Promise.all([viewer.join('s'), viewer.join('s')]);
    expect(a).toBe(b);
    expect(a.state).toMatchObject({ stream: { state: 'live' }, viewers: 1 }); // the console is not a viewer
    expect(viewer.room('s')).toBe(a);
    expect(await viewer.join('s')).toBe(a);
  });

  it('keeps the retryable flag a newer server sends with a code this SDK does not know', () => {
    const body = { code: 'SOMETHING_NEW' as ErrorCode, message: 'new', retryable: true };
    const error = CodedError.from(body);
    expect(error).toMatchObject({ code: 'SOMETHING_NEW', retryable: true, message: 'new' });
    expect(error.body).toEqual(body);
  });

  it('reports a refused connection as an error event with its code', async () => {
    const server = await start();
    const { createClient } = await import('../client-sdk/src/index.js');
    const client = createClient({ url: server.url, token: 'garbage', transports: ['websocket'] });
    try {
      const error = await nextEvent<CodedError>(client, 'error');
      expect(error).toMatchObject({ code: 'UNAUTHENTICATED' });
    } finally {
      client.close();
    }
  });

  it('asks a token getter again on every connect, so tokens can be refreshed', async () => {
    const server = await start();
    let calls = 0;
    const client = await server.client(null, {
      token: () => {
        calls++;
        return server.token({ sub: `refreshed${calls}` });
      },
    });
    expect(client.user?.id).toBe('refreshed1');
    const back = nextEvent(client, 'connected');
    for (const socket of server.app.internals.io.of('/').sockets.values()) socket.conn.close();
    await back;
    expect(calls).toBe(2);
    expect(client.user?.id).toBe('refreshed2');
  });

  it('sends a host stream from create to live to end, with typed events', async () => {
    const server = await start();
    const host = await server.client({ sub: 'hana', name: 'Hana', role: 'host' });
    const viewer = await server.client({ sub: 'vic' });
    await host.createStream('s', { title: 'Show', scheduledAt: Date.now() + 1000 });
    const watching = await viewer.join('s');
    expect(watching.state.stream.state).toBe('scheduled');
    const live = nextEvent<{ stream: { state: string } }>(watching, 'stream:updated');
    const hosting = await host.join('s');
    await hosting.stream.start();
    expect((await live).stream.state).toBe('live');
    expect(watching.state.stream.state).toBe('live');
    const reactions = nextEvent<{ counts: Record<string, number> }>(hosting, 'reaction:batch');
    await watching.reactions.send('cart', 3);
    expect((await reactions).counts).toEqual({ cart: 3 });
    const ended = nextEvent<{ stream: { state: string } }>(
      watching,
      'stream:updated',
      (e) => e.stream.state === 'ended',
    );
    await hosting.stream.end();
    await ended;
    expect(watching.state.stream).toMatchObject({ state: 'ended', title: 'Show' });
  });

  it('builds as browser ESM bundles with no Node built-ins: the SDK, and media on its own', async () => {
    for (const entry of ['index.ts', 'media/index.ts']) {
      const result = await build({
        entryPoints: [`${ROOT}client-sdk/src/${entry}`],
        bundle: true,
        format: 'esm',
        platform: 'browser',
        write: false,
        logLevel: 'silent',
      });
      expect(result.errors).toEqual([]);
      const code = result.outputFiles[0]!.text;
      expect(code).not.toMatch(/require\(["'](node:)?(fs|net|http|crypto|events|ws)["']\)/);
      expect(code).toMatch(
        entry === 'index.ts' ? /export\s*\{[^}]*createClient/ : /export\s*\{[^}]*watch/,
      );
    }
    const built = await readFile(`${ROOT}dist/browser/liveshop-sdk.js`, 'utf8');
    expect(built).toMatch(/export\{[^}]*createClient/);
    expect(await readFile(`${ROOT}dist/browser/liveshop-media.js`, 'utf8')).toMatch(/export\{/);
  });
});
