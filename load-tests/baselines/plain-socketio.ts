/**
 * Baseline: a plain socket.io server on its default engine (the `ws` package) and default
 * in-memory adapter, speaking the same minimal join/chat protocol as ours: `room:join`, and
 * `chat:send` broadcast at once, one message per frame, as `chat:message` with a server
 * timestamp. What an operator would run instead of us. For the drop burst it also answers
 * `drop:create` and `drop:claim` the way a quick in-memory handler would: a stock counter, one
 * unit per buyer, answers remembered by idempotency key, no holds, no validation, no durability;
 * like ours, it broadcasts the stock to the room at most ten times a second while it changes.
 *
 * With ADAPTER set it is a node of a many-node baseline, sharing REDIS_URL through one of
 * socket.io's Redis adapters: `redis` (@socket.io/redis-adapter, classic pub/sub),
 * `redis-sharded` (its sharded pub/sub variant for Redis 7) or `redis-streams`
 * (@socket.io/redis-streams-adapter).
 */
import { createServer } from 'node:http';
import { createAdapter, createShardedAdapter } from '@socket.io/redis-adapter';
import { createAdapter as createStreamsAdapter } from '@socket.io/redis-streams-adapter';
import { Redis } from 'ioredis';
import { Server, type ServerOptions } from 'socket.io';

function redisAdapter(kind: string): Partial<ServerOptions> {
  const pub = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
  const sub = pub.duplicate();
  for (const client of [pub, sub]) client.on('error', () => undefined);
  if (kind === 'redis-streams') return { adapter: createStreamsAdapter(pub) };
  if (kind === 'redis-sharded') return { adapter: createShardedAdapter(pub, sub) };
  return { adapter: createAdapter(pub, sub) };
}

const kind = process.env.ADAPTER;
const httpServer = createServer();
const io = new Server(httpServer, { serveClient: false, ...(kind ? redisAdapter(kind) : {}) });
const node = process.env.NODE_NUMBER ?? '0';
// a node-local counter: the adapters relay broadcasts, they do not number them
let seq = 0;

const stock = new Map<string, number>();
const bought = new Set<string>();
const answers = new Map<string, { ok: true; outcome: string }>();
const stockRooms = new Map<string, string>();
const auctions = new Map<string, { price: number; leader: string | null; bids: number }>();
setInterval(() => {
  for (const [dropId, roomId] of stockRooms)
    io.to(roomId).emit('drop:stock', { roomId, dropId, remaining: stock.get(dropId) ?? 0 });
  stockRooms.clear();
}, 100).unref();

io.on('connection', (socket) => {
  socket.on(
    'drop:create',
    (p: { roomId: string; dropId: string; quantity: number }, ack?: (r: unknown) => void) => {
      stock.set(p.dropId, p.quantity);
      stockRooms.set(p.dropId, p.roomId);
      ack?.({ ok: true, created: true });
    },
  );
  socket.on(
    'drop:claim',
    (p: { roomId: string; dropId: string; idempotencyKey: string }, ack?: (r: unknown) => void) => {
      const key = `${socket.id}:${p.idempotencyKey}`;
      let answer = answers.get(key);
      if (!answer) {
        const left = stock.get(p.dropId) ?? 0;
        const buyer = `${socket.id}:${p.dropId}`;
        const outcome = left <= 0 ? 'sold_out' : bought.has(buyer) ? 'limit_reached' : 'held';
        if (outcome === 'held') {
          stock.set(p.dropId, left - 1);
          bought.add(buyer);
          stockRooms.set(p.dropId, p.roomId);
        }
        answer = { ok: true, outcome };
        answers.set(key, answer);
      }
      ack?.(answer);
    },
  );

  // an auction the way a quick in-memory handler would: the highest amount leads (no increments,
  // no max bids, no clock of its own, no durability); each new leader is broadcast to the room
  socket.on(
    'auction:create',
    (
      p: { roomId: string; auctionId: string; startingMinor?: number },
      ack?: (r: unknown) => void,
    ) => {
      auctions.set(p.auctionId, { price: p.startingMinor ?? 100, leader: null, bids: 0 });
      ack?.({ ok: true, created: true });
    },
  );
  socket.on(
    'auction:bid',
    (
      p: { roomId: string; auctionId: string; maxMinor: number; idempotencyKey: string },
      ack?: (r: unknown) => void,
    ) => {
      const key = `${socket.id}:${p.idempotencyKey}`;
      let answer = answers.get(key);
      const auction = auctions.get(p.auctionId);
      if (!answer && auction) {
        if (p.maxMinor > auction.price) {
          auction.price = p.maxMinor;
          auction.leader = socket.id;
          auction.bids++;
          io.to(p.roomId).emit('auction:update', { roomId: p.roomId, ...auction });
          answer = { ok: true, outcome: 'leading' };
        } else answer = { ok: true, outcome: 'too_low' };
        answers.set(key, answer);
      }
      ack?.(answer ?? { ok: false, error: { code: 'AUCTION_NOT_FOUND' } });
    },
  );

  socket.on('room:join', (payload: { roomId: string }, ack?: (res: unknown) => void) => {
    void socket.join(payload.roomId);
    ack?.({ ok: true });
  });
  socket.on(
    'chat:send',
    (payload: { roomId: string; text: string }, ack?: (res: unknown) => void) => {
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
