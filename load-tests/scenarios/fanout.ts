import { percentiles, type Percentiles } from '../lib/histogram.js';
import { joinAll, loadCpuSeconds, publish, serverCpuSeconds, waitFor } from '../lib/measure.js';
import { rssBytes } from '../lib/proc.js';
import { startTarget, type TargetName } from '../lib/targets.js';
import { WorkerPool } from '../lib/workers.js';

export interface FanoutOptions {
  subscribers: number;
  /** Chat messages per second from the publisher. */
  rate: number;
  messages: number;
  /** Size of each message's text. */
  bytes: number;
  workers: number;
  /** Cores to pin the server and the load to (taskset); undefined leaves them free. */
  serverCpu?: number | undefined;
  loadCpu?: number | undefined;
  /** Give up waiting for stragglers after this long without progress. */
  stallMs?: number;
}

export interface FanoutResult {
  target: TargetName;
  subscribers: number;
  messages: number;
  expected: number;
  delivered: number;
  /** Server CPU (user + system, every node and Redis) from the first message sent to the last one delivered. */
  cpuSeconds: number;
  deliveriesPerCpuSecond: number;
  deliveriesPerSecond: number;
  wallSeconds: number;
  latencyMs: Percentiles;
  serverRssMiB: number;
  /** Share of one core the load side used: near 1 means the load, not the server, was the limit. */
  loadCoreBusy: number;
  errors: number;
}

const ROOM = 'fanout';

/** One room, N subscribers, one publisher at R messages/s: how much server CPU each delivery costs. */
export async function fanout(name: TargetName, options: FanoutOptions): Promise<FanoutResult> {
  const target = await startTarget(name, options.serverCpu);
  const pool = await WorkerPool.start(options.workers, options.loadCpu);
  try {
    const publisher = await target.publisher(ROOM);
    const connected = await joinAll(pool, target, ROOM, options.subscribers);
    const stall = options.stallMs ?? 5000;

    // warm up the path, then measure from a clean slate
    const warm = Math.min(20, options.messages);
    await publish(publisher, warm, options.rate, options.bytes);
    await waitFor(pool, (r) => r.delivered >= connected * warm, stall);
    await pool.reset();

    const cpuBefore = serverCpuSeconds(target);
    const loadBefore = loadCpuSeconds(pool);
    const started = performance.now();
    await publish(publisher, options.messages, options.rate, options.bytes);
    const expected = connected * options.messages;
    const report = await waitFor(pool, (r) => r.delivered >= expected, stall);
    const cpu = serverCpuSeconds(target) - cpuBefore;
    const wallSeconds = (performance.now() - started) / 1000;
    const loadCoreBusy = (loadCpuSeconds(pool) - loadBefore) / wallSeconds;
    publisher.close();
    return {
      target: name,
      subscribers: connected,
      messages: options.messages,
      expected,
      delivered: report.delivered,
      cpuSeconds: cpu,
      deliveriesPerCpuSecond: cpu > 0 ? report.delivered / cpu : Number.POSITIVE_INFINITY,
      deliveriesPerSecond: report.delivered / wallSeconds,
      wallSeconds,
      latencyMs: percentiles(report.histogram),
      serverRssMiB: target.pids.reduce((sum, pid) => sum + rssBytes(pid), 0) / 2 ** 20,
      loadCoreBusy,
      errors: report.total - report.open + report.failed,
    };
  } finally {
    pool.close();
    await target.stop();
  }
}
