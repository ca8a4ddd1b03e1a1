import { connect, createServer, type Socket } from 'node:net';

export interface Balancer {
  url: string;
  close(): Promise<void>;
}

/**
 * A TCP balancer, for trying several nodes on one machine (`npm run cluster`) and for tests:
 * each new connection goes to the next backend in turn, skipping any that refuses it. In
 * production, use a real load balancer (no sticky sessions needed with WebSocket-only clients).
 */
export async function startBalancer(
  backends: readonly number[],
  listen: { host: string; port: number } = { host: '127.0.0.1', port: 0 },
  backendHost = '127.0.0.1',
): Promise<Balancer> {
  const open = new Set<Socket>();
  let next = 0;
  const track = (socket: Socket) => {
    open.add(socket);
    socket.once('close', () => open.delete(socket));
  };

  const server = createServer((client) => {
    track(client);
    client.pause();
    const attempt = (tries: number) => {
      const port = backends[next++ % backends.length];
      if (tries >= backends.length || port === undefined) {
        client.destroy();
        return;
      }
      const upstream = connect({ host: backendHost, port });
      let connected = false;
      upstream.once('error', () => {
        if (connected) client.destroy();
        else attempt(tries + 1);
      });
      upstream.once('connect', () => {
        connected = true;
        track(upstream);
        upstream.on('error', () => client.destroy());
        client.on('error', () => upstream.destroy());
        upstream.once('close', () => client.destroy());
        client.once('close', () => upstream.destroy());
        client.pipe(upstream);
        upstream.pipe(client);
        client.resume();
      });
    };
    attempt(0);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(listen.port, listen.host, resolve);
  });
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('balancer has no port');
  return {
    url: `http://${listen.host}:${address.port}`,
    close: () =>
      new Promise((resolve) => {
        for (const socket of open) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
