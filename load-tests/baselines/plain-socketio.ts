/**
 * Baseline: a plain socket.io server on its default engine (the `ws` package) and default
 * in-memory adapter, speaking the same minimal join/chat protocol as ours: `room:join`, and
 * `chat:send` broadcast at once, one message per frame, as `chat:message` with a server
 * timestamp. What an operator would run instead of us.
 */
import { createServer } from 'node:http';
import { Server } from 'socket.io';

const httpServer = createServer();
const io = new Server(httpServer, { serveClient: false });
let seq = 0;

io.on('connection', (socket) => {
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
        id: String(seq),
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
