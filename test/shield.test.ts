import { describe, expect, it } from 'vitest';
import type { ModerationPolicyInput, ServerPayload } from '../client-sdk/src/protocol/index.js';
import type { Claims } from '../server/auth.js';
import { eventually, nextEvent } from './helpers/events.js';
import { useRedis } from './helpers/redis.js';
import { useServers, type RawSocket, type TestServer } from './helpers/server.js';

const start = useServers();
const redis = useRedis();

const POLICY: ModerationPolicyInput = {
  version: 'shield-test',
  defaultGroup: 'global',
  groups: [
    { id: 'global', rules: [{ id: 'mild', kind: 'terms', terms: ['darn'], action: 'mask' }] },
  ],
};
const ENV = {
  CHAT_RATE_BURST: '1000',
  CHAT_RATE_PER_SECOND: '1000',
  CONNECTION_EVENTS_BURST: '1000',
  USER_EVENTS_BURST: '1000',
};

/** One node, or two on one Redis (each request may land on either). */
const ENGINES = [
  {
    name: 'memory',
    nodes: async (env: Record<string, string> = {}): Promise<[TestServer, TestServer]> => {
      const server = await start({ ...ENV, ...env }, { moderationPolicy: POLICY });
      return [server, server];
    },
  },
  {
    name: 'redis, two nodes',
    nodes: async (env: Record<string, string> = {}): Promise<[TestServer, TestServer]> => {
      const prefix = redis.prefix();
      const node = (id: string) =>
        start(
          { ...ENV, REDIS_URL: redis.url, REDIS_KEY_PREFIX: prefix, NODE_ID: id, ...env },
          { moderationPolicy: POLICY },
        );
      return [await node('a'), await node('b')];
    },
  },
] as const;

const HOST: Claims = { sub: 'hana', role: 'host' };
const minutesAgo = (minutes: number) => Math.floor((Date.now() - minutes * 60_000) / 1000);

type Shield = ServerPayload<'room:shield'>;

async function show(a: TestServer) {
  const host = await a.socket(HOST);
  await host.emitWithAck('stream:create', { roomId: 'show', title: 'Show' });
  await host.emitWithAck('room:join', { roomId: 'show' });
  return host;
}

async function viewer(server: TestServer, claims: Claims): Promise<RawSocket> {
  const socket = await server.socket(claims);
  const joined = await socket.emitWithAck('room:join', { roomId: 'show' });
  if (!joined.ok) throw new Error(joined.error.message);
  return socket;
}

const send = (socket: RawSocket, text: string) =>
  socket.emitWithAck('chat:send', { roomId: 'show', text });

describe.each(ENGINES)('shield mode ($name)', ({ nodes }) => {
  it('applies its preset and, switched off, puts back the settings it replaced exactly', async () => {
    const [a, b] = await nodes();
    const host = await show(a);
    await host.emitWithAck('chat:set-slow-mode', { roomId: 'show', seconds: 3 });
    const watcher = await viewer(b, { sub: 'watcher' });

    const on = nextEvent<Shield>(watcher, 'room:shield');
    const ack = await host.emitWithAck('room:shield', {
      roomId: 'show',
      on: true,
      settings: { slowModeSeconds: 15 },
    });
    expect(ack).toMatchObject({
      ok: true,
      shield: {
        by: 'hana',
        reason: 'switched on by hana',
        previous: { slowModeSeconds: 3 },
        settings: { slowModeSeconds: 15, newcomers: 'read-only', blockLinks: true, strict: true },
      },
    });
    expect(await on).toMatchObject({ slowModeSeconds: 15, shield: { by: 'hana' } });
    // a late joiner's snapshot shows it, on any node
    const late = await b.socket({ sub: 'late' });
    const joined = await late.emitWithAck('room:join', { roomId: 'show' });
    if (!joined.ok || joined.recovered) throw new Error('join');
    expect(joined.snapshot).toMatchObject({ slowModeSeconds: 15, shield: { by: 'hana' } });

    // a moderator changes slow mode while shielded: off still puts back what came before it
    await host.emitWithAck('chat:set-slow-mode', { roomId: 'show', seconds: 20 });
    const off = nextEvent<Shield>(watcher, 'room:shield');
    expect(await host.emitWithAck('room:shield', { roomId: 'show', on: false })).toMatchObject({
      ok: true,
      shield: null,
    });
    expect(await off).toMatchObject({
      shield: null,
      slowModeSeconds: 3,
      reason: 'switched off by hana',
    });

    // a longer slow mode than the preset's stays, and is what comes back
    await host.emitWithAck('chat:set-slow-mode', { roomId: 'show', seconds: 60 });
    const again = nextEvent<Shield>(watcher, 'room:shield');
    await host.emitWithAck('room:shield', { roomId: 'show', on: true });
    expect(await again).toMatchObject({ slowModeSeconds: 60 });
    const back = nextEvent<Shield>(watcher, 'room:shield');
    await host.emitWithAck('room:shield', { roomId: 'show', on: false });
    expect(await back).toMatchObject({ slowModeSeconds: 60, shield: null });
    // off when off, on when on with the same preset: nothing new is logged
    const seq = (await host.emitWithAck('room:shield', { roomId: 'show', on: false })) as {
      seq: number;
    };
    expect(
      (await host.emitWithAck('room:shield', { roomId: 'show', on: false })) as { seq: number },
    ).toMatchObject({ seq: seq.seq });
    // viewers cannot switch it
    expect(await watcher.emitWithAck('room:shield', { roomId: 'show', on: true })).toMatchObject({
      ok: false,
      error: { code: 'FORBIDDEN' },
    });
  });

  it('while on: newcomers read-only (or held), links refused, strict moderation; staff untouched', async () => {
    const [a, b] = await nodes();
    const host = await show(a);
    const regular = await viewer(b, { sub: 'regular', created: minutesAgo(600) });
    const young = await viewer(a, { sub: 'young', created: minutesAgo(1) });
    const shielded = await host.emitWithAck('room:shield', {
      roomId: 'show',
      on: true,
      settings: { slowModeSeconds: 0 },
    });
    if (!shielded.ok || !shielded.shield) throw new Error('shield');
    // "after it went on" is by the server's clock, in whole milliseconds
    const since = shielded.shield.since;
    await eventually(() => Date.now() > since);
    const late = await viewer(b, { sub: 'late', created: minutesAgo(600) });

    // read-only: a late arrival until it is off, a young account until it is old enough
    const lateSend = await send(late, 'hello from a raid');
    expect(lateSend).toMatchObject({ ok: false, error: { code: 'SHIELDED', retryable: true } });
    if (lateSend.ok) throw new Error('sent');
    expect(lateSend.error.retryAfterMs).toBeUndefined();
    const youngSend = await send(young, 'first!');
    if (youngSend.ok) throw new Error('sent');
    expect(youngSend.error.code).toBe('SHIELDED');
    expect(youngSend.error.retryAfterMs).toBeGreaterThan(28 * 60_000);
    expect(youngSend.error.retryAfterMs).toBeLessThanOrEqual(29 * 60_000);

    expect(await send(regular, 'hello')).toMatchObject({ ok: true, status: 'published' });
    expect(await send(regular, 'buy at shop.example.com/cheap')).toMatchObject({
      ok: false,
      error: { code: 'MESSAGE_BLOCKED' },
    });
    // the policy would mask it: strict holds it for review instead
    expect(await send(regular, 'darn it')).toMatchObject({ ok: true, status: 'held' });
    // the host is staff: links and all
    expect(await send(host, 'our shop: shop.example.com/drop')).toMatchObject({
      ok: true,
      status: 'published',
    });

    // newcomers held instead of read-only
    await host.emitWithAck('room:shield', {
      roomId: 'show',
      on: true,
      settings: { slowModeSeconds: 0, newcomers: 'hold' },
    });
    expect(await send(late, 'may I?')).toMatchObject({ ok: true, status: 'held' });
    const held = await host.emitWithAck('moderation:held', { roomId: 'show' });
    if (!held.ok) throw new Error('held');
    expect(held.held.map((h) => h.rule).sort()).toEqual(['shield-newcomer', 'shield-strict']);

    // off: everyone writes as before, the policy's own verdicts apply again
    await host.emitWithAck('room:shield', { roomId: 'show', on: false });
    expect(await send(late, 'hello again')).toMatchObject({ ok: true, status: 'published' });
    expect(await send(young, 'first!')).toMatchObject({ ok: true, status: 'published' });
    expect(await send(regular, 'darn it')).toMatchObject({ ok: true, status: 'published' });
  });

  it('switches on by itself on a chat surge, tells everyone why, and releases after a calm spell', async () => {
    const [a, b] = await nodes({
      AUTO_SHIELD: 'true',
      AUTO_SHIELD_CHAT_PER_SECOND: '4',
      AUTO_SHIELD_WINDOW_MS: '5000',
      AUTO_SHIELD_RELEASE_MS: '30000',
      // the test drives the automatic shield's looks itself, on its own clock
      VIEWER_COUNT_INTERVAL_MS: '600000',
    });
    const host = await show(a);
    const watcher = await viewer(b, { sub: 'watcher' });
    const shields: Shield[] = [];
    host.on('room:shield', (event: Shield) => shields.push(event));
    const look = async (at: number) => {
      for (const node of a === b ? [a] : [a, b]) {
        const room = node.app.internals.registry.get('show');
        if (room) await room.shield.evaluate(at);
      }
    };
    const t0 = Date.now();
    await look(t0);
    expect(shields).toEqual([]);
    // a surge: 30 messages within the window, 6 a second
    for (let i = 0; i < 30; i++) await send(watcher, `spam ${i}`);
    const on = nextEvent<Shield>(watcher, 'room:shield');
    await look(Date.now());
    const switched = await on;
    expect(switched.shield).toMatchObject({ by: 'auto' });
    expect(switched.reason).toMatch(/^automatic: chat surging \(\d+ messages\/s, limit 4\/s\)/);
    // both nodes saw the surge: one switch
    await look(Date.now());
    await eventually(() => shields.length > 0);
    // a second switch would have come by now: the host heard it after the watcher (the control lane is in order)
    await host.emitWithAck('time:sync', {});
    expect(shields.filter((e) => e.shield !== null)).toHaveLength(1);
    // the surge ends: the messages age out of the window; still not released before the calm spell
    const later = Date.now() + 6000;
    await look(later);
    await look(later + 29_000);
    expect(a.app.internals.registry.get('show')?.state.shield?.by).toBe('auto');
    const off = nextEvent<Shield>(watcher, 'room:shield');
    await look(later + 30_000);
    const released = await off;
    expect(released).toMatchObject({ shield: null, slowModeSeconds: 0 });
    expect(released.reason).toMatch(/^automatic: calm for 30 s/);

    // a shield a person switched on is theirs: the automatic shield never releases it
    await host.emitWithAck('room:shield', { roomId: 'show', on: true });
    await look(later + 40_000);
    await look(later + 100_000);
    expect(a.app.internals.registry.get('show')?.state.shield?.by).toBe('hana');
  });
});

describe('shield mode in the SDK', () => {
  it("a moderator's switch reaches every viewer's room state, with its reason", async () => {
    const server = await start(ENV);
    const hostClient = await server.client(HOST);
    await hostClient.createStream('show', { title: 'Show' });
    const hosted = await hostClient.join('show');
    const viewerRoom = await (await server.client({ sub: 'vic' })).join('show');
    const on = nextEvent<Shield>(viewerRoom, 'room:shield');
    const answer = await hosted.moderation.shield(true, { reason: 'raid from another channel' });
    expect(answer.shield).toMatchObject({ reason: 'raid from another channel', by: 'hana' });
    await on;
    expect(viewerRoom.state.shield).toMatchObject({ reason: 'raid from another channel' });
    expect(viewerRoom.state.slowModeSeconds).toBe(10);
    const off = nextEvent<Shield>(viewerRoom, 'room:shield');
    await hosted.moderation.shield(false);
    await off;
    expect(viewerRoom.state.shield).toBeNull();
    expect(viewerRoom.state.slowModeSeconds).toBe(0);
  });
});

describe('shield mode over HTTP', () => {
  it('PUT /v1/rooms/:roomId/shield switches it, with the same answer as the socket event', async () => {
    const server = await start(ENV);
    await show(server);
    const put = async (claims: Claims, body: unknown) =>
      fetch(`${server.url}/v1/rooms/show/shield`, {
        method: 'PUT',
        headers: {
          authorization: `Bearer ${await server.token(claims)}`,
          'content-type': 'application/json',
        },
        body: JSON.stringify(body),
      });
    const on = await put(HOST, { on: true, settings: { newcomers: 'hold' }, reason: 'raid' });
    expect(on.status).toBe(200);
    expect(await on.json()).toMatchObject({
      ok: true,
      shield: { by: 'hana', reason: 'raid', settings: { newcomers: 'hold' } },
    });
    expect((await put({ sub: 'vic' }, { on: false })).status).toBe(403);
    const off = await put(HOST, { on: false });
    expect(await off.json()).toMatchObject({ ok: true, shield: null });
    expect((await put(HOST, { on: 'maybe' })).status).toBe(400);
  });
});
