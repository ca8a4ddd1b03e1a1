import { percentiles } from '../lib/histogram.js';
import { joinAll, loadCpuSeconds, peakPerSecond, waitFor } from '../lib/measure.js';
import { cpuSeconds } from '../lib/proc.js';
import { startTarget, type Publisher, type TargetName } from '../lib/targets.js';
import { WorkerPool, type StormBackoff } from '../lib/workers.js';

export interface ReconnectOptions {
  clients: number;
  /** Chat messages per second published throughout. */
  rate: number;
  /** Each dropped client comes back after a random delay in this window (socket.io's default backoff is 0.5-1.5 s). */
  minDelayMs: number;
  maxDelayMs: number;
  serverCpu?: number | undefined;
  loadCpu?: number | undefined;
  /** How clients come back: socket.io's default window, or the SDK's full jitter (min: base, max: cap). */
  backoff?: StormBackoff;
  /** Our server's admission rate (CONNECT_RATE_PER_SECOND) during the storm; 0: none. */
  admitRate?: number;
}

export interface ReconnectResult {
  target: TargetName;
  clients: number;
  /** Time from the drop until 99% of clients had joined again (resumed on our server). */
  back99Ms: number;
  backAllMs: number;
  reconnected: number;
  /** Messages published while the storm lasted. */
  published: number;
  /** Messages some client never got, summed over clients. */
  lost: number;
  /** CPU seconds from the drop until all were back: the server's, and the load side's. */
  serverCpuSeconds: number;
  loadCpuSeconds: number;
  /** The most connection attempts, and joins, in any one second of the storm (what the server saw). */
  peakAttemptsPerSecond: number;
  peakJoinsPerSecond: number;
  /** Attempts the server refused with a wait (its admission rate). */
  refusals: number;
}

const ROOM = 'storm';

/** Runs a publisher at `rate`/s until stopped; `last()` is the last seq accepted. */
function steadyPublisher(publisher: Publisher, rate: number) {
  let last = 0;
  const state = { running: true };
  const loop = (async () => {
    const started = performance.now();
    let sent = 0;
    while (state.running) {
      const due = Math.floor(((performance.now() - started) / 1000) * rate);
      for (; sent < due; sent++)
        void publisher.send('storm').then((seq) => (last = Math.max(last, seq)));
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  })();
  return {
    last: () => last,
    stop: async () => {
      state.running = false;
      await loop;
    },
  };
}

/** Reconnect storm: every client dropped at once while chat flows; how fast they are back and what they lost. */
export async function reconnect(
  name: TargetName,
  options: ReconnectOptions,
): Promise<ReconnectResult> {
  const admitRate = options.admitRate ?? 0;
  const target = await startTarget(
    name,
    options.serverCpu,
    admitRate > 0 ? { CONNECT_RATE_PER_SECOND: String(admitRate) } : {},
  );
  const pool = await WorkerPool.start(
    Math.max(1, Math.ceil(options.clients / 5000)),
    options.loadCpu,
  );
  try {
    const publisher = await target.publisher(ROOM);
    const connected = await joinAll(pool, target, ROOM, options.clients, {
      resume: name === 'liveshop',
    });
    const steady = steadyPublisher(publisher, options.rate);
    // everyone has seen messages before the drop, so each knows where it was
    await waitFor(pool, (r) => r.delivered >= connected * 3, 10_000, 30_000);
    await pool.reset();
    const firstDuringStorm = steady.last() + 1;
    const dropped = performance.now();
    const serverCpu0 = cpuSeconds(target.pid);
    const loadCpu0 = loadCpuSeconds(pool);
    await pool.storm(options.minDelayMs, options.maxDelayMs, 60_000, options.backoff ?? 'window');
    const back = await waitFor(pool, (r) => r.open === connected, 10_000, 60_000);
    const backAllMs = performance.now() - dropped;
    const serverCpuSeconds = cpuSeconds(target.pid) - serverCpu0;
    const loadCpu = loadCpuSeconds(pool) - loadCpu0;
    // keep publishing a little after everyone is back, then stop and let deliveries settle
    await new Promise((resolve) => setTimeout(resolve, 1000));
    await steady.stop();
    await new Promise((resolve) => setTimeout(resolve, 500));
    const finalSeq = steady.last();
    // a saturated baseline may need minutes for its backlog: what has not arrived in 15 s is lost
    await waitFor(pool, () => false, 1000, 15_000);
    await pool.settle(finalSeq);
    const report = await pool.report();
    publisher.close();
    return {
      target: name,
      clients: connected,
      back99Ms: percentiles(back.reconnects).p99,
      backAllMs: back.open === connected ? backAllMs : Number.NaN,
      reconnected: back.open,
      published: finalSeq - firstDuringStorm + 1,
      lost: report.lost,
      serverCpuSeconds,
      loadCpuSeconds: loadCpu,
      peakAttemptsPerSecond: peakPerSecond(report.attempts),
      peakJoinsPerSecond: peakPerSecond(report.joins),
      refusals: report.refusals,
    };
  } finally {
    pool.close();
    await target.stop();
  }
}
