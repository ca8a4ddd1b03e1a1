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
    const badRole = await new SignJWT({ role: 'admin' })
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
    expect(server.app.internals.registry.get('r')?.stream.state).toBe('scheduled');
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
