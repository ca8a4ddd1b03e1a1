import { describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { CodedError, createClient } from '../client-sdk/src/index.js';
import { readLimit } from '../server/transport/frames.js';
import { nextEvent } from './helpers/events.js';
import { connectErrorOf, useServers, type TestServer } from './helpers/server.js';

const start = useServers();
const LIMITS = { MAX_FRAME_BYTES: '8192', MAX_EVENT_BYTES: '4096' };

interface Closed {
  code: number;
  reason: string;
  frames: string[];
}

/**
 * A raw WebSocket speaking socket.io's wire protocol: it connects to the main namespace with a
 * token (`connect`, as socket.io-client would send it) and then sends `after` once connected.
 */
function rawClient(
  server: TestServer,
  connect: string,
  after: (ws: WebSocket) => void = () => {},
): Promise<Closed> {
  const ws = new WebSocket(`ws://127.0.0.1:${server.port}/socket.io/?EIO=4&transport=websocket`);
  const frames: string[] = [];
  ws.on('message', (data) => {
    const text = (data as Buffer).toString();
    frames.push(text);
    if (text.startsWith('0{')) ws.send(connect);
    else if (text.startsWith('40')) after(ws);
    else if (text.startsWith('44')) ws.close(); // refused: socket.io leaves closing to the client
  });
  ws.on('error', () => {});
  return new Promise((resolve) =>
    ws.once('close', (code, reason) => resolve({ code, reason: reason.toString(), frames })),
  );
}

/** The CONNECT_ERROR a raw client was sent, parsed. */
const refusalOf = (closed: Closed): unknown => {
  const frame = closed.frames.find((f) => f.startsWith('44'));
  return frame === undefined ? undefined : JSON.parse(frame.slice(2));
};

const socketIoPayload = (frame: string, prefix: string): unknown[] =>
  JSON.parse(frame.slice(prefix.length)) as unknown[];

async function refusals(server: TestServer, reason: string): Promise<number> {
  const { values } = await server.app.metrics.wsRefused.get();
  return values.find((v) => v.labels.reason === reason)?.value ?? 0;
}

describe('WebSocket close codes', () => {
  it('a frame over MAX_FRAME_BYTES gets its ack with PAYLOAD_TOO_LARGE, then a 1009 close frame', async () => {
    const server = await start(LIMITS);
    const token = await server.token({ sub: 'huge' });
    const closed = await rawClient(server, `40${JSON.stringify({ token })}`, (ws) =>
      ws.send(`4217${JSON.stringify(['chat:send', { roomId: 'r', text: 'z'.repeat(20_000) }])}`),
    );
    expect(closed.code).toBe(1009);
    const ack = closed.frames.find((f) => f.startsWith('4317['));
    expect(ack && socketIoPayload(ack, '4317')).toEqual([
      { ok: false, error: expect.objectContaining({ code: 'PAYLOAD_TOO_LARGE' }) as unknown },
    ]);
    expect(await refusals(server, 'oversized')).toBe(1);
  });

  it('without an ack the error comes as server:error; socket.io-client sees the close, others are unaffected', async () => {
    const server = await start(LIMITS);
    const bystander = await server.socket({ sub: 'calm' });
    const token = await server.token({ sub: 'huge' });
    const closed = await rawClient(server, `40${JSON.stringify({ token })}`, (ws) =>
      ws.send(`42${JSON.stringify(['chat:send', { roomId: 'r', text: 'z'.repeat(20_000) }])}`),
    );
    expect(closed.code).toBe(1009);
    const error = closed.frames.find((f) => f.startsWith('42["server:error"'));
    expect(error && socketIoPayload(error, '42')[1]).toMatchObject({
      code: 'PAYLOAD_TOO_LARGE',
      event: 'chat:send',
    });
    // the SDK's socket.io-client: the request fails with the code, not a timeout
    const client = await server.client({ sub: 'sdk' });
    await expect(
      client.request('chat:send', { roomId: 'r', text: 'z'.repeat(9000) }),
    ).rejects.toMatchObject({
      code: 'PAYLOAD_TOO_LARGE',
    });
    expect(await bystander.emitWithAck('time:sync', {})).toMatchObject({ ok: true });
  });

  it('an oversized token reaches socket.io-client and the SDK as a coded connect_error', async () => {
    const server = await start(LIMITS);
    const token = 'x'.repeat(20_000);
    expect(await connectErrorOf(server.url, { token })).toMatchObject({
      code: 'PAYLOAD_TOO_LARGE',
      retryable: false,
    });
    const client = createClient({ url: server.url, token, transports: ['websocket'] });
    try {
      const error = await nextEvent<CodedError>(client, 'error');
      expect(error).toBeInstanceOf(CodedError);
      expect(error.code).toBe('PAYLOAD_TOO_LARGE');
    } finally {
      client.close();
    }
    // a long token within the frame limit is refused by authentication, also with a code
    const roomy = await start();
    const long = await rawClient(roomy, `40${JSON.stringify({ token: 'y'.repeat(8200) })}`);
    expect(refusalOf(long)).toMatchObject({ data: { code: 'UNAUTHENTICATED' } });
  });

  it('a connection to a namespace the server does not serve is refused with a code', async () => {
    const server = await start();
    const token = await server.token({ sub: 'lost' });
    expect(await connectErrorOf(`${server.url}/admin`, { token })).toMatchObject({
      code: 'BAD_REQUEST',
      retryable: false,
    });
  });

  it('a packet socket.io cannot decode gets a coded answer and 1002, before the connect and after', async () => {
    const server = await start();
    for (const bad of ['40{bad json', '49', '4abc']) {
      const closed = await rawClient(server, bad);
      expect(closed.code, bad).toBe(1002);
      expect(refusalOf(closed), bad).toMatchObject({ data: { code: 'BAD_REQUEST' } });
    }
    const token = await server.token({ sub: 'sloppy' });
    const after = await rawClient(server, `40${JSON.stringify({ token })}`, (ws) =>
      ws.send('42["chat:send",{'),
    );
    expect(after.code).toBe(1002);
    expect(after.frames.some((f) => f.startsWith('42["server:error"'))).toBe(true);
    // a client's ping (Engine.IO 4 pings from the server only) is a protocol error too
    const ping = await rawClient(server, `40${JSON.stringify({ token })}`, (ws) => ws.send('2'));
    expect(ping.code).toBe(1002);
  });

  it('uWS cuts invalid UTF-8, and frames far beyond the limit, without a close frame: counted, nothing else hurt', async () => {
    const server = await start(LIMITS);
    const bystander = await server.socket({ sub: 'calm' });
    const token = await server.token({ sub: 'rude' });
    // a text frame whose payload is not UTF-8: uWebSockets.js checks it in C++ and closes the
    // TCP connection at once (it never sends close frames for protocol errors), so 1007 cannot
    // be sent; the client sees 1006
    const utf8 = await rawClient(server, `40${JSON.stringify({ token })}`, (ws) => {
      const socket = (ws as unknown as { _socket: { write(b: Buffer): void } })._socket;
      socket.write(Buffer.from([0x81, 0x84, 0, 0, 0, 0, 0x34, 0x32, 0xc3, 0x28]));
    });
    expect(utf8.code).toBe(1006);
    const huge = await rawClient(server, `40${JSON.stringify({ token })}`, (ws) =>
      ws.send(`42${'z'.repeat(readLimit(8192) + 1)}`),
    );
    expect(huge.code).toBe(1006);
    expect(await refusals(server, 'invalid_utf8')).toBe(1);
    expect(await refusals(server, 'too_big')).toBe(1);
    expect(await bystander.emitWithAck('time:sync', {})).toMatchObject({ ok: true });
  });
});
