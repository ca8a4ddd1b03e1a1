import { WebSocket } from 'ws';
import { describe, expect, it } from 'vitest';
import {
  clientEvents,
  ERROR_CODES,
  type ClientEventName,
} from '../client-sdk/src/protocol/index.js';
import { nextEvent } from './helpers/events.js';
import { useServers, type RawSocket } from './helpers/server.js';

const start = useServers();

/** A payload that fails each event's schema. */
const badPayloads: Record<ClientEventName, unknown[]> = {
  'room:join': [
    undefined,
    'lobby',
    { roomId: '' },
    { roomId: 'a b' },
    { roomId: 'x', resume: { epoch: 'e', lastSeq: -1 } },
  ],
  'room:leave': [null, { roomId: 42 }],
  'chat:send': [
    { roomId: 'r' },
    { roomId: 'r', text: 7 },
    { roomId: 'r', text: 'hi', clientMsgId: '' },
  ],
  'chat:delete': [{ roomId: 'r' }, { roomId: 'r', messageId: 'x'.repeat(65) }],
  'chat:pin': [{ roomId: 'r', messageId: null }],
  'chat:unpin': [[]],
  'room:admission': [
    { roomId: 'r' },
    { roomId: 'r', capacity: 0, admitPerSecond: null },
    { roomId: 'r', capacity: null, admitPerSecond: -1 },
    { roomId: 'r', capacity: 10, admitPerSecond: null, preQueueDropId: 'bad id' },
  ],
  'queue:enter': [{}, { roomId: '' }],
  'queue:audit': [{ roomId: 7 }],
  'queue:leave': [{ roomId: 'r' }, { roomId: 'r', ticket: 'x'.repeat(65) }],
  'room:shield': [
    { roomId: 'r' },
    { roomId: 'r', on: 'yes' },
    { roomId: 'r', on: true, settings: { slowModeSeconds: -1 } },
    { roomId: 'r', on: true, settings: { newcomers: 'silence' } },
  ],
  'chat:set-slow-mode': [
    { roomId: 'r', seconds: -1 },
    { roomId: 'r', seconds: 1.5 },
    { roomId: 'r', seconds: 99999 },
  ],
  'drop:lottery': [{ roomId: 'r' }, { roomId: 'r', dropId: 'a b' }],
  'auction:create': [
    { roomId: 'r', auctionId: 'a', productId: 'p', durationSeconds: 2 },
    { roomId: 'r', auctionId: 'a', productId: 'p', startingMinor: 1.5 },
    { roomId: 'r', auctionId: 'a', productId: 'p', increments: [] },
    { roomId: 'r', auctionId: 'a', productId: 'p', counterBidSeconds: -1 },
  ],
  'auction:start': [{ roomId: 'r' }, { roomId: 'r', auctionId: 'a b' }],
  'auction:bid': [
    { roomId: 'r', auctionId: 'a', maxMinor: 100 },
    { roomId: 'r', auctionId: 'a', maxMinor: 1.5, idempotencyKey: 'key-12345' },
    { roomId: 'r', auctionId: 'a', maxMinor: 0, idempotencyKey: 'key-12345' },
    { roomId: 'r', auctionId: 'a', maxMinor: '100', idempotencyKey: 'key-12345' },
  ],
  'auction:get': [{ roomId: 'r' }, { roomId: 'r', auctionId: '' }],
  'giveaway:create': [
    { roomId: 'r', giveawayId: 'g', productId: 'p', winners: 0 },
    { roomId: 'r', giveawayId: 'g', productId: 'p', durationSeconds: 1 },
    { roomId: 'r', giveawayId: 'g b', productId: 'p' },
  ],
  'giveaway:enter': [{ roomId: 'r' }, { roomId: 'r', giveawayId: 'g', route: 'back-door' }],
  'giveaway:draw': [{ roomId: 'r' }],
  'giveaway:audit': [{ roomId: 'r', giveawayId: 7 }],
  'moderation:held': [{}, { roomId: 'a b' }],
  'moderation:review': [
    { roomId: 'r', messageId: 'm' },
    { roomId: 'r', messageId: 'm', approve: 'yes' },
  ],
  'moderation:sanction': [
    { roomId: 'r', userId: 'u', kind: 'mute' },
    { roomId: 'r', userId: 'u', kind: 'timeout', seconds: 5 },
    { roomId: 'r', userId: 'u', kind: 'timeout', seconds: 15 * 86_400 },
    { roomId: 'r', userId: '', kind: 'ban' },
  ],
  'moderation:lift': [{ roomId: 'r', userId: 'u' }],
  'moderation:sanctions': [{ roomId: 7 }],
  'moderation:report': [{ roomId: 'r' }, { roomId: 'r', messageId: 'm', reason: 5 }],
  'moderation:reports': [{}, { roomId: 'a b' }],
  'moderation:dismiss': [{ roomId: 'r' }, { roomId: 'r', messageId: 'x'.repeat(65) }],
  'moderation:role': [{ roomId: 'r', userId: 'u', role: 'host' }],
  'moderation:purge': [{ roomId: 'r' }, { roomId: 'r', userId: 'x'.repeat(129) }],
  'media:capabilities': [{}, { roomId: 'a b' }],
  'media:transport': [{ roomId: 'r' }, { roomId: 'r', direction: 'both' }],
  'media:connect': [
    { roomId: 'r', transportId: 't' },
    { roomId: 'r', transportId: 't', dtlsParameters: { fingerprints: [] } },
    {
      roomId: 'r',
      transportId: 't',
      dtlsParameters: { fingerprints: [{ algorithm: 'md5', value: 'x' }] },
    },
  ],
  'media:produce': [
    { roomId: 'r', transportId: 't', kind: 'video' },
    { roomId: 'r', transportId: 't', kind: 'screen', rtpParameters: { codecs: [] } },
    { roomId: 'r', transportId: 't', kind: 'video', rtpParameters: { codecs: [] } },
    {
      roomId: 'r',
      transportId: 't',
      kind: 'video',
      rtpParameters: {
        codecs: [{ mimeType: 'video/VP8', payloadType: 300, clockRate: 90000 }],
      },
    },
  ],
  'media:consume': [
    { roomId: 'r', transportId: 't', producerId: 'p' },
    { roomId: 'r', transportId: 't', producerId: '', rtpCapabilities: {} },
  ],
  'media:resume': [{ roomId: 'r' }, { roomId: 'r', consumerId: 'x'.repeat(65) }],
  'media:layers': [
    { roomId: 'r', consumerId: 'c' },
    { roomId: 'r', consumerId: 'c', spatialLayer: 9 },
  ],
  'media:close': [{ roomId: 7 }],
  'product:upsert': [
    { roomId: 'r', product: { id: 'p', title: 'T', sku: 'S', imageUrl: null } },
    {
      roomId: 'r',
      product: {
        id: 'p',
        title: 'T',
        sku: 'S',
        imageUrl: null,
        price: { amountMinor: 1.5, currency: 'EUR' },
      },
    },
    {
      roomId: 'r',
      product: {
        id: 'p',
        title: 'T',
        sku: 'S',
        imageUrl: 'javascript:alert(1)',
        price: { amountMinor: 100, currency: 'eur' },
      },
    },
  ],
  'product:remove': [{ roomId: 'r', productId: 'a b' }],
  'product:pin': [{ roomId: 'r' }],
  'product:unpin': [{ roomId: 'r', productId: '' }],
  'drop:create': [
    { roomId: 'r', dropId: 'd', productId: 'p', quantity: 0, durationSeconds: 60 },
    { roomId: 'r', dropId: 'd', productId: 'p', quantity: 5 },
    { roomId: 'r', dropId: 'd e', productId: 'p', quantity: 5, durationSeconds: 60 },
    { roomId: 'r', dropId: 'd', productId: 'p', quantity: 5, durationSeconds: 60, holdSeconds: 1 },
  ],
  'drop:claim': [
    { roomId: 'r', dropId: 'd' },
    { roomId: 'r', dropId: 'd', idempotencyKey: 'short' },
  ],
  'drop:checkout': [{ roomId: 'r', dropId: 'd', holdId: 'h' }],
  'drop:cancel': [{ roomId: 'r', dropId: 'd' }],
  'reaction:send': [
    { roomId: 'r', kind: 'poop' },
    { roomId: 'r', kind: 'heart', count: 0 },
  ],
  'stream:create': [
    { roomId: 'r' },
    { roomId: 'r', title: '' },
    { roomId: 'r', title: 't', coverUrl: 'javascript:alert(1)' },
  ],
  'stream:start': [{}],
  'stream:end': ['r'],
  'time:sync': [42],
};

function emitRaw(socket: RawSocket, event: string, ...args: unknown[]): Promise<unknown> {
  return (
    socket as unknown as { emitWithAck(e: string, ...a: unknown[]): Promise<unknown> }
  ).emitWithAck(event, ...args);
}

/** Emits without an ack, which the typed socket does not allow. */
function emitNoAck(socket: RawSocket, event: string, ...args: unknown[]): void {
  (socket as unknown as { emit(e: string, ...a: unknown[]): void }).emit(event, ...args);
}

describe('bad input', () => {
  it('every event answers a schema failure with BAD_REQUEST naming the field, and the server stays up', async () => {
    const server = await start({ CONNECTION_EVENTS_BURST: '500' });
    const socket = await server.socket({ sub: 'fuzzy', role: 'host' });
    expect(Object.keys(badPayloads).sort()).toEqual(Object.keys(clientEvents).sort());
    for (const [event, payloads] of Object.entries(badPayloads)) {
      for (const payload of payloads) {
        const ack = await emitRaw(socket, event, payload);
        expect(ack, `${event} ${JSON.stringify(payload)}`).toMatchObject({
          ok: false,
          error: { code: 'BAD_REQUEST', retryable: false, message: expect.stringContaining(event) },
        });
      }
    }
    expect(await emitRaw(socket, 'time:sync', {})).toMatchObject({
      ok: true,
      serverTime: expect.any(Number),
    });
  });

  it('an event without an ack still gets its error, as server:error', async () => {
    const server = await start();
    const socket = await server.socket();
    const error = nextEvent(socket, 'server:error');
    emitNoAck(socket, 'chat:send', { roomId: 'r', text: 42 });
    expect(await error).toMatchObject({ code: 'BAD_REQUEST', event: 'chat:send' });
  });

  it('unknown events get UNKNOWN_EVENT, with or without an ack', async () => {
    const server = await start();
    const socket = await server.socket();
    expect(await emitRaw(socket, 'drop:hack', { all: true })).toMatchObject({
      ok: false,
      error: { code: 'UNKNOWN_EVENT', message: 'Unknown event "drop:hack"' },
    });
    const error = nextEvent(socket, 'server:error');
    emitNoAck(socket, 'constructor');
    expect(await error).toMatchObject({ code: 'UNKNOWN_EVENT', event: 'constructor' });
  });

  it('an oversized event is refused with PAYLOAD_TOO_LARGE and the connection stays usable', async () => {
    const server = await start({ MAX_EVENT_BYTES: '4096' });
    const socket = await server.socket({ sub: 'big', role: 'host' });
    const ack = await emitRaw(socket, 'stream:create', {
      roomId: 'r',
      title: 't',
      description: 'é'.repeat(3000),
    });
    expect(ack).toMatchObject({
      ok: false,
      error: { code: 'PAYLOAD_TOO_LARGE', retryable: false },
    });
    const error = nextEvent(socket, 'server:error');
    emitNoAck(socket, 'chat:send', { roomId: 'r', text: 'y'.repeat(10_000) });
    expect(await error).toMatchObject({ code: 'PAYLOAD_TOO_LARGE', event: 'chat:send' });
    expect(await emitRaw(socket, 'stream:create', { roomId: 'r', title: 'small' })).toMatchObject({
      ok: true,
    });
  });

  it('a frame over the transport limit closes that connection only (WebSocket 1009)', async () => {
    const server = await start({ MAX_FRAME_BYTES: '8192', MAX_EVENT_BYTES: '4096' });
    const bystander = await server.socket({ sub: 'calm' });
    const socket = await server.socket({ sub: 'huge' });
    const gone = nextEvent(socket, 'disconnect');
    emitNoAck(socket, 'chat:send', { roomId: 'r', text: 'z'.repeat(20_000) });
    expect(await gone).toBe('transport close');
    expect(await emitRaw(bystander, 'time:sync', {})).toMatchObject({ ok: true });
  });

  it('a malformed packet gets an error, then that connection is closed; others are unaffected', async () => {
    const server = await start();
    const bystander = await server.socket({ sub: 'calm' });
    const token = await server.token({ sub: 'raw' });
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}/socket.io/?EIO=4&transport=websocket`);
    const frames: string[] = [];
    ws.on('message', (data) => {
      const text = (data as Buffer).toString();
      frames.push(text);
      if (text.startsWith('0{')) ws.send(`40${JSON.stringify({ token })}`);
      else if (text.startsWith('40')) ws.send('42["chat:send",{"roomId":"r",');
    });
    await new Promise((resolve) => ws.once('close', resolve));
    const error = frames.find((f) => f.startsWith('42["server:error"'));
    expect(error).toBeDefined();
    expect((JSON.parse(error!.slice(2)) as unknown[])[1]).toMatchObject({ code: 'BAD_REQUEST' });
    expect(await emitRaw(bystander, 'time:sync', {})).toMatchObject({ ok: true });
  });

  it('a handler failure is INTERNAL with no stack trace, and logged', async () => {
    const server = await start();
    const h = await server.socket({ sub: 'hana', role: 'host' });
    await h.emitWithAck('stream:create', { roomId: 'r', title: 'Show' });
    const room = server.app.internals.registry.get('r')!;
    room.stream.start = () => Promise.reject(new Error('disk on fire at /srv/secret/path.ts:12'));
    const ack = await h.emitWithAck('stream:start', { roomId: 'r' });
    expect(ack).toEqual({
      ok: false,
      error: { code: 'INTERNAL', message: 'Internal error', retryable: true },
    });
    expect(JSON.stringify(ack)).not.toContain('secret');
  });

  it('every error code in the table is documented and has a retry flag', () => {
    for (const [code, entry] of Object.entries(ERROR_CODES)) {
      expect(code).toMatch(/^[A-Z_]+$/);
      expect(entry.description.length).toBeGreaterThan(10);
      expect(typeof entry.retryable).toBe('boolean');
    }
  });
});
