/**
 * Hot-room chat flood: CHATTERS users each sending PER_CHATTER messages/s into one room watched
 * by VIEWERS, for SECONDS. Needs SECRET (chatters are signed-in users; each is its own user, so
 * per-user rate limits apply as in production).
 *
 *   k6 run -e URL=http://127.0.0.1:3000 -e SECRET=<AUTH_JWT_SECRET> -e CHATTERS=1000 -e VIEWERS=2000 load-tests/k6/flood.ts
 */
import { Counter, Trend } from 'k6/metrics';
import { clearInterval, setInterval, setTimeout } from 'k6/timers';
import { connect, env, watch } from './common.ts';

const ROOM = __ENV.ROOM ?? 'k6-flood';
const CHATTERS = env('CHATTERS', 200);
const PER_CHATTER = env('PER_CHATTER', 1);
const VIEWERS = env('VIEWERS', 1000);
const SECONDS = env('SECONDS', 30);
const START = 10;

const accepted = new Counter('chat_accepted');
const refused = new Counter('chat_refused');
const delivered = new Counter('chat_delivered');
const latency = new Trend('chat_latency', true);

export const options = {
  scenarios: {
    host: { executor: 'per-vu-iterations', vus: 1, iterations: 1, exec: 'host' },
    viewers: {
      executor: 'per-vu-iterations',
      vus: VIEWERS,
      iterations: 1,
      exec: 'viewer',
      startTime: '2s',
      maxDuration: `${START + SECONDS + 30}s`,
    },
    chatters: {
      executor: 'per-vu-iterations',
      vus: CHATTERS,
      iterations: 1,
      exec: 'chatter',
      startTime: '2s',
      maxDuration: `${START + SECONDS + 30}s`,
    },
  },
};

export function host(): void {
  const { ws } = connect('k6-host', 'host', ({ session }) => {
    session.emit('stream:create', { roomId: ROOM, title: 'k6 flood' }, () => undefined);
  });
  setTimeout(() => ws.close(), 3000);
}

export function viewer(): void {
  watch(ROOM, (START + SECONDS + 10) * 1000, latency, delivered);
}

export function chatter(): void {
  connect(`k6-chatter-${__VU}`, 'viewer', ({ ws, session }) => {
    session.emit('room:join', { roomId: ROOM }, () => {
      setTimeout(() => {
        let sent = 0;
        const timer = setInterval(() => {
          session.emit('chat:send', { roomId: ROOM, text: `hello from ${__VU}` }, (res) => {
            if ((res as { ok?: boolean }).ok) accepted.add(1);
            else refused.add(1);
          });
          if (++sent >= PER_CHATTER * SECONDS) {
            clearInterval(timer);
            setTimeout(() => ws.close(), 5000);
          }
        }, 1000 / PER_CHATTER);
      }, START * 1000);
    });
  });
}
