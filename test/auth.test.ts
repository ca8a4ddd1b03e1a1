import { SignJWT } from 'jose';
import { io as ioClient } from 'socket.io-client';
import { describe, expect, it } from 'vitest';
import type { ErrorBody } from '../client-sdk/src/protocol/index.js';
import { collect, nextEvent } from './helpers/events.js';
import { TEST_SECRET, useServers, type TestServer } from './helpers/server.js';

const start = useServers();

/** Connects with this handshake auth and returns the connect error's data, or 'connected'. */
async function connectOutcome(
  server: TestServer,
  auth: Record<string, unknown>,
): Promise<ErrorBody | 'connected'> {
  const socket = ioClient(server.url, {
    auth,
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
  });
  try {
    return await new Promise((resolve) => {
      socket.once('connect', () => resolve('connected'));
      socket.once('connect_error', (err: Error & { data?: ErrorBody }) =>
        resolve(err.data ?? { code: 'INTERNAL', message: err.message, retryable: true }),
      );
    });
  } finally {
    socket.close();
  }
}

describe('authentication', () => {
  it('refuses a missing, malformed, wrongly signed or expired token with a coded error', async () => {
    const server = await start();
    expect(await connectOutcome(server, {})).toMatchObject({ code: 'UNAUTHENTICATED' });
    expect(await connectOutcome(server, { token: 'not-a-jwt' })).toMatchObject({
      code: 'UNAUTHENTICATED',
    });
    const forged = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('mallory')
      .setExpirationTime('1h')
      .sign(new TextEncoder().encode('another-secret-another-secret-another'));
    expect(await connectOutcome(server, { token: forged })).toMatchObject({
      code: 'UNAUTHENTICATED',
    });
    const expired = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('late')
      .setIssuedAt(Math.floor(Date.now() / 1000) - 7200)
      .setExpirationTime(Math.floor(Date.now() / 1000) - 3600)
      .sign(new TextEncoder().encode(TEST_SECRET));
    expect(await connectOutcome(server, { token: expired })).toMatchObject({
      code: 'TOKEN_EXPIRED',
      retryable: false,
    });
    const badRole = await new SignJWT({ role: 'superuser' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('x')
      .setExpirationTime('1h')
      .sign(new TextEncoder().encode(TEST_SECRET));
    expect(await connectOutcome(server, { token: badRole })).toMatchObject({
      code: 'UNAUTHENTICATED',
    });
    expect(await connectOutcome(server, { token: await server.token({ sub: 'ok' }) })).toBe(
      'connected',
    );
  });

  it('greets a connection with the claims it was authenticated with', async () => {
    const server = await start();
    const socket = ioClient(server.url, {
      auth: {
        token: await server.token({
          sub: 'li',
          name: 'Li',
          role: 'moderator',
          region: 'HK',
          lang: 'zh-Hant',
        }),
      },
      transports: ['websocket'],
      forceNew: true,
    });
    try {
      const hello = await nextEvent(socket, 'server:hello');
      expect(hello).toMatchObject({
        protocol: 1,
        user: {
          id: 'li',
          name: 'Li',
          role: 'moderator',
          anonymous: false,
          region: 'HK',
          language: 'zh-Hant',
        },
      });
    } finally {
      socket.close();
    }
  });
});

/** A token signed with the test secret, with exactly these claims and times (seconds). */
function raw(claims: Record<string, unknown>, times: { iat?: number; exp?: number; nbf?: number }) {
  let jwt = new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setSubject('tess');
  if (times.iat !== undefined) jwt = jwt.setIssuedAt(times.iat);
  if (times.exp !== undefined) jwt = jwt.setExpirationTime(times.exp);
  if (times.nbf !== undefined) jwt = jwt.setNotBefore(times.nbf);
  return jwt.sign(new TextEncoder().encode(TEST_SECRET));
}

describe('token lifetimes', () => {
  const nowS = () => Math.floor(Date.now() / 1000);

  it('refuses a token without exp, issued or valid only in the future, or living too long', async () => {
    const server = await start({ AUTH_MAX_TOKEN_AGE_SECONDS: '3600' });
    const refused = async (token: string, message: RegExp) =>
      expect(await connectOutcome(server, { token })).toMatchObject({
        code: 'UNAUTHENTICATED',
        retryable: false,
        message: expect.stringMatching(message) as unknown,
      });
    await refused(await raw({}, { iat: nowS() }), /expiry time \(exp\)/);
    await refused(await raw({}, {}), /expiry time \(exp\)/);
    const yearAhead = nowS() + 365 * 86_400;
    await refused(await raw({}, { iat: yearAhead, exp: yearAhead + 600 }), /issued in the future/);
    await refused(await raw({}, { iat: nowS(), nbf: nowS() + 600, exp: nowS() + 1200 }), /nbf/);
    await refused(
      await raw({}, { iat: nowS(), exp: nowS() + 7200 }),
      /lives longer than the 3600 s/,
    );
    await refused(await raw({}, { exp: nowS() + 365 * 86_400 }), /lives longer/);
    await refused('x'.repeat(9000), /longer than 8192 characters/);
    // a well-formed one, and one from an issuer whose clock is a few seconds ahead (the leeway)
    expect(
      await connectOutcome(server, { token: await raw({}, { iat: nowS(), exp: nowS() + 3600 }) }),
    ).toBe('connected');
    expect(
      await connectOutcome(server, {
        token: await raw({}, { iat: nowS() + 10, nbf: nowS() + 10, exp: nowS() + 600 }),
      }),
    ).toBe('connected');
    // just expired, within the leeway, still counts; well past it is TOKEN_EXPIRED
    expect(
      await connectOutcome(server, {
        token: await raw({}, { iat: nowS() - 600, exp: nowS() - 5 }),
      }),
    ).toBe('connected');
    expect(
      await connectOutcome(server, {
        token: await raw({}, { iat: nowS() - 600, exp: nowS() - 60 }),
      }),
    ).toMatchObject({ code: 'TOKEN_EXPIRED' });
  });

  it('checks times on the server clock, so a server running ahead refuses what has expired for it', async () => {
    const server = await start({}, { now: () => Date.now() + 7200_000 });
    const token = await raw({}, { iat: nowS(), exp: nowS() + 3600 });
    expect(await connectOutcome(server, { token })).toMatchObject({ code: 'TOKEN_EXPIRED' });
  });
});

describe('roles', () => {
  it('a viewer cannot create, start or end a stream, nor delete, pin or set slow mode', async () => {
    const server = await start();
    const h = await server.socket({ sub: 'hana', role: 'host' });
    await h.emitWithAck('stream:create', { roomId: 'r', title: 'Show' });
    await h.emitWithAck('room:join', { roomId: 'r' });
    const msg = await h.emitWithAck('chat:send', { roomId: 'r', text: 'welcome' });
    if (!msg.ok) throw new Error('send failed');
    const v = await server.socket({ sub: 'vic' });
    await v.emitWithAck('room:join', { roomId: 'r' });
    const refused = [
      await v.emitWithAck('stream:create', { roomId: 'r2', title: 'Mine' }),
      await v.emitWithAck('stream:create', { roomId: 'r', title: 'Hijack' }),
      await v.emitWithAck('stream:start', { roomId: 'r' }),
      await v.emitWithAck('stream:end', { roomId: 'r' }),
      await v.emitWithAck('chat:delete', { roomId: 'r', messageId: msg.id }),
      await v.emitWithAck('chat:pin', { roomId: 'r', messageId: msg.id }),
      await v.emitWithAck('chat:set-slow-mode', { roomId: 'r', seconds: 10 }),
    ];
    for (const ack of refused)
      expect(ack).toMatchObject({ ok: false, error: { code: 'FORBIDDEN', retryable: false } });
    expect(server.app.internals.registry.get('r')?.stream.info.state).toBe('scheduled');
  });

  it('roles are per room: a host of one room is a viewer in another', async () => {
    const server = await start();
    const boss = await server.socket({ sub: 'boss', role: 'host' });
    await boss.emitWithAck('stream:create', { roomId: 'other', title: 'Other' });
    const local = await server.socket({ sub: 'local', rooms: { mine: 'host' } });
    expect(
      await local.emitWithAck('stream:create', { roomId: 'mine', title: 'Mine' }),
    ).toMatchObject({ ok: true });
    expect(await local.emitWithAck('stream:start', { roomId: 'other' })).toMatchObject({
      ok: false,
      error: { code: 'FORBIDDEN' },
    });
    expect(await local.emitWithAck('stream:start', { roomId: 'mine' })).toMatchObject({ ok: true });
  });
});

describe('room ownership', () => {
  it('a room belongs to its creator: another global host can neither retitle, run nor sell in it', async () => {
    const server = await start();
    const owner = await server.socket({ sub: 'hana', role: 'host' });
    await owner.emitWithAck('stream:create', { roomId: 'hanas', title: 'Hana live' });
    await owner.emitWithAck('stream:start', { roomId: 'hanas' });
    const rival = await server.socket({ sub: 'rex', role: 'host' });
    await rival.emitWithAck('room:join', { roomId: 'hanas' });
    const product = {
      id: 'p1',
      title: 'Fake',
      price: { amountMinor: 1, currency: 'EUR' },
      imageUrl: null,
      sku: 'F-1',
    };
    for (const ack of [
      await rival.emitWithAck('stream:create', { roomId: 'hanas', title: 'Rex took over' }),
      await rival.emitWithAck('stream:end', { roomId: 'hanas' }),
      await rival.emitWithAck('product:upsert', { roomId: 'hanas', product }),
      await rival.emitWithAck('chat:set-slow-mode', { roomId: 'hanas', seconds: 30 }),
    ])
      expect(ack).toMatchObject({
        ok: false,
        error: {
          code: 'FORBIDDEN',
          message: expect.stringMatching(/belongs to another host|moderator/) as unknown,
        },
      });
    const room = server.app.internals.registry.get('hanas');
    expect(room?.stream.info).toMatchObject({ title: 'Hana live', state: 'live', hostId: 'hana' });
    // in someone else's room a global host is a viewer
    const joined = await rival.emitWithAck('room:join', { roomId: 'hanas' });
    expect(joined).toMatchObject({ ok: true });
    // the rival still creates rooms of its own
    expect(
      await rival.emitWithAck('stream:create', { roomId: 'rexs', title: 'Rex' }),
    ).toMatchObject({ ok: true });
  });

  it('an ended room (kept for late viewers) cannot be taken over by another host; its own host may start it again', async () => {
    const server = await start();
    const owner = await server.socket({ sub: 'hana', role: 'host' });
    await owner.emitWithAck('stream:create', { roomId: 'finale', title: 'Finale' });
    const first = server.app.internals.registry.get('finale')?.epoch;
    await owner.emitWithAck('stream:end', { roomId: 'finale' });
    const rival = await server.socket({ sub: 'rex', role: 'host' });
    expect(
      await rival.emitWithAck('stream:create', { roomId: 'finale', title: 'Mine now' }),
    ).toMatchObject({
      ok: false,
      error: { code: 'FORBIDDEN' },
    });
    const kept = await server.app.internals.registry.find('finale');
    expect(kept?.stream.info).toMatchObject({ hostId: 'hana', title: 'Finale', state: 'ended' });
    expect(
      await owner.emitWithAck('stream:create', { roomId: 'finale', title: 'Encore' }),
    ).toMatchObject({
      ok: true,
      seq: 1,
      stream: { hostId: 'hana', title: 'Encore', state: 'scheduled' },
    });
    expect((await server.app.internals.registry.find('finale'))?.epoch).not.toBe(first);
  });

  it("a co-host named in the token's rooms claim, and an admin, may run another host's room", async () => {
    const server = await start();
    const owner = await server.socket({ sub: 'hana', role: 'host' });
    await owner.emitWithAck('stream:create', { roomId: 'shared', title: 'Shared' });
    const cohost = await server.socket({ sub: 'cora', role: 'host', rooms: { shared: 'host' } });
    expect(
      await cohost.emitWithAck('stream:create', { roomId: 'shared', title: 'Shared, edited' }),
    ).toMatchObject({
      ok: true,
      stream: { title: 'Shared, edited', hostId: 'hana' },
    });
    const admin = await server.socket({ sub: 'ops', role: 'admin' });
    expect(await admin.emitWithAck('stream:start', { roomId: 'shared' })).toMatchObject({
      ok: true,
    });
    const joined = await admin.emitWithAck('room:join', { roomId: 'shared' });
    expect(joined).toMatchObject({ ok: true, snapshot: { role: 'host' } });
    expect(await admin.emitWithAck('stream:end', { roomId: 'shared' })).toMatchObject({ ok: true });
  });
});

describe('anonymous viewers', () => {
  it('are refused when not enabled', async () => {
    const server = await start();
    expect(await connectOutcome(server, {})).toMatchObject({ code: 'UNAUTHENTICATED' });
  });

  it('when enabled, watch and read chat but cannot write', async () => {
    const server = await start({ AUTH_ALLOW_ANONYMOUS: 'true' });
    const h = await server.socket({ sub: 'hana', role: 'host' });
    await h.emitWithAck('stream:create', { roomId: 'r', title: 'Show' });
    await h.emitWithAck('room:join', { roomId: 'r' });
    const anon = await server.socket(null);
    const joined = await anon.emitWithAck('room:join', { roomId: 'r' });
    expect(joined).toMatchObject({ ok: true, snapshot: { role: 'viewer' } });
    const batches = collect(anon, 'chat:batch');
    const reading = nextEvent(anon, 'chat:batch');
    await h.emitWithAck('chat:send', { roomId: 'r', text: 'hello guests' });
    expect(await reading).toMatchObject({ messages: [{ text: 'hello guests' }] });
    for (const ack of [
      await anon.emitWithAck('chat:send', { roomId: 'r', text: 'me too' }),
      await anon.emitWithAck('reaction:send', { roomId: 'r', kind: 'heart' }),
      await anon.emitWithAck('stream:create', { roomId: 'x', title: 'x' }),
    ]) {
      expect(ack).toMatchObject({ ok: false, error: { code: 'AUTH_REQUIRED' } });
    }
    expect(batches).toHaveLength(1);
  });
});

describe('JWKS', () => {
  it('verifies asymmetric tokens against a JWKS URL', async () => {
    const { generateKeyPair, exportJWK } = await import('jose');
    const { createServer } = await import('node:http');
    const { publicKey, privateKey } = await generateKeyPair('ES256');
    const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' };
    const jwks = createServer((_req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ keys: [jwk] }));
    });
    await new Promise<void>((resolve) => jwks.listen(0, '127.0.0.1', resolve));
    const address = jwks.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    try {
      const server = await start({
        AUTH_JWT_SECRET: '',
        AUTH_JWKS_URL: `http://127.0.0.1:${port}/jwks.json`,
        AUTH_ISSUER: 'https://idp.example.com',
      });
      const sign = (issuer: string) =>
        new SignJWT({ name: 'Kim', role: 'moderator' })
          .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
          .setSubject('kim')
          .setIssuer(issuer)
          .setExpirationTime('5m')
          .sign(privateKey);
      expect(await connectOutcome(server, { token: await sign('https://idp.example.com') })).toBe(
        'connected',
      );
      expect(
        await connectOutcome(server, { token: await sign('https://evil.example.com') }),
      ).toMatchObject({ code: 'UNAUTHENTICATED' });
      const hs = await new SignJWT({})
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject('x')
        .setExpirationTime('5m')
        .sign(new TextEncoder().encode(TEST_SECRET));
      expect(await connectOutcome(server, { token: hs })).toMatchObject({
        code: 'UNAUTHENTICATED',
      });
    } finally {
      jwks.close();
    }
  });
});

describe('npm run token', () => {
  it('prints a development token the default configuration accepts', async () => {
    const { execFile } = await import('node:child_process');
    const { promisify } = await import('node:util');
    const { fileURLToPath } = await import('node:url');
    const { jwtVerify } = await import('jose');
    const { DEV_JWT_SECRET } = await import('../server/config.js');
    const root = fileURLToPath(new URL('..', import.meta.url));
    const env = Object.fromEntries(
      Object.entries(process.env).filter(([k]) => !k.startsWith('AUTH_')),
    );
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [
        '--import',
        'tsx',
        'server/token-cli.ts',
        '--sub',
        'alice',
        '--role',
        'host',
        '--room',
        'show1:moderator',
      ],
      { cwd: root, env },
    );
    const { payload } = await jwtVerify(stdout.trim(), new TextEncoder().encode(DEV_JWT_SECRET));
    expect(payload).toMatchObject({ sub: 'alice', role: 'host', rooms: { show1: 'moderator' } });
    expect(payload.exp! - payload.iat!).toBe(3600);
  });
});
