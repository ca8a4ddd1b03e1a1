import { percentiles, type Percentiles } from '../lib/histogram.js';
import { cpuSeconds, rssBytes } from '../lib/proc.js';
import { startTarget, type TargetName } from '../lib/targets.js';
import type { WireClient } from '../lib/wire-client.js';
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
  /** Server CPU (user + system) from the first message sent to the last one delivered. */
  cpuSeconds: number;
  deliveriesPerCpuSecond: number;
  wallSeconds: number;
  latencyMs: Percentiles;
  serverRssMiB: number;
  /** Share of one core the load side (workers and publisher) used: near 1 means the load, not the server, was the limit. */
  loadCoreBusy: number;
  errors: number;
}

/** CPU seconds of the load side: the workers plus this process. */
function loadCpuSeconds(pool: WorkerPool): number {
  const self = process.cpuUsage();
  return pool.pids.reduce((sum, pid) => sum + cpuSeconds(pid), 0) + (self.user + self.system) / 1e6;
}

const ROOM = 'fanout';

/** One room, N subscribers, one publisher at R messages/s: how much server CPU each delivery costs. */
export async function fanout(name: TargetName, options: FanoutOptions): Promise<FanoutResult> {
  const target = await startTarget(name, options.serverCpu);
  const pool = await WorkerPool.start(options.workers, options.loadCpu);
  try {
    const publisher = await target.publisher(ROOM);
    const { connected } = await pool.connect(target.url, ROOM, options.subscribers);
    if (connected < options.subscribers)
      throw new Error(`only ${connected} of ${options.subscribers} subscribers joined`);

    // warm up the path, then measure from a clean slate
    await publish(publisher, Math.min(20, options.messages), options.rate, options.bytes);
    await waitForDeliveries(
      pool,
      connected * Math.min(20, options.messages),
      options.stallMs ?? 5000,
    );
    await pool.reset();

    const cpuBefore = cpuSeconds(target.pid);
    const loadBefore = loadCpuSeconds(pool);
    const started = performance.now();
    await publish(publisher, options.messages, options.rate, options.bytes);
    const expected = connected * options.messages;
    const report = await waitForDeliveries(pool, expected, options.stallMs ?? 5000);
    const cpu = cpuSeconds(target.pid) - cpuBefore;
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
      wallSeconds,
      latencyMs: percentiles(report.histogram),
      serverRssMiB: rssBytes(target.pid) / 2 ** 20,
      loadCoreBusy,
      errors: report.errors,
    };
  } finally {
    pool.close();
    await target.stop();
  }
}

/** Sends `count` messages at `rate` per second, paced against the clock. */
async function publish(
  publisher: WireClient,
  count: number,
  rate: number,
  bytes: number,
): Promise<void> {
  const text = 'x'.repeat(Math.max(1, bytes));
  const started = performance.now();
  let sent = 0;
  const acks: Promise<unknown>[] = [];
  while (sent < count) {
    const due = Math.min(count, Math.floor(((performance.now() - started) / 1000) * rate) + 1);
    for (; sent < due; sent++) acks.push(publisher.request('chat:send', { roomId: ROOM, text }));
    if (sent < count) await new Promise((resolve) => setTimeout(resolve, 5));
  }
  const answers = (await Promise.all(acks)) as { ok?: boolean }[];
  const refused = answers.filter((a) => a.ok !== true);
  if (refused.length > 0)
    throw new Error(`${refused.length} messages refused: ${JSON.stringify(refused[0])}`);
}

/** Polls the workers until `expected` deliveries arrived, or nothing new came for `stallMs`. */
async function waitForDeliveries(pool: WorkerPool, expected: number, stallMs: number) {
  let last = -1;
  let lastChange = performance.now();
  for (;;) {
    const report = await pool.report();
    if (report.delivered >= expected) return report;
    if (report.delivered !== last) {
      last = report.delivered;
      lastChange = performance.now();
    } else if (performance.now() - lastChange > stallMs) {
      return report;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
