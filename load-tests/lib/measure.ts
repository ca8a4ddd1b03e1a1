import { cpuSeconds } from './proc.js';
import type { Publisher, Target } from './targets.js';
import type { ConnectPlan, PoolReport, WorkerPool } from './workers.js';

/** CPU seconds of the server side: every node of the target, and its Redis. */
export function serverCpuSeconds(target: Pick<Target, 'pids'>): number {
  return target.pids.reduce((sum, pid) => sum + cpuSeconds(pid), 0);
}

/** CPU seconds of the load side: the workers plus this process. */
export function loadCpuSeconds(pool: WorkerPool): number {
  const self = process.cpuUsage();
  return pool.pids.reduce((sum, pid) => sum + cpuSeconds(pid), 0) + (self.user + self.system) / 1e6;
}

/** Sends `count` messages at `rate` per second, paced against the clock; resolves with the last seq. */
export async function publish(
  publisher: Publisher,
  count: number,
  rate: number,
  bytes: number,
): Promise<number> {
  const text = 'x'.repeat(Math.max(1, bytes));
  const started = performance.now();
  const sends: Promise<number>[] = [];
  while (sends.length < count) {
    const due = Math.min(count, Math.floor(((performance.now() - started) / 1000) * rate) + 1);
    while (sends.length < due) sends.push(publisher.send(text));
    if (sends.length < count) await new Promise((resolve) => setTimeout(resolve, 5));
  }
  const seqs = await Promise.all(sends);
  return Math.max(...seqs);
}

/** Polls the workers until `done(report)`, nothing changed for `stallMs`, or `maxMs` passed. */
export async function waitFor(
  pool: WorkerPool,
  done: (r: PoolReport) => boolean,
  stallMs: number,
  maxMs = Number.POSITIVE_INFINITY,
): Promise<PoolReport> {
  let last = '';
  const started = performance.now();
  let lastChange = started;
  for (;;) {
    const report = await pool.report();
    if (done(report)) return report;
    const key = `${report.delivered}/${report.open}`;
    if (key !== last) {
      last = key;
      lastChange = performance.now();
    } else if (performance.now() - lastChange > stallMs) {
      return report;
    }
    if (performance.now() - started > maxMs) return report;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * The 127.0.0.x source addresses for `connections` to one server port. Linux shares its ~28,000
 * ephemeral ports across destinations, so below that one server needs none (and binding a
 * source address first makes every connect search the port range: slow with thousands open).
 * Above it, connections spread over 127.0.0.2, .3, ... with ports the subscribers pick themselves.
 */
export function sourceAddresses(connectionsPerServer: number): string[] {
  if (connectionsPerServer <= 25_000) return [];
  return Array.from(
    { length: Math.ceil(connectionsPerServer / 20_000) },
    (_, i) => `127.0.0.${i + 2}`,
  );
}

/** Joins `total` subscribers of the pool to one room of `target`; throws unless every one joined. */
export async function joinAll(
  pool: WorkerPool,
  target: Target,
  roomId: string,
  total: number,
  extra: Pick<ConnectPlan, 'resume' | 'latencyFrom' | 'regions' | 'secret'> = {},
): Promise<number> {
  const { connected } = await pool.connect({
    protocol: target.protocol,
    urls: target.urls,
    roomIds: [roomId],
    total,
    localAddresses: sourceAddresses(total),
    ...extra,
  });
  if (connected < total) throw new Error(`only ${connected} of ${total} subscribers joined`);
  return connected;
}

/** The largest sum of 10 consecutive 100 ms buckets: a peak per second. */
export function peakPerSecond(buckets: readonly number[]): number {
  let peak = 0;
  let window = 0;
  buckets.forEach((n, i) => {
    window += n - (i >= 10 ? (buckets[i - 10] ?? 0) : 0);
    peak = Math.max(peak, window);
  });
  return peak;
}

/** The peak of each run of `size` samples. */
export function peaksBy(samples: number[], size: number): number[] {
  const peaks: number[] = [];
  for (let i = 0; i < samples.length; i += size)
    peaks.push(Math.max(...samples.slice(i, i + size)));
  return peaks;
}
