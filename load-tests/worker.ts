/**
 * A load worker process: holds many lightweight subscribers (lib/subscriber.ts), counts what
 * they receive, and can drop and reconnect them all at once. The parent drives it over IPC
 * (lib/workers.ts).
 */
import { SignJWT } from 'jose';
import { encodeHistogram, latencyHistogram } from './lib/histogram.js';
import { Subscriber, type Tally } from './lib/subscriber.js';
import type { FromWorker, ToWorker } from './lib/workers.js';

const subscribers: Subscriber[] = [];
let latency = latencyHistogram();
let reconnects = latencyHistogram();
let failed = 0;
/** Attempts and joins per 100 ms since the last storm began, and refusals (server said wait). */
// sparse until every 100 ms has had one
let attempts: (number | undefined)[] = [];
let joins: (number | undefined)[] = [];
let refusals = 0;
const bucket = (counts: (number | undefined)[], since: number) => {
  const i = Math.floor((Date.now() - since) / 100);
  counts[i] = (counts[i] ?? 0) + 1;
};
const tally: Tally = { delivered: 0, lost: 0, record: (ms) => latency.recordValue(ms) };

const send = (message: FromWorker) => process.send?.(message);

async function connectAll(message: Extract<ToWorker, { type: 'connect' }>): Promise<void> {
  let next = 0;
  const secret = new TextEncoder().encode(message.secret);
  /** A signed-in viewer's auth, with its share of the regions (by its index over every worker). */
  const authOf = async (i: number) => {
    const region = message.regions[i % message.regions.length];
    if (region === undefined) return undefined;
    const token = await new SignJWT({ region })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(`viewer-${i}`)
      .setExpirationTime('2h')
      .sign(secret);
    return { token };
  };
  const one = async (i: number) => {
    const subscriber = new Subscriber(
      {
        protocol: message.protocol,
        url: message.urls[i % message.urls.length] ?? '',
        roomId:
          message.roomIds.length > 0 ? (message.roomIds[i % message.roomIds.length] ?? null) : null,
        localAddress: message.localAddresses[i % message.localAddresses.length],
        resume: message.resume,
        latencyFrom: message.latencyFrom,
        auth: await authOf(i),
      },
      tally,
    );
    // a server that admits at a rate says when to come back: come back then, as apps do
    for (let attempt = 1; ; attempt++) {
      try {
        await subscriber.connect();
        subscribers.push(subscriber);
        return;
      } catch (error) {
        const waitMs = (error as { retryAfterMs?: number }).retryAfterMs;
        if (waitMs === undefined || attempt >= 20) {
          failed++;
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, waitMs + Math.random() * 100));
      }
    }
  };
  const lanes = Array.from({ length: Math.min(message.concurrency, message.count) }, async () => {
    while (next < message.count) await one(message.offset + next++);
  });
  await Promise.all(lanes);
  send({ type: 'ready', connected: subscribers.length, failed });
}

/**
 * Drops every connection, then each comes back: `window`, after a random delay in [minMs, maxMs]
 * and every 250-500 ms after a failure; `jitter`, as the SDK does, after the server's wait (if it
 * gave one) plus a delay uniform in [0, min(maxMs, minMs × 2^attempt)].
 */
function storm(message: Extract<ToWorker, { type: 'storm' }>): void {
  const { minMs, maxMs, deadlineMs, backoff } = message;
  const started = Date.now();
  attempts = [];
  joins = [];
  refusals = 0;
  const firstDelay = () =>
    backoff === 'jitter' ? Math.random() * minMs : minMs + Math.random() * (maxMs - minMs);
  const nextDelay = (tries: number, waitMs: number | undefined) =>
    backoff === 'jitter'
      ? (waitMs ?? 0) + Math.random() * Math.min(maxMs, minMs * 2 ** tries)
      : 250 + Math.random() * 250;
  for (const s of subscribers) s.drop();
  for (const s of subscribers) {
    const attempt = (delay: number, tries: number) =>
      setTimeout(() => {
        bucket(attempts, started);
        s.connect().then(
          () => {
            bucket(joins, started);
            reconnects.recordValue(Math.max(1, Date.now() - started));
          },
          (error: unknown) => {
            const waitMs = (error as { retryAfterMs?: number }).retryAfterMs;
            if (waitMs !== undefined) refusals++;
            if (Date.now() - started < deadlineMs) attempt(nextDelay(tries + 1, waitMs), tries + 1);
          },
        );
      }, delay);
    attempt(firstDelay(), 0);
  }
  send({ type: 'storming' });
}

/** The SDK's backoff: base 1 s, cap 30 s (its defaults). */
const SDK_BASE_MS = 1000;
const SDK_CAP_MS = 30_000;
/** How long a newcomer's attempt may take before it counts as failed (the SDK's request timeout). */
const SURGE_ATTEMPT_MS = 10_000;

/**
 * A flash crowd: `count` newcomers (each signed in) arrive at uniform random times over
 * `spreadMs`, join the room, and when refused come back as the SDK does (the server's wait plus
 * full jitter). Reports when everyone is in, or the deadline passed for those still out.
 */
async function surge(message: Extract<ToWorker, { type: 'surge' }>): Promise<void> {
  const secret = new TextEncoder().encode(message.secret);
  const tokens = await Promise.all(
    Array.from({ length: message.count }, (_, i) =>
      new SignJWT({ region: 'US' })
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject(`newcomer-${message.offset + i}`)
        .setExpirationTime('2h')
        .sign(secret),
    ),
  );
  const waits = latencyHistogram();
  const started = Date.now();
  attempts = [];
  joins = [];
  refusals = 0;
  let joined = 0;
  let gaveUp = 0;
  const errors: Record<string, number> = {};
  const finished = () => {
    if (joined + gaveUp < message.count) return;
    send({
      type: 'surged',
      joined,
      failed: gaveUp,
      waits: encodeHistogram(waits),
      attempts: Array.from(attempts, (n) => n ?? 0),
      joins: Array.from(joins, (n) => n ?? 0),
      refusals,
      errors,
    });
  };
  tokens.forEach((token) => {
    const subscriber = new Subscriber(
      {
        protocol: 'socketio',
        url: message.url,
        roomId: message.roomId,
        resume: false,
        auth: { token },
      },
      tally,
    );
    let first = 0;
    const attempt = (delay: number, tries: number) =>
      setTimeout(() => {
        first ||= Date.now();
        bucket(attempts, started);
        // a server too busy to answer (or to accept) fails the attempt after a while, as apps time out
        let timer: NodeJS.Timeout | undefined;
        const timedOut = new Promise<never>((_, reject) => {
          timer = setTimeout(() => {
            subscriber.drop();
            reject(new Error('TIMEOUT'));
          }, SURGE_ATTEMPT_MS);
        });
        Promise.race([subscriber.connect(), timedOut])
          .finally(() => clearTimeout(timer))
          .then(
            () => {
              bucket(joins, started);
              waits.recordValue(Math.max(1, Date.now() - first));
              subscribers.push(subscriber);
              joined++;
              finished();
            },
            (error: unknown) => {
              const waitMs = (error as { retryAfterMs?: number }).retryAfterMs;
              if (waitMs !== undefined) refusals++;
              const kind = /"code":"(\w+)"/.exec(String(error))?.[1] ?? String(error).slice(0, 40);
              errors[kind] = (errors[kind] ?? 0) + 1;
              if (Date.now() - started > message.deadlineMs) {
                gaveUp++;
                finished();
                return;
              }
              const window = Math.min(SDK_CAP_MS, SDK_BASE_MS * 2 ** tries);
              attempt((waitMs ?? 0) + Math.random() * window, tries + 1);
            },
          );
      }, delay);
    attempt(Math.random() * message.spreadMs, 0);
  });
  finished();
}

process.on('message', (message: ToWorker) => {
  switch (message.type) {
    case 'connect':
      void connectAll(message);
      return;
    case 'reset':
      latency = latencyHistogram();
      reconnects = latencyHistogram();
      tally.delivered = 0;
      tally.lost = 0;
      for (const s of subscribers) s.resetSeen();
      send({ type: 'reset' });
      return;
    case 'storm':
      storm(message);
      return;
    case 'surge':
      void surge(message);
      return;
    case 'settle':
      for (const s of subscribers) s.settle(message.finalSeq);
      send({ type: 'settled' });
      return;
    case 'report':
      send({
        type: 'report',
        delivered: tally.delivered,
        lost: tally.lost,
        histogram: encodeHistogram(latency),
        reconnects: encodeHistogram(reconnects),
        attempts: Array.from(attempts, (n) => n ?? 0),
        joins: Array.from(joins, (n) => n ?? 0),
        refusals,
        open: subscribers.filter((s) => s.open).length,
        total: subscribers.length,
        failed,
        minSeen: subscribers.reduce((min, s) => (min < 0 ? s.seen : Math.min(min, s.seen)), -1),
      });
      return;
    case 'close':
      for (const s of subscribers) s.drop();
      process.exit(0);
  }
});
send({ type: 'started' });
