import { describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { CodedError, createClient, type LiveShopClient } from '../client-sdk/src/index.js';
import { shed } from '../server/transport/gate.js';
import { nextEvent } from './helpers/events.js';
import { useRedis } from './helpers/redis.js';
import { connectErrorOf, startNodes, useServers, type TestServer } from './helpers/server.js';

const start = useServers();
const redis = useRedis();

/** One node on the embedded engine, or two on Redis (each node has its own cap and rate). */
const ENGINES = [
  { name: 'memory', nodes: (env: Record<string, string>) => Promise.all([start(env)]) },
  {
    name: 'redis, two nodes',
    nodes: (env: Record<string, string>) => startNodes(start, redis, 2, env),
  },
] as const;

interface Attempt {
  client: LiveShopClient;
  /** Every refusal the client was told of, and the retry the SDK scheduled after it. */
  refusals: { error: CodedError; retry?: { delayMs: number; retryAfterMs: number } }[];
  /** Resolves once the client got in. */
  connected: Promise<void>;
}

/** Each refusal was followed by a retry scheduled no sooner than the wait it gave. */
function honoured(a: Attempt): void {
  for (const { error, retry } of a.refusals) {
    expect(retry?.retryAfterMs).toBe(error.retryAfterMs ?? 0);
    expect(retry?.delayMs).toBeGreaterThanOrEqual(error.retryAfterMs ?? 0);
  }
}

/** An SDK client that keeps trying (its own backoff, quick for tests) and records refusals. */
async function attempt(server: TestServer, sub: string): Promise<Attempt> {
  const client = createClient({
    url: server.url,
    token: await server.token({ sub }),
    transports: ['websocket'],
    socketOptions: { reconnectionDelay: 20, reconnectionDelayMax: 100 },
  });
  const refusals: Attempt['refusals'] = [];
  client.on('error', (error) => refusals.push({ error }));
  // the SDK schedules its next try right after telling of a refusal
  client.on('reconnecting', ({ delayMs, retryAfterMs }) => {
    const last = refusals.at(-1);
    if (last && !last.retry) last.retry = { delayMs, retryAfterMs };
  });
  const connected = new Promise<void>((resolve) => client.once('connected', () => resolve()));
  return { client, refusals, connected };
}

/** A raw WebSocket's frames and close, as a client without socket.io sees a refusal. */
function rawRefusal(
  server: TestServer,
): Promise<{ frames: string[]; code: number; reason: string }> {
  const ws = new WebSocket(`ws://127.0.0.1:${server.port}/socket.io/?EIO=4&transport=websocket`);
  const frames: string[] = [];
  ws.on('message', (data) => frames.push((data as Buffer).toString()));
  ws.on('error', () => {});
  return new Promise((resolve) =>
    ws.once('close', (code, reason) => resolve({ frames, code, reason: reason.toString() })),
  );
}

async function refusedCount(server: TestServer, reason: string): Promise<number> {
  const { values } = await server.app.metrics.connectionsRefused.get();
  return values.find((v) => v.labels.reason === reason)?.value ?? 0;
}

describe.each(ENGINES)('admission at the edge ($name)', ({ nodes }) => {
  it('refuses past the cap with OVERLOADED and a wait; the SDK comes back after it once a seat frees', async () => {
    const servers = await nodes({ MAX_CONNECTIONS: '2', CONNECT_RETRY_MS: '300' });
    const [full, other] = servers;
    if (!full) throw new Error('no server');
    const seated = [await full.client({ sub: 'a' }), await full.client({ sub: 'b' })];

    // socket.io-client: a coded connect_error
    const refused = await connectErrorOf(full.url, { token: await full.token({ sub: 'raw' }) });
    expect(refused).toMatchObject({ code: 'OVERLOADED', retryable: true });
    expect(refused?.retryAfterMs).toBeGreaterThanOrEqual(300);
    expect(refused?.retryAfterMs).toBeLessThanOrEqual(600);
    // a plain WebSocket: an Engine.IO open, the refusal, and 1013 with the same in its reason
    const raw = await rawRefusal(full);
    expect(raw.code).toBe(1013);
    expect(JSON.parse(raw.reason)).toMatchObject({ code: 'OVERLOADED' });
    expect(raw.frames[0]?.startsWith('0{')).toBe(true);
    expect(raw.frames[1]?.startsWith('44')).toBe(true);
    // long-polling: 503 with Retry-After and the error envelope
    const polled = await fetch(`${full.url}/socket.io/?EIO=4&transport=polling`);
    expect(polled.status).toBe(503);
    expect(Number(polled.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(await polled.json()).toMatchObject({ ok: false, error: { code: 'OVERLOADED' } });
    expect(await refusedCount(full, 'cap')).toBe(3);

    // the cap is per node: another node still takes connections
    if (other) await other.client({ sub: 'elsewhere' });

    // the SDK is told, waits at least the hint, and gets in once a seat is free
    const waiting = await attempt(full, 'late');
    await nextEvent(waiting.client, 'error');
    seated[0]?.close();
    await waiting.connected;
    expect(waiting.refusals[0]?.error.code).toBe('OVERLOADED');
    honoured(waiting);
    expect((await waiting.client.request('time:sync', {})).serverTime).toBeGreaterThan(0);
    waiting.client.close();
  });

  it("limits one address's connection rate with RATE_LIMITED; every SDK client gets in after its wait", async () => {
    const servers = await nodes({
      CONNECT_RATE_PER_IP_PER_SECOND: '10',
      CONNECT_RATE_PER_IP_BURST: '3',
    });
    const server = servers[0];
    if (!server) throw new Error('no server');
    const attempts = await Promise.all(
      Array.from({ length: 12 }, (_, i) => attempt(server, `ip-user-${i}`)),
    );
    await Promise.all(attempts.map((a) => a.connected));
    const refusals = attempts.flatMap((a) => a.refusals);
    expect(refusals.length).toBeGreaterThan(0);
    for (const { error } of refusals) {
      expect(error.code).toBe('RATE_LIMITED');
      expect(error.retryAfterMs).toBeGreaterThan(0);
    }
    // nobody came back before the wait they were told
    attempts.forEach(honoured);
    expect(await refusedCount(server, 'ip_rate')).toBe(refusals.length);
    for (const a of attempts) a.client.close();
  });

  it("spreads a herd over the node's rate: every client gets in, told different waits", async () => {
    const servers = await nodes({ CONNECT_RATE_PER_SECOND: '20', CONNECT_RATE_BURST: '5' });
    const server = servers[0];
    if (!server) throw new Error('no server');
    const attempts = await Promise.all(
      Array.from({ length: 30 }, (_, i) => attempt(server, `herd-${i}`)),
    );
    await Promise.all(attempts.map((a) => a.connected));
    const waits = attempts.flatMap((a) => a.refusals.map((r) => r.error.retryAfterMs));
    expect(waits.length).toBeGreaterThan(0);
    expect(attempts.flatMap((a) => a.refusals).every((r) => r.error.code === 'OVERLOADED')).toBe(
      true,
    );
    expect(new Set(waits).size).toBeGreaterThan(1);
    const { values } = await server.app.metrics.connectionsAdmitted.get();
    expect(values[0]?.value).toBeGreaterThanOrEqual(30);
    for (const a of attempts) a.client.close();
  });
});

describe('a shed connection', () => {
  it('closes with 1013 and the wait; the SDK reports it, stays away that long and resumes its room', async () => {
    const server = await start();
    const host = await server.client({ sub: 'hana', role: 'host' });
    await host.createStream('show', { title: 'Show' });
    const viewer = await server.client({ sub: 'vic' });
    const room = await viewer.join('show');
    const disconnected = nextEvent<{ reason: string; retryAfterMs?: number }>(
      viewer,
      'disconnected',
    );
    const retry = nextEvent<{ delayMs: number; retryAfterMs: number }>(viewer, 'reconnecting');
    const resumed = nextEvent(room, 'room:resumed');
    const socket = [...server.app.internals.io.of('/').sockets.values()].find(
      (s) => s.data.session.identity.id === 'vic',
    );
    if (!socket) throw new Error('no socket');
    shed(socket, 300);
    const info = await disconnected;
    expect(info.retryAfterMs).toBe(300);
    // it stays away at least that long: its next try is scheduled no sooner
    const scheduled = await retry;
    expect(scheduled.retryAfterMs).toBe(300);
    expect(scheduled.delayMs).toBeGreaterThanOrEqual(300);
    await resumed;
    expect(viewer.connected).toBe(true);
  });
});

describe('admission behind a proxy', () => {
  it('with TRUST_PROXY, the last X-Forwarded-For hop is the address that is limited', async () => {
    const server = await start({
      CONNECT_RATE_PER_IP_PER_SECOND: '0.1',
      CONNECT_RATE_PER_IP_BURST: '1',
      TRUST_PROXY: 'true',
    });
    const handshake = (forwarded: string) =>
      fetch(`${server.url}/socket.io/?EIO=4&transport=polling`, {
        headers: { 'x-forwarded-for': forwarded },
      });
    expect((await handshake('198.51.100.1, 203.0.113.7')).status).toBe(200);
    const again = await handshake('198.51.100.2, 203.0.113.7');
    expect(again.status).toBe(429);
    expect(await again.json()).toMatchObject({ error: { code: 'RATE_LIMITED', retryable: true } });
    // a different client address (the proxy's last hop) has a bucket of its own
    expect((await handshake('203.0.113.8')).status).toBe(200);
  });
});
