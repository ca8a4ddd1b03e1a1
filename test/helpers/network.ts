import { readFileSync } from 'node:fs';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { freePort } from '../../load-tests/lib/redis-server.js';

const canListen = (port: number) =>
  new Promise<boolean>((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });

/**
 * A free port below the kernel's ephemeral range (and, with `offset`, `port + offset` free and
 * below it too: a Redis Cluster node's bus port is its port + 10000): while the server on it (a node, a merchant, a
 * Redis) is down, none of the test's hundreds of client sockets can be given it as their own port
 * (which would make the restart fail with EADDRINUSE, or a reconnect connect to itself).
 * Elsewhere than Linux, any free port.
 */
export async function restartablePort(offset = 0): Promise<number> {
  let low: number;
  try {
    low = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').split(/\s+/)[0]);
  } catch {
    return freePort();
  }
  if (!(low > 11_000 + offset)) return freePort();
  for (;;) {
    const port = 10_000 + Math.floor(Math.random() * (low - 10_000 - offset));
    if ((await canListen(port)) && (offset === 0 || (await canListen(port + offset)))) return port;
  }
}

/** A TCP proxy on loopback, as a virtual IP in front of a Redis that can fail over. */
export interface TcpProxy {
  readonly port: number;
  /** New connections go to `port`; every open one is cut (clients reconnect, to the new one). */
  retarget(port: number): void;
  close(): Promise<void>;
}

export async function startTcpProxy(target: number): Promise<TcpProxy> {
  let current = target;
  const open = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = connect(current, '127.0.0.1');
    for (const socket of [client, upstream]) {
      open.add(socket);
      socket.once('close', () => open.delete(socket));
      socket.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream);
    upstream.pipe(client);
  });
  const port = await restartablePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    port,
    retarget(next) {
      current = next;
      for (const socket of open) socket.destroy();
    },

    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of open) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
