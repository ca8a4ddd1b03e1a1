/**
 * Ceiling: raw uWebSockets.js pub/sub with no socket.io on top. A client sends
 * `{"join": room}` (answered `{"joined": room}`) or `{"chat": {room, text}, "id": n}` (answered
 * `{"ack": n}`); each chat message is published at once, one message per frame, as
 * `{"seq", "ts", "text"}`. The best any socket.io server on uWS could do per frame.
 */
import { loadUws } from '../../server/transport/uws.js';

const { uws, native } = loadUws();
if (!native) process.stderr.write('uws-raw baseline: running on the JavaScript fallback\n');
const app = uws.App();
let seq = 0;

app.ws('/raw', {
  maxPayloadLength: 64 * 1024,
  maxBackpressure: 64 * 1024 * 1024,
  idleTimeout: 0,
  message: (ws, data) => {
    const message = JSON.parse(Buffer.from(data).toString()) as {
      join?: string;
      chat?: { room: string; text: string };
      id?: number;
    };
    if (message.join) {
      ws.subscribe(message.join);
      ws.send(JSON.stringify({ joined: message.join }));
    } else if (message.chat) {
      seq++;
      app.publish(
        message.chat.room,
        JSON.stringify({ seq, ts: Date.now(), text: message.chat.text }),
      );
      ws.send(JSON.stringify({ ack: message.id, seq }));
    }
  },
});

app.listen(process.env.HOST ?? '127.0.0.1', Number(process.env.PORT ?? 0), (socket) => {
  if (!socket) {
    process.stderr.write('uws-raw baseline: cannot listen\n');
    process.exit(1);
  }
  process.stdout.write(
    `${JSON.stringify({ msg: 'listening', port: uws.us_socket_local_port(socket) })}\n`,
  );
});
