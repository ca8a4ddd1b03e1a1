/**
 * Shared pieces of the k6 scripts: configuration from `-e` variables, development tokens signed
 * in k6, and a socket.io connection over k6's WebSocket.
 */
import crypto from 'k6/crypto';
import encoding from 'k6/encoding';
import type { Counter, Trend } from 'k6/metrics';
import { setTimeout } from 'k6/timers';
import { WebSocket } from 'k6/websockets';
import { socketIoPath, SocketIoSession } from './socketio.ts';

/** Base URL of the server, e.g. `-e URL=http://127.0.0.1:3000`. */
export const BASE_URL = __ENV.URL ?? 'http://127.0.0.1:3000';
/** HS256 secret to sign tokens with (the server's AUTH_JWT_SECRET); unset: connect anonymously. */
const SECRET = __ENV.SECRET;

export const env = (name: string, fallback: number): number => Number(__ENV[name] ?? fallback);

/** A JWT for `sub` with `role`, signed with SECRET, or undefined without one. */
export function token(
  sub: string,
  role: 'host' | 'moderator' | 'viewer' = 'viewer',
): string | undefined {
  if (!SECRET) return undefined;
  const now = Math.floor(Date.now() / 1000);
  const part = (value: object) => encoding.b64encode(JSON.stringify(value), 'rawurl');
  const unsigned = `${part({ alg: 'HS256', typ: 'JWT' })}.${part({ sub, role, iat: now, exp: now + 3600 })}`;
  return `${unsigned}.${crypto.hmac('sha256', SECRET, unsigned, 'base64rawurl')}`;
}

export interface Connection {
  ws: WebSocket;
  session: SocketIoSession;
}

/** Opens a socket.io connection; `onConnect` runs once the handshake is accepted. */
export function connect(
  sub: string | null,
  role: 'host' | 'viewer',
  onConnect: (c: Connection) => void,
  onEvent: (event: string, payload: unknown) => void = () => undefined,
): Connection {
  const ws = new WebSocket(`${BASE_URL.replace(/^http/, 'ws')}${socketIoPath()}`);
  const jwt = sub === null ? undefined : token(sub, role);
  const connection: Connection = {
    ws,
    session: new SocketIoSession(
      { send: (frame) => ws.send(frame) },
      {
        ...(jwt ? { auth: { token: jwt } } : {}),
        onConnect: () => onConnect(connection),
        onConnectError: (data) => console.error(`refused: ${JSON.stringify(data)}`),
        onEvent,
      },
    ),
  };
  ws.onmessage = (event) => {
    if (event && typeof event.data === 'string') connection.session.receive(event.data);
  };
  return connection;
}

/** Chat messages in a `chat:batch` payload (our server) or a single `chat:message` (a baseline). */
export function chatMessages(event: string, payload: unknown): { seq: number; ts: number }[] {
  if (event === 'chat:batch')
    return (payload as { messages: { seq: number; ts: number }[] }).messages;
  if (event === 'chat:message') return [payload as { seq: number; ts: number }];
  return [];
}

/** An anonymous viewer in `roomId` for `holdMs`, recording each chat message's latency and count. */
export function watch(roomId: string, holdMs: number, latency: Trend, delivered: Counter): void {
  const { ws } = connect(
    null,
    'viewer',
    ({ session }) => session.emit('room:join', { roomId }, () => undefined),
    (event, payload) => {
      for (const m of chatMessages(event, payload)) {
        latency.add(Date.now() - m.ts);
        delivered.add(1);
      }
    },
  );
  setTimeout(() => ws.close(), holdMs);
}
