import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../server/config.js';
import { useServers, type TestServer } from './helpers/server.js';

const start = useServers();

interface Answer {
  status: number;
  allow: string | null;
  body: unknown;
}

async function call(
  server: TestServer,
  method: string,
  path: string,
  init: { token?: string; type?: string; body?: string | Uint8Array } = {},
): Promise<Answer> {
  const headers: Record<string, string> = {};
  if (init.token) headers['authorization'] = `Bearer ${init.token}`;
  if (init.type) headers['content-type'] = init.type;
  const res = await fetch(`${server.url}${path}`, {
    method,
    headers,
    ...(init.body === undefined
      ? {}
      : { body: typeof init.body === 'string' ? init.body : Buffer.from(init.body) }),
  });
  const text = await res.text();
  return {
    status: res.status,
    allow: res.headers.get('allow'),
    body: text === '' ? null : (JSON.parse(text) as unknown),
  };
}

const envelope = (code: string) => ({
  ok: false,
  error: { code, message: expect.any(String) as unknown, retryable: false },
});

/** Sends raw bytes and resolves with what came back once the server closed the connection. */
function raw(server: TestServer, chunks: string[], everyMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(server.port, '127.0.0.1');
    let received = '';
    let timer: NodeJS.Timeout | undefined;
    socket.on('data', (d: Buffer) => (received += d.toString()));
    socket.on('error', reject);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(received);
    });
    const next = (i: number) => {
      const chunk = chunks[i];
      if (chunk === undefined || socket.destroyed) return;
      socket.write(chunk);
      timer = setTimeout(() => next(i + 1), everyMs);
    };
    next(0);
  });
}

describe('HTTP strictness', () => {
  it('a wrong method gets 405 with Allow and the error envelope, on every path', async () => {
    const server = await start();
    const cases: [string, string, string][] = [
      ['POST', '/healthz', 'GET, HEAD'],
      ['DELETE', '/readyz', 'GET, HEAD'],
      ['POST', '/metrics', 'GET, HEAD'],
      ['PUT', '/media/host', 'GET, HEAD'],
      ['POST', '/sdk/liveshop-sdk.js', 'GET, HEAD'],
      ['POST', '/v1/rooms/show/products', 'GET, HEAD'],
      ['PATCH', '/v1/rooms/show/products/p1', 'PUT, DELETE'],
      ['GET', '/v1/rooms/show/pinned-products/p1', 'PUT, DELETE'],
      ['DELETE', '/v1/merchant/events', 'GET, HEAD'],
    ];
    for (const [method, path, allow] of cases) {
      const answer = await call(server, method, path);
      expect(answer, `${method} ${path}`).toEqual({
        status: 405,
        allow,
        body: envelope('METHOD_NOT_ALLOWED'),
      });
    }
    // HEAD answers as GET does, without a body; an unknown path is 404 with the envelope
    const head = await fetch(`${server.url}/healthz`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
    expect(await call(server, 'GET', '/nope')).toMatchObject({
      status: 404,
      body: envelope('NOT_FOUND'),
    });
  });

  it('/v1 takes JSON bodies in UTF-8 only, and checks its query parameters', async () => {
    const server = await start();
    const h = await server.socket({ sub: 'hana', role: 'host' });
    await h.emitWithAck('stream:create', { roomId: 'show', title: 'Show' });
    const token = await server.token({ sub: 'merchant-backend', role: 'admin' });
    const product = JSON.stringify({
      title: 'Cap',
      price: { amountMinor: 1500, currency: 'EUR' },
      imageUrl: null,
      sku: 'CAP-1',
    });
    const put = (init: { type?: string; body?: string | Uint8Array }) =>
      call(server, 'PUT', '/v1/rooms/show/products/cap', { token, ...init });
    expect(await put({ type: 'text/plain', body: product })).toMatchObject({
      status: 415,
      body: envelope('UNSUPPORTED_MEDIA_TYPE'),
    });
    expect(await put({ body: new TextEncoder().encode(product) })).toMatchObject({
      status: 415,
    });
    expect(await put({ type: 'application/x-www-form-urlencoded', body: 'a=1' })).toMatchObject({
      status: 415,
    });
    const invalidUtf8 = new Uint8Array([...new TextEncoder().encode('{"title":"'), 0xc3, 0x28]);
    expect(await put({ type: 'application/json', body: invalidUtf8 })).toMatchObject({
      status: 400,
      body: { ok: false, error: { code: 'BAD_REQUEST', message: expect.stringMatching(/UTF-8/) } },
    });
    expect(await put({ type: 'application/json' })).toMatchObject({ status: 400 });
    expect(await put({ type: 'application/json; charset=utf-8', body: product })).toMatchObject({
      status: 200,
      body: { ok: true, seq: expect.any(Number) as unknown },
    });

    for (const query of [
      'limit=-1',
      'limit=abc',
      'limit=0',
      'limit=1.5',
      'limit=5000',
      'limit=1&limit=2',
      'limit=10&offset=3',
    ]) {
      const answer = await call(server, 'GET', `/v1/merchant/events?${query}`, { token });
      expect(answer, query).toMatchObject({ status: 400, body: envelope('BAD_REQUEST') });
    }
    expect(await call(server, 'GET', '/v1/merchant/events?limit=10', { token })).toMatchObject({
      status: 200,
      body: { ok: true },
    });
    expect(await call(server, 'GET', '/v1/rooms/show/products?x=1', { token })).toMatchObject({
      status: 400,
    });
  });

  it('a request head uWS cannot parse, or one trickled in, is closed by the server (not held open)', async () => {
    const server = await start();
    const headers = Array.from({ length: 60 }, (_, i) => `x-h${i}: v\r\n`).join('');
    const trickle = [
      'GET /healthz HTTP/1.1\r\nHost: a\r\n',
      ...Array.from({ length: 200 }, (_, i) => `x-${i}: y\r\n`),
    ];
    // uWebSockets.js 20.30's parser answers none of these (newer ones send 431 / 400 itself); it
    // closes them when its request timeout passes, and then they have had no answer at all
    const answers = await Promise.all([
      raw(server, [`GET /healthz HTTP/1.1\r\nHost: a\r\n${headers}\r\n`], 0),
      raw(server, ['GET /healthz HTTP/1.1\r\nHost: a\r\nno colon here\r\n\r\n'], 0),
      raw(server, trickle, 1000),
    ]);
    expect(answers).toEqual(['', '', '']);
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  });
});

describe('metrics in production', () => {
  it('needs METRICS_PORT or METRICS_TOKEN when NODE_ENV=production', () => {
    const production = { NODE_ENV: 'production', AUTH_JWT_SECRET: 's'.repeat(40) };
    expect(() => loadConfig(production)).toThrow(/METRICS_PORT or METRICS_TOKEN: required/);
    expect(loadConfig({ ...production, METRICS_TOKEN: 't'.repeat(20) }).metrics).toEqual({
      port: null,
      token: 't'.repeat(20),
    });
    expect(loadConfig({ ...production, METRICS_PORT: '9464' }).metrics.port).toBe(9464);
  });

  it('behind METRICS_TOKEN, a scrape without the bearer token is refused', async () => {
    const token = 'scrape-token-0123456789';
    const server = await start({ METRICS_TOKEN: token });
    expect(await call(server, 'GET', '/metrics')).toMatchObject({
      status: 401,
      body: { ok: false, error: { code: 'UNAUTHENTICATED' } },
    });
    expect(
      (await call(server, 'GET', '/metrics', { token: 'wrong-token-0123456789' })).status,
    ).toBe(401);
    const scraped = await fetch(`${server.url}/metrics`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(scraped.status).toBe(200);
    expect(await scraped.text()).toMatch(/^liveshop_connections 0$/m);
  });

  it('on METRICS_PORT, metrics are served there and not on the app port', async () => {
    const server = await start({ METRICS_PORT: '0' });
    const { metricsPort } = server;
    expect(metricsPort).toBeGreaterThan(0);
    expect((await call(server, 'GET', '/metrics')).status).toBe(404);
    const scraped = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
    expect(scraped.status).toBe(200);
    expect(await scraped.text()).toMatch(/^liveshop_uws_native 1$/m);
    expect((await fetch(`http://127.0.0.1:${metricsPort}/healthz`)).status).toBe(404);
  });
});
