import { describe, expect, it } from 'vitest';
import { io as ioClient } from 'socket.io-client';
import { nextEvent } from './helpers/events.js';
import { useServerProcesses } from './helpers/process.js';
import { TEST_SECRET, useServers } from './helpers/server.js';
import { signToken } from '../server/auth.js';

const start = useServers();
const startProcess = useServerProcesses();
const host = { sub: 'hana', role: 'host' as const };

describe('media signalling', () => {
  it('checks membership, roles and ownership, and refuses bad input with its code', async () => {
    const server = await start({ MEDIA_ENABLED: 'true', MEDIA_WORKERS: '1' });
    const h = await server.socket(host);
    await h.emitWithAck('stream:create', { roomId: 'show', title: 'Show' });
    const viewer = await server.socket({ sub: 'vera' });

    // only a joined room
    expect(await viewer.emitWithAck('media:capabilities', { roomId: 'show' })).toMatchObject({
      ok: false,
      error: { code: 'NOT_IN_ROOM' },
    });
    await viewer.emitWithAck('room:join', { roomId: 'show' });
    await h.emitWithAck('room:join', { roomId: 'show' });
    const caps = await viewer.emitWithAck('media:capabilities', { roomId: 'show' });
    if (!caps.ok) throw new Error(caps.error.message);
    const mimeTypes = caps.rtpCapabilities.codecs?.map((c) => c.mimeType) ?? [];
    expect(mimeTypes).toEqual(expect.arrayContaining(['audio/opus', 'video/VP8', 'video/H264']));
    expect(caps.tracks).toEqual([]);

    // only hosts publish
    expect(
      await viewer.emitWithAck('media:transport', { roomId: 'show', direction: 'send' }),
    ).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    const send = await h.emitWithAck('media:transport', { roomId: 'show', direction: 'send' });
    if (!send.ok) throw new Error(send.error.message);
    expect(send.iceCandidates[0]).toMatchObject({ address: '127.0.0.1' });

    // a transport belongs to the connection that opened it
    expect(
      await viewer.emitWithAck('media:produce', {
        roomId: 'show',
        transportId: send.transportId,
        kind: 'video',
        rtpParameters: { codecs: [{ mimeType: 'video/VP8', payloadType: 96, clockRate: 90000 }] },
      }),
    ).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    const recv = await viewer.emitWithAck('media:transport', { roomId: 'show', direction: 'recv' });
    if (!recv.ok) throw new Error(recv.error.message);
    expect(
      await h.emitWithAck('media:consume', {
        roomId: 'show',
        transportId: recv.transportId,
        producerId: 'nope',
        rtpCapabilities: caps.rtpCapabilities,
      }),
    ).toMatchObject({ ok: false, error: { code: 'MEDIA_NOT_FOUND' } });
    expect(
      await viewer.emitWithAck('media:consume', {
        roomId: 'show',
        transportId: recv.transportId,
        producerId: 'nope',
        rtpCapabilities: caps.rtpCapabilities,
      }),
    ).toMatchObject({ ok: false, error: { code: 'MEDIA_NOT_FOUND' } });

    // one transport per direction: a second replaces the first (no transports pile up)
    const again = await viewer.emitWithAck('media:transport', {
      roomId: 'show',
      direction: 'recv',
    });
    if (!again.ok) throw new Error(again.error.message);
    const dtlsParameters = {
      role: 'client' as const,
      fingerprints: again.dtlsParameters.fingerprints,
    };
    expect(
      await viewer.emitWithAck('media:connect', {
        roomId: 'show',
        transportId: recv.transportId,
        dtlsParameters,
      }),
    ).toMatchObject({ ok: false, error: { code: 'MEDIA_NOT_FOUND' } });

    // asked for at once, transports still replace each other: one is left
    const burst = await Promise.all(
      [1, 2, 3, 4, 5].map(() =>
        viewer.emitWithAck('media:transport', { roomId: 'show', direction: 'recv' }),
      ),
    );
    const connected = await Promise.all(
      burst.map(async (t) => {
        if (!t.ok) return t;
        return viewer.emitWithAck('media:connect', {
          roomId: 'show',
          transportId: t.transportId,
          dtlsParameters,
        });
      }),
    );
    expect(connected.filter((c) => c.ok)).toHaveLength(1);

    // parameters mediasoup refuses come back as BAD_REQUEST, and the worker carries on
    expect(
      await h.emitWithAck('media:produce', {
        roomId: 'show',
        transportId: send.transportId,
        kind: 'video',
        rtpParameters: { codecs: [{ mimeType: 'video/nonsense', payloadType: 96, clockRate: 1 }] },
      }),
    ).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } });
    expect(await h.emitWithAck('media:resume', { roomId: 'show', consumerId: 'x' })).toMatchObject({
      ok: false,
      error: { code: 'MEDIA_NOT_FOUND' },
    });

    // leaving the room closes the connection's media there
    const media = await server.app.internals.media;
    expect(media.stats().rooms).toBe(1);
    await viewer.emitWithAck('room:leave', { roomId: 'show' });
    await h.emitWithAck('media:close', { roomId: 'show' });
    expect(media.stats().rooms).toBe(0);
  });

  it('ends media with the stream: clients are told, and no new media is set up', async () => {
    const server = await start({ MEDIA_ENABLED: 'true', MEDIA_WORKERS: '1' });
    const h = await server.socket(host);
    await h.emitWithAck('stream:create', { roomId: 'show', title: 'Show' });
    await h.emitWithAck('room:join', { roomId: 'show' });
    await h.emitWithAck('stream:start', { roomId: 'show' });
    const send = await h.emitWithAck('media:transport', { roomId: 'show', direction: 'send' });
    expect(send.ok).toBe(true);
    const closed = nextEvent(h, 'media:closed');
    await h.emitWithAck('stream:end', { roomId: 'show' });
    expect(await closed).toEqual({ roomId: 'show', reason: 'the stream ended' });
    expect((await server.app.internals.media).stats().rooms).toBe(0);
    expect(
      await h.emitWithAck('media:transport', { roomId: 'show', direction: 'send' }),
    ).toMatchObject({ ok: false, error: { code: 'INVALID_STATE' } });
  });

  it('without a worker the server runs chat, says so once, and refuses media with MEDIA_UNAVAILABLE', async () => {
    const server = await startProcess({
      MEDIA_ENABLED: 'true',
      MEDIASOUP_WORKER_BIN: '/nonexistent/mediasoup-worker',
    });
    const connect = async (claims: { sub: string; role?: 'host' }) => {
      const socket = ioClient(server.url, {
        auth: { token: await signToken(claims, TEST_SECRET, { ttlSeconds: 600 }) },
        transports: ['websocket'],
      });
      await new Promise((resolve) => socket.once('connect', () => resolve(undefined)));
      return socket;
    };
    const h = await connect(host);
    try {
      await h.emitWithAck('stream:create', { roomId: 'show', title: 'Show' });
      await h.emitWithAck('room:join', { roomId: 'show' });
      const refused = await h.emitWithAck('media:capabilities', { roomId: 'show' });
      expect(refused).toMatchObject({
        ok: false,
        error: { code: 'MEDIA_UNAVAILABLE', retryable: true },
      });
      // the reason (here a path on the server) goes to the log, not to clients
      expect(JSON.stringify(refused)).not.toContain('/nonexistent');
      expect(
        await h.emitWithAck('chat:send', { roomId: 'show', text: 'still here' }),
      ).toMatchObject({ ok: true });
      const said = server.logs.filter((l) => String(l.msg).startsWith('media unavailable'));
      expect(said).toHaveLength(1);
      expect(String(said[0]!.reason)).toContain('/nonexistent/mediasoup-worker');
      const metrics = await (await fetch(`${server.url}/metrics`)).text();
      expect(metrics).toMatch(/liveshop_media_available 0/);
      expect(await (await fetch(`${server.url}/readyz`)).json()).toEqual({ status: 'ready' });
    } finally {
      h.close();
    }
  });
});
