/**
 * Reconnect storm: CLIENTS viewers in one room while a host publishes RATE messages/s; at
 * STORM_AT seconds every viewer drops its connection and comes back 0.5-1.5 s later, resuming
 * from the last seq it saw. Reports the time to get back and the messages lost (gaps in seq).
 *
 *   k6 run -e URL=http://127.0.0.1:3000 -e SECRET=<AUTH_JWT_SECRET> -e CLIENTS=10000 load-tests/k6/reconnect.ts
 */
import { Counter, Trend } from 'k6/metrics';
import { clearInterval, setInterval, setTimeout } from 'k6/timers';
import { connect, env, type Connection } from './common.ts';

const ROOM = __ENV.ROOM ?? 'k6-storm';
const CLIENTS = env('CLIENTS', 1000);
const RATE = env('RATE', 20);
const STORM_AT = env('STORM_AT', 20);
const AFTER = env('AFTER', 20);

const backIn = new Trend('reconnect_time', true);
const lost = new Counter('messages_lost');
const resumed = new Counter('resumed');
const snapshots = new Counter('recovered_false');

export const options = {
  scenarios: {
    host: {
      executor: 'per-vu-iterations',
      vus: 1,
      iterations: 1,
      exec: 'host',
      maxDuration: `${STORM_AT + AFTER + 30}s`,
    },
    clients: {
      executor: 'per-vu-iterations',
      vus: CLIENTS,
      iterations: 1,
      exec: 'client',
      startTime: '2s',
      maxDuration: `${STORM_AT + AFTER + 30}s`,
    },
  },
  thresholds: { messages_lost: ['count==0'], reconnect_time: ['p(99)<5000'] },
};

export function host(): void {
  connect('k6-host', 'host', ({ ws, session }) => {
    session.emit('stream:create', { roomId: ROOM, title: 'k6 storm' }, () => {
      session.emit('room:join', { roomId: ROOM }, () => {
        const timer = setInterval(
          () => session.emit('chat:send', { roomId: ROOM, text: 'storm' }, () => undefined),
          1000 / RATE,
        );
        setTimeout(
          () => {
            clearInterval(timer);
            ws.close();
          },
          (STORM_AT + AFTER) * 1000,
        );
      });
    });
  });
}

export function client(): void {
  let lastSeq = -1;
  let epoch = '';
  let current: Connection | undefined;
  /** Seqs that arrived while a join was in flight: noted after its replay, so they are no gap. */
  let pending: number[] | null = null;

  const note = (seq: number) => {
    if (lastSeq >= 0 && seq > lastSeq + 1) lost.add(seq - lastSeq - 1);
    if (seq > lastSeq) lastSeq = seq;
  };
  const join = (startedAt?: number) => {
    current = connect(
      null,
      'viewer',
      ({ session }) => {
        const resume = lastSeq >= 0 ? { resume: { epoch, lastSeq } } : {};
        pending = [];
        session.emit('room:join', { roomId: ROOM, ...resume }, (res) => {
          const ack = res as {
            ok: boolean;
            recovered?: boolean;
            missed?: { type: string; seq: number }[];
            snapshot?: { epoch: string; seq: number };
          };
          if (!ack.ok) return;
          if (ack.snapshot) {
            epoch = ack.snapshot.epoch;
            if (startedAt !== undefined) snapshots.add(1);
            lastSeq = Math.max(lastSeq, ack.snapshot.seq);
          }
          if (ack.recovered) {
            resumed.add(1);
            for (const e of ack.missed ?? []) if (e.type === 'chat:message') note(e.seq);
          }
          for (const seq of pending ?? []) note(seq);
          pending = null;
          if (startedAt !== undefined) backIn.add(Date.now() - startedAt);
        });
      },
      (event, payload) => {
        if (event !== 'chat:batch') return;
        for (const m of (payload as { messages: { seq: number }[] }).messages) {
          if (pending) pending.push(m.seq);
          else note(m.seq);
        }
      },
    );
  };

  join();
  setTimeout(() => {
    const dropped = Date.now();
    current?.ws.close();
    setTimeout(() => join(dropped), 500 + Math.random() * 1000);
  }, STORM_AT * 1000);
  setTimeout(() => current?.ws.close(), (STORM_AT + AFTER) * 1000);
}
