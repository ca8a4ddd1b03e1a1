import { describe, expect, it } from 'vitest';
import {
  connectFrame,
  eventFrame,
  parseFrame,
  socketIoPath,
  SocketIoSession,
} from '../k6/socketio.js';

describe('socket.io framing (shared by the load workers and the k6 scripts)', () => {
  it('builds the frames a socket.io v4 client sends', () => {
    expect(socketIoPath()).toBe('/socket.io/?EIO=4&transport=websocket');
    expect(connectFrame({ token: 't' })).toBe('40{"token":"t"}');
    expect(connectFrame()).toBe('40{}');
    expect(eventFrame('chat:send', { roomId: 'r', text: 'hi' })).toBe(
      '42["chat:send",{"roomId":"r","text":"hi"}]',
    );
    expect(eventFrame('room:join', { roomId: 'r' }, 12)).toBe('4212["room:join",{"roomId":"r"}]');
  });

  it('parses what the server sends', () => {
    expect(
      parseFrame(
        '0{"sid":"abc","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}',
      ),
    ).toEqual({
      kind: 'open',
      sid: 'abc',
      pingInterval: 25000,
    });
    expect(parseFrame('2')).toEqual({ kind: 'ping' });
    expect(parseFrame('40{"sid":"x"}')).toEqual({ kind: 'connected' });
    expect(parseFrame('44{"message":"no","data":{"code":"UNAUTHENTICATED"}}')).toEqual({
      kind: 'connect_error',
      data: { message: 'no', data: { code: 'UNAUTHENTICATED' } },
    });
    expect(parseFrame('42["chat:batch",{"from":1}]')).toEqual({
      kind: 'event',
      event: 'chat:batch',
      payload: { from: 1 },
    });
    expect(parseFrame('4317[{"ok":true,"seq":3}]')).toEqual({
      kind: 'ack',
      id: 17,
      payload: { ok: true, seq: 3 },
    });
    expect(parseFrame('6')).toEqual({ kind: 'other', raw: '6' });
  });

  it('a session answers pings, handshakes, routes events and resolves acks', () => {
    const sent: string[] = [];
    const events: [string, unknown][] = [];
    let connected = 0;
    const session = new SocketIoSession(
      { send: (frame) => sent.push(frame) },
      {
        auth: { token: 'jwt' },
        onConnect: () => connected++,
        onEvent: (e, p) => events.push([e, p]),
      },
    );
    session.receive('0{"sid":"s","pingInterval":25000}');
    expect(sent).toEqual(['40{"token":"jwt"}']);
    session.receive('40{"sid":"x"}');
    expect(connected).toBe(1);
    expect(session.connected).toBe(true);
    session.receive('2');
    expect(sent.at(-1)).toBe('3');

    const answers: unknown[] = [];
    session.emit('room:join', { roomId: 'r' }, (res) => answers.push(res));
    session.emit('room:join', { roomId: 's' }, (res) => answers.push(res));
    session.emit('reaction:send', { roomId: 'r', kind: 'heart' });
    expect(sent.slice(-3)).toEqual([
      '420["room:join",{"roomId":"r"}]',
      '421["room:join",{"roomId":"s"}]',
      '42["reaction:send",{"roomId":"r","kind":"heart"}]',
    ]);
    expect(session.pendingAcks).toBe(2);
    session.receive('431[{"ok":true}]');
    session.receive('430[{"ok":false}]');
    expect(answers).toEqual([{ ok: true }, { ok: false }]);
    expect(session.pendingAcks).toBe(0);

    session.receive('42["room:viewers",{"count":3}]');
    expect(events).toEqual([['room:viewers', { count: 3 }]]);
  });

  it('reports a refused handshake', () => {
    const refusals: unknown[] = [];
    const session = new SocketIoSession(
      { send: () => undefined },
      { onConnectError: (d) => refusals.push(d) },
    );
    session.receive('44{"message":"expired","data":{"code":"TOKEN_EXPIRED"}}');
    expect(refusals).toEqual([{ message: 'expired', data: { code: 'TOKEN_EXPIRED' } }]);
    expect(session.connected).toBe(false);
  });
});
