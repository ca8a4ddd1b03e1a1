/**
 * Drop burst: BUYERS signed-in buyers join one room; a host lists a product and creates a drop of
 * QUANTITY units starting START seconds in; at that instant every buyer claims once (as the
 * acceptance test does with 10,000 buyers and 500 units). Needs SECRET (buyers must be signed in).
 *
 *   k6 run -e URL=http://127.0.0.1:3000 -e SECRET=<AUTH_JWT_SECRET> -e BUYERS=10000 -e QUANTITY=500 load-tests/k6/drop-burst.ts
 *
 * Counts each outcome (`claims_held`, `claims_sold_out`, `claims_other`, `claims_refused`) and the
 * claim latency; after the run, held + sold out should equal BUYERS and held should equal QUANTITY.
 */
import { Counter, Trend } from 'k6/metrics';
import { setTimeout } from 'k6/timers';
import { connect, env } from './common.ts';

const ROOM = __ENV.ROOM ?? 'k6-drop';
const DROP = __ENV.DROP ?? `k6-drop-${Date.now().toString(36)}`;
const BUYERS = env('BUYERS', 1000);
const QUANTITY = env('QUANTITY', 50);
/** Seconds from the test's start to the drop's start: time for every buyer to join. */
const START = env('START', 30);

const held = new Counter('claims_held');
const soldOut = new Counter('claims_sold_out');
const other = new Counter('claims_other');
const refused = new Counter('claims_refused');
const latency = new Trend('claim_latency', true);

export const options = {
  scenarios: {
    host: { executor: 'per-vu-iterations', vus: 1, iterations: 1, exec: 'host' },
    buyers: {
      executor: 'per-vu-iterations',
      vus: BUYERS,
      iterations: 1,
      exec: 'buyer',
      startTime: '2s',
      maxDuration: `${START + 60}s`,
    },
  },
};

/** The drop's start, the same for every VU (setup runs once and hands its result to all). */
export function setup(): { startsAt: number } {
  return { startsAt: Date.now() + START * 1000 };
}

export function host(data: { startsAt: number }): void {
  const { ws } = connect('k6-host', 'host', ({ session }) => {
    session.emit('stream:create', { roomId: ROOM, title: 'k6 drop burst' }, () => {
      const product = {
        id: 'k6-product',
        title: 'k6 product',
        price: { amountMinor: 1000, currency: 'EUR' },
        imageUrl: null,
        sku: 'K6-1',
      };
      session.emit('product:upsert', { roomId: ROOM, product }, () => {
        session.emit(
          'drop:create',
          {
            roomId: ROOM,
            dropId: DROP,
            productId: product.id,
            quantity: QUANTITY,
            startsAt: data.startsAt,
            durationSeconds: 600,
          },
          () => setTimeout(() => ws.close(), 1000),
        );
      });
    });
  });
}

export function buyer(data: { startsAt: number }): void {
  const { ws } = connect(`k6-buyer-${__VU}`, 'viewer', ({ session }) => {
    session.emit('room:join', { roomId: ROOM }, () => {
      setTimeout(
        () => {
          const sent = Date.now();
          const payload = { roomId: ROOM, dropId: DROP, idempotencyKey: `k6-${__VU}-${sent}` };
          session.emit('drop:claim', payload, (res) => {
            latency.add(Date.now() - sent);
            const answer = res as { ok?: boolean; outcome?: string };
            if (!answer.ok) refused.add(1);
            else if (answer.outcome === 'held') held.add(1);
            else if (answer.outcome === 'sold_out') soldOut.add(1);
            else other.add(1);
            ws.close();
          });
        },
        Math.max(0, data.startsAt - Date.now()),
      );
    });
  });
}
