/**
 * Flash crowd: VIEWERS signed-in viewers watch a room while a host chats RATE messages/s; from
 * SURGE_AT seconds, NEWCOMERS new viewers arrive over SURGE seconds (an arrival rate), each
 * joining the room and, when the server refuses it (OVERLOADED, RATE_LIMITED), coming back as
 * the SDK does: after the server's `retryAfterMs` plus a full jitter. Half-way through the surge
 * the host starts a drop of QUANTITY units and every viewer claims once. Needs SECRET.
 *
 *   k6 run -e URL=http://127.0.0.1:3000 -e SECRET=<AUTH_JWT_SECRET> -e VIEWERS=2000 -e NEWCOMERS=20000 load-tests/k6/flash-crowd.ts
 *
 * Reports the viewers' chat latency (`chat_latency`) and gaps (`chat_lost`), the newcomers' wait
 * from first attempt to joined (`newcomer_wait`), those in and those refused, and the claims
 * answered. Thresholds: chat p99 under 250 ms, nothing lost, every claim answered.
 */
import { Counter, Trend } from 'k6/metrics';
import { setTimeout } from 'k6/timers';
import { WebSocket } from 'k6/websockets';
import { BASE_URL, chatMessages, connect, env, token } from './common.ts';
import { socketIoPath, SocketIoSession } from './socketio.ts';

const ROOM = __ENV.ROOM ?? 'k6-flash';
const DROP = __ENV.DROP ?? `k6-flash-${Date.now().toString(36)}`;
const VIEWERS = env('VIEWERS', 2000);
const NEWCOMERS = env('NEWCOMERS', 20000);
const RATE = env('RATE', 5);
const SURGE_AT = env('SURGE_AT', 20);
const SURGE = env('SURGE', 10);
const QUANTITY = env('QUANTITY', 500);
const AFTER = env('AFTER', 60);
/** The SDK's backoff: base and cap, ms. */
const BASE_MS = 1000;
const CAP_MS = 30_000;
const END_MS = (SURGE_AT + SURGE + AFTER) * 1000;

const chatLatency = new Trend('chat_latency', true);
const chatLost = new Counter('chat_lost');
const newcomerWait = new Trend('newcomer_wait', true);
const newcomersIn = new Counter('newcomers_joined');
const refusals = new Counter('newcomer_refusals');
const claimsAnswered = new Counter('claims_answered');
const claimsHeld = new Counter('claims_held');

export const options = {
  scenarios: {
    host: {
      executor: 'per-vu-iterations',
      vus: 1,
      iterations: 1,
      exec: 'host',
      maxDuration: `${END_MS / 1000 + 30}s`,
    },
    viewers: {
      executor: 'per-vu-iterations',
      vus: VIEWERS,
      iterations: 1,
      exec: 'viewer',
      startTime: '2s',
      maxDuration: `${END_MS / 1000 + 30}s`,
    },
    newcomers: {
      executor: 'constant-arrival-rate',
      rate: Math.max(1, Math.ceil(NEWCOMERS / SURGE)),
      timeUnit: '1s',
      duration: `${SURGE}s`,
      preAllocatedVUs: NEWCOMERS,
      exec: 'newcomer',
      startTime: `${SURGE_AT}s`,
      maxDuration: `${SURGE + AFTER}s`,
    },
  },
  thresholds: {
    chat_latency: ['p(99)<250'],
    chat_lost: ['count==0'],
    claims_answered: [`count==${VIEWERS}`],
  },
};

const PRODUCT = {
  id: 'k6-sneaker',
  title: 'Sneaker',
  price: { amountMinor: 12_900, currency: 'EUR' },
  imageUrl: null,
  sku: 'K6-1',
};
const DROP_AT_MS = (SURGE_AT + SURGE / 2) * 1000;

export function host(): void {
  const started = Date.now();
  const { ws } = connect('k6-host', 'host', ({ session: s }) => {
    s.emit('stream:create', { roomId: ROOM, title: 'k6 flash crowd' }, () => {
      s.emit('room:join', { roomId: ROOM }, () => {
        s.emit('product:upsert', { roomId: ROOM, product: PRODUCT }, () => undefined);
        const chat = () => {
          if (Date.now() - started > END_MS) return;
          s.emit('chat:send', { roomId: ROOM, text: `t${Date.now()}` }, () => undefined);
          setTimeout(chat, 1000 / RATE);
        };
        chat();
        setTimeout(
          () =>
            s.emit(
              'drop:create',
              {
                roomId: ROOM,
                dropId: DROP,
                productId: PRODUCT.id,
                quantity: QUANTITY,
                durationSeconds: 600,
              },
              () => undefined,
            ),
          DROP_AT_MS - (Date.now() - started),
        );
      });
    });
  });
  setTimeout(() => ws.close(), END_MS + 5000);
}

export function viewer(): void {
  let last = -1;
  let claimed = false;
  const { ws } = connect(
    `k6-viewer-${__VU}`,
    'viewer',
    ({ session }) => {
      session.emit('room:join', { roomId: ROOM }, () => undefined);
      viewerSessions.set(__VU, session);
    },
    (event, payload) => {
      // claim once, as soon as the drop is live
      const stock = payload as { dropId?: string; state?: string };
      if (event === 'drop:stock' && stock.dropId === DROP && stock.state === 'live' && !claimed) {
        claimed = true;
        viewerSessions
          .get(__VU)
          ?.emit(
            'drop:claim',
            { roomId: ROOM, dropId: DROP, idempotencyKey: `k6-${__VU}-${DROP}` },
            (answer) => {
              claimsAnswered.add(1);
              if ((answer as { outcome?: string }).outcome === 'held') claimsHeld.add(1);
            },
          );
      }
      for (const m of chatMessages(event, payload)) {
        chatLatency.add(Date.now() - m.ts);
        if (last >= 0 && m.seq > last + 1) chatLost.add(m.seq - last - 1);
        if (m.seq > last) last = m.seq;
      }
    },
  );
  setTimeout(() => ws.close(), END_MS);
}

/** Each viewer VU's session, for its claim (one VU runs one viewer). */
const viewerSessions = new Map<number, SocketIoSession>();

/** One newcomer: connects, joins, and when refused comes back as the SDK does. */
export function newcomer(): void {
  const first = Date.now();
  const sub = `k6-newcomer-${__VU}-${__ITER}`;
  const attempt = (tries: number) => {
    const ws = new WebSocket(`${BASE_URL.replace(/^http/, 'ws')}${socketIoPath()}`);
    const jwt = token(sub);
    const retry = (waitMs: number | undefined) => {
      ws.close();
      if (Date.now() - first > (SURGE + AFTER) * 1000) return;
      const window = Math.min(CAP_MS, BASE_MS * 2 ** tries);
      setTimeout(() => attempt(tries + 1), (waitMs ?? 0) + Math.random() * window);
    };
    const session = new SocketIoSession(
      { send: (frame) => ws.send(frame) },
      {
        ...(jwt ? { auth: { token: jwt } } : {}),
        onConnect: () =>
          session.emit('room:join', { roomId: ROOM }, (answer) => {
            const ack = answer as { ok?: boolean; error?: { retryAfterMs?: number } };
            if (!ack.ok) {
              refusals.add(1);
              retry(ack.error?.retryAfterMs);
              return;
            }
            newcomerWait.add(Date.now() - first);
            newcomersIn.add(1);
            setTimeout(
              () => ws.close(),
              Math.max(0, END_MS - (SURGE_AT * 1000 + (Date.now() - first))),
            );
          }),
        onConnectError: (data) => {
          refusals.add(1);
          retry((data as { data?: { retryAfterMs?: number } }).data?.retryAfterMs);
        },
      },
    );
    ws.onmessage = (event) => {
      if (event && typeof event.data === 'string') session.receive(event.data);
    };
  };
  attempt(0);
}
