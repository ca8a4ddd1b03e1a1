import { createClient, type LiveShopClient } from '../../client-sdk/src/index.js';
import { signToken, type Claims } from '../../server/auth.js';
import type { Socket } from 'socket.io-client';
import { TEST_SECRET, type TestServer } from './server.js';

/**
 * An app's client, signed in with a test token: it reconnects by itself (to the same URL) and
 * resumes its rooms, as an app's would. `cleanup` gets its close.
 */
export async function appClient(
  url: string,
  claims: Claims,
  cleanup: (task: () => void) => void,
): Promise<LiveShopClient> {
  const c = createClient({
    url,
    token: await signToken(claims, TEST_SECRET, { ttlSeconds: 600 }),
    transports: ['websocket'],
    requestTimeoutMs: 10_000,
    socketOptions: { reconnectionDelay: 100, reconnectionDelayMax: 1000 },
  });
  cleanup(() => c.close());
  await new Promise<void>((resolve, reject) => {
    c.once('connected', () => resolve());
    c.once('error', reject);
  });
  return c;
}

/** Cuts a client's connection from the server side, as a network failure would (the client reconnects). */
export function cut(server: TestServer, userId: string): void {
  for (const socket of server.app.internals.io.of('/').sockets.values()) {
    if (socket.data.session.identity.id === userId) socket.conn.close();
  }
}

/**
 * Keeps an SDK client away once its connection drops (its reconnections do nothing) until
 * `back()`, so a test decides what it misses.
 */
export function stayAway(client: LiveShopClient): { back(): void } {
  const socket = (client as unknown as { socket: Socket }).socket;
  const connect = socket.connect.bind(socket);
  socket.connect = () => socket;
  return {
    back: () => {
      socket.connect = connect;
      socket.connect();
    },
  };
}
