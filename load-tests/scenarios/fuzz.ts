import { randomInt } from 'node:crypto';
import { SignJWT } from 'jose';
import { latencyHistogram, percentiles, type Percentiles } from '../lib/histogram.js';
import { runFuzz, type FuzzTally } from '../lib/fuzz/run.js';
import { collectGarbage } from '../lib/inspector.js';
import { rssBytes } from '../lib/proc.js';
import { freePort } from '../lib/redis-server.js';
import { BENCH_SECRET, startTarget, type TargetName } from '../lib/targets.js';
import { WireClient } from '../lib/wire-client.js';

export interface FuzzOptions {
  frames: number;
  connections: number;
  /** fast-check's seed: the same seed sends the same frames. Random when not given. */
  seed?: number | undefined;
  serverCpu?: number | undefined;
  /** Per frame: how long it may wait for its answer before it counts as unanswered. */
  deadlineMs?: number;
}

export interface FuzzResult extends FuzzTally {
  target: TargetName;
  seed: number;
  /** Frames of the warm-up round (not counted above) that went unanswered. */
  warmupUnanswered: number;
  /** The server process exited during the run. */
  crashed: boolean;
  /** /healthz answered 200 after the run. */
  healthyAfter: boolean;
  /** The server's RSS after a full GC, after the warm-up and after the run. */
  rssBeforeBytes: number;
  rssAfterBytes: number;
  /** V8's used heap at the same moments (from /metrics). */
  heapBeforeBytes: number;
  heapAfterBytes: number;
  /** The control client's chat, sent into another room through the fuzz: send to receipt. */
  controlChatMs: Percentiles;
  /** The same before the fuzz, on the quiet server (the baseline of the same run). */
  controlQuietMs: Percentiles;
  /** Control messages that never came back. */
  controlLost: number;
  wallSeconds: number;
}

/** The limits the fuzz runs against: the server's defaults (README). */
const LIMITS = { maxEventBytes: 16 * 1024, maxFrameBytes: 1 << 20, readLimit: 2 << 20 };

/** A token: a host (of its own rooms and of the fuzz room), a moderator of the fuzz room, or a viewer. */
const token = (sub: string, role: 'host' | 'moderator' | 'viewer') =>
  new SignJWT(
    role === 'viewer' ? {} : { role: role === 'host' ? 'host' : 'viewer', rooms: { fuzz: role } },
  )
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(sub)
    .setIssuedAt()
    .setExpirationTime('2h')
    .sign(new TextEncoder().encode(BENCH_SECRET));

/**
 * Fuzzes our server: fast-check frames derived from every client event's schema and raw
 * mutations of the wire protocol, over many connections at once, while a control client chats in
 * another room. Counts what was answered, what closed its connection and what went unanswered,
 * and reads the server's RSS before and after.
 */
export async function fuzz(name: TargetName, options: FuzzOptions): Promise<FuzzResult> {
  const seed = options.seed ?? randomInt(2 ** 31);
  // the inspector (loopback only) lets the run ask for a full GC before reading memory
  const inspectPort = await freePort();
  const target = await startTarget(name, options.serverCpu, {
    NODE_OPTIONS: `--inspect=127.0.0.1:${inspectPort}`,
  });
  const settled = async () => {
    await collectGarbage(inspectPort);
    await new Promise((resolve) => setTimeout(resolve, 500));
    return { rss: rssBytes(target.pid), heap: await heapUsed(target.url) };
  };
  let exited = false;
  const alive = () => {
    if (exited) return false;
    try {
      process.kill(target.pid, 0);
      return true;
    } catch {
      exited = true;
      return false;
    }
  };
  try {
    const host = await WireClient.connect({
      url: target.url,
      auth: { token: await token('fuzz-host', 'host') },
    });
    for (const roomId of ['fuzz', 'control']) {
      await host.request('stream:create', { roomId, title: `Fuzz ${roomId}` });
      await host.request('stream:start', { roomId });
    }
    await host.request('room:join', { roomId: 'fuzz' });
    await host.request('product:upsert', {
      roomId: 'fuzz',
      product: {
        id: 'p1',
        title: 'Fuzz cap',
        price: { amountMinor: 100, currency: 'EUR' },
        imageUrl: null,
        sku: 'F-1',
      },
    });
    await host.request('drop:create', {
      roomId: 'fuzz',
      dropId: 'fuzz-drop',
      productId: 'p1',
      quantity: 1_000_000,
      durationSeconds: 86_400,
    });
    host.close();

    // the control client: chat into "control" every 20 ms, each message timed until it comes back
    const sentAt = new Map<string, number>();
    const quiet = latencyHistogram();
    const loud = latencyHistogram();
    let histogram = quiet;
    const control = await WireClient.connect({
      url: target.url,
      auth: { token: await token('control', 'host') },
      onEvent: (event, payload) => {
        if (event !== 'chat:batch') return;
        for (const m of (payload as { messages: { text: string }[] }).messages) {
          const at = sentAt.get(m.text);
          if (at === undefined) continue;
          sentAt.delete(m.text);
          histogram.recordValue(Math.max(1, Math.round(performance.now() - at)));
        }
      },
    });
    await control.request('room:join', { roomId: 'control' });
    let n = 0;
    const chat = { on: true };
    const chatter = (async () => {
      while (chat.on && alive()) {
        const text = `control ${n++}`;
        sentAt.set(text, performance.now());
        void control.request('chat:send', { roomId: 'control', text });
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    })();
    // the baseline: two seconds of control chat with nothing else going on
    await new Promise((resolve) => setTimeout(resolve, 2000));
    histogram = latencyHistogram(); // the warm-up's, not reported

    const auths = [
      ...(
        await Promise.all(
          Array.from({ length: 16 }, (_, i) =>
            token(
              `fuzzer-${i}`,
              (['host', 'moderator', 'viewer', 'viewer'] as const)[i % 4] ?? 'viewer',
            ),
          ),
        )
      ).map((t) => ({ token: t })),
      {}, // anonymous
      { token: 'not-a-token' },
    ];
    // a warm-up round first, so "before" is a server that has compiled its code and grown its
    // heap to working size, and the comparison shows what the fuzz leaves behind
    const fuzzWith = (frames: number, seedOf: number) =>
      runFuzz({
        url: target.url,
        frames,
        connections: options.connections,
        seed: seedOf,
        limits: LIMITS,
        auths,
        deadlineMs: options.deadlineMs ?? 10_000,
        alive,
      });
    const warmup = await fuzzWith(Math.min(5000, Math.ceil(options.frames / 10)), seed + 1);
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const before = await settled();
    histogram = loud;
    const started = performance.now();
    const tally = await fuzzWith(options.frames, seed);
    const wallSeconds = (performance.now() - started) / 1000;
    chat.on = false;
    await chatter;
    // the last control messages come back (or are lost: at most 10 s of waiting)
    for (let waited = 0; sentAt.size > 0 && waited < 10_000 && alive(); waited += 20)
      await new Promise((resolve) => setTimeout(resolve, 20));
    control.close();
    const crashed = !alive();
    const healthyAfter =
      !crashed &&
      (await fetch(`${target.url}/healthz`).then(
        (r) => r.ok,
        () => false,
      ));
    const after = crashed ? { rss: 0, heap: 0 } : await settled();
    return {
      target: name,
      seed,
      ...tally,
      warmupUnanswered: warmup.outcomes.unanswered,
      crashed,
      healthyAfter,
      rssBeforeBytes: before.rss,
      rssAfterBytes: after.rss,
      heapBeforeBytes: before.heap,
      heapAfterBytes: after.heap,
      controlChatMs: percentiles(loud),
      controlQuietMs: percentiles(quiet),
      controlLost: sentAt.size,
      wallSeconds,
    };
  } finally {
    await target.stop();
  }
}

/** V8's used heap, from the server's /metrics. */
async function heapUsed(url: string): Promise<number> {
  const text = await fetch(`${url}/metrics`, {
    headers: { authorization: `Bearer ${BENCH_SECRET}` },
  }).then((r) => r.text());
  return Number(/^liveshop_nodejs_heap_size_used_bytes (\d+)/m.exec(text)?.[1] ?? 0);
}
