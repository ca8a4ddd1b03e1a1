/**
 * Fan-out: SUBSCRIBERS viewers in one room, one host publishing RATE messages/s for SECONDS.
 *
 *   k6 run -e URL=http://127.0.0.1:3000 -e SECRET=<AUTH_JWT_SECRET> -e SUBSCRIBERS=5000 load-tests/k6/fanout.ts
 *
 * Viewers connect anonymously when SECRET is unset (the server needs AUTH_ALLOW_ANONYMOUS=true);
 * the publisher always needs SECRET (it creates the stream as a host).
 */
import { Counter, Trend } from 'k6/metrics';
import { setInterval, clearInterval, setTimeout } from 'k6/timers';
import { connect, env, watch } from './common.ts';

const ROOM = __ENV.ROOM ?? 'k6-fanout';
const SUBSCRIBERS = env('SUBSCRIBERS', 1000);
const RATE = env('RATE', 50);
const SECONDS = env('SECONDS', 30);
const WARMUP = env('WARMUP', 10);

const latency = new Trend('chat_latency', true);
const delivered = new Counter('chat_delivered');

export const options = {
  scenarios: {
    publisher: {
      executor: 'per-vu-iterations',
      vus: 1,
      iterations: 1,
      exec: 'publisher',
      maxDuration: `${WARMUP + SECONDS + 30}s`,
    },
    subscribers: {
      executor: 'per-vu-iterations',
      vus: SUBSCRIBERS,
      iterations: 1,
      exec: 'subscriber',
      maxDuration: `${WARMUP + SECONDS + 30}s`,
    },
  },
  thresholds: { chat_latency: ['p(99)<100'] },
};

export function publisher(): void {
  connect('k6-publisher', 'host', ({ ws, session }) => {
    session.emit('stream:create', { roomId: ROOM, title: 'k6 fan-out' }, () => {
      session.emit('room:join', { roomId: ROOM }, () => {
        setTimeout(() => {
          let sent = 0;
          const timer = setInterval(() => {
            session.emit('chat:send', { roomId: ROOM, text: 'x'.repeat(100) }, () => undefined);
            if (++sent >= RATE * SECONDS) {
              clearInterval(timer);
              setTimeout(() => ws.close(), 5000);
            }
          }, 1000 / RATE);
        }, WARMUP * 1000);
      });
    });
  });
}

export function subscriber(): void {
  watch(ROOM, (WARMUP + SECONDS + 10) * 1000, latency, delivered);
}
