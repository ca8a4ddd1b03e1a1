/**
 * Baseline for many nodes: the plain socket.io server of `plain-socketio.ts` with one of
 * socket.io's Redis adapters, so a broadcast on one node reaches the sockets of every node.
 * ADAPTER: `redis` (@socket.io/redis-adapter, classic pub/sub), `redis-sharded` (its sharded
 * pub/sub variant for Redis 7) or `redis-streams` (@socket.io/redis-streams-adapter).
 */
import { createServer } from 'node:http';
import { createAdapter, createShardedAdapter } from '@socket.io/redis-adapter';
import { createAdapter as createStreamsAdapter } from '@socket.io/redis-streams-adapter';
import { Redis } from 'ioredis';
import { Server } from 'socket.io';

const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const kind = process.env.ADAPTER ?? 'redis';
const pub = new Redis(url);
const sub = pub.duplicate();
for (const client of [pub, sub]) client.on('error', () => undefined);

const adapter =
  kind === 'redis-streams'
    ? createStreamsAdapter(pub)
    : kind === 'redis-sharded'
      ? createShardedAdapter(pub, sub)
      : createAdapter(pub, sub);

const httpServer = createServer();
const io = new Server(httpServer, { serveClient: false, adapter });
const node = Number(process.env.NODE_NUMBER ?? 0);
let seq = 0;

io.on('connection', (socket) => {
  socket.on('room:join', (payload: { roomId: string }, ack?: (res: unknown) => void) => {
    void socket.join(payload.roomId);
    ack?.({ ok: true });
  });
  socket.on(
    'chat:send',
    (payload: { roomId: string; text: string }, ack?: (res: unknown) => void) => {
      // a node-local counter: these adapters relay broadcasts, they do not number them
      seq++;
      io.to(payload.roomId).emit('chat:message', {
        roomId: payload.roomId,
        id: `${node}-${seq}`,
        seq,
        ts: Date.now(),
        text: payload.text,
      });
      ack?.({ ok: true, seq });
    },
  );
});

httpServer.listen(Number(process.env.PORT ?? 0), process.env.HOST ?? '127.0.0.1', () => {
  const address = httpServer.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  process.stdout.write(`${JSON.stringify({ msg: 'listening', port })}\n`);
});
process.on('SIGTERM', () => {
  void io.close();
  process.exit(0);
});
