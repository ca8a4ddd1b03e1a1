import { percentiles, type Percentiles } from '../lib/histogram.js';
import { joinAll, loadCpuSeconds, publish, serverCpuSeconds, waitFor } from '../lib/measure.js';
import { groupRegions, regionalPolicy, writePolicyFile } from '../lib/policies.js';
import { rssBytes } from '../lib/proc.js';
import { BENCH_SECRET, startTarget, type TargetName } from '../lib/targets.js';
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
  /**
   * Audience groups: subscribers sign in with regions spread evenly over this many, and the
   * `liveshop-groups` target runs a policy with one group per region (no rule that fires), so the
   * room sends one batch per group; `liveshop` gets the same signed-in subscribers and no policy.
   * Absent: anonymous subscribers.
   */
  groups?: number | undefined;
}

export interface FanoutResult {
  target: TargetName;
  subscribers: number;
  messages: number;
  /** Policy groups the room's viewers were split into (1: no policy). */
  groups: number;
  expected: number;
  delivered: number;
  /** The fewest messages one subscriber received (every subscriber got all: `messages`). */
  minPerSubscriber: number;
  /**
   * Our server's `chat:batch` broadcasts (one per audience partition per tick) and uWS native
   * publishes over the measured window, from its /metrics; null for the baselines.
   */
  broadcasts: { batches: number; native: number } | null;
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
  const regions = options.groups === undefined ? [] : groupRegions(options.groups);
  const split = name === 'liveshop-groups';
  if (split && regions.length === 0) throw new Error('liveshop-groups needs the groups option');
  const policy = split ? writePolicyFile(regionalPolicy(regions.length)) : undefined;
  const target = await startTarget(
    name,
    options.serverCpu,
    policy ? { MODERATION_POLICY: policy.file } : {},
  );
  const pool = await WorkerPool.start(options.workers, options.loadCpu);
  try {
    const publisher = await target.publisher(ROOM);
    const connected = await joinAll(
      pool,
      target,
      ROOM,
      options.subscribers,
      regions.length > 0 ? { regions, secret: BENCH_SECRET } : {},
    );
    const stall = options.stallMs ?? 5000;

    // warm up the path, then measure from a clean slate
    const warm = Math.min(20, options.messages);
    await publish(publisher, warm, options.rate, options.bytes);
    await waitFor(pool, (r) => r.delivered >= connected * warm, stall);
    await pool.reset();

    const countersBefore = await feedCounters(name, target.urls);
    const cpuBefore = serverCpuSeconds(target);
    const loadBefore = loadCpuSeconds(pool);
    const started = performance.now();
    await publish(publisher, options.messages, options.rate, options.bytes);
    const expected = connected * options.messages;
    const report = await waitFor(pool, (r) => r.delivered >= expected, stall);
    const cpu = serverCpuSeconds(target) - cpuBefore;
    const wallSeconds = (performance.now() - started) / 1000;
    const loadCoreBusy = (loadCpuSeconds(pool) - loadBefore) / wallSeconds;
    const countersAfter = await feedCounters(name, target.urls);
    publisher.close();
    return {
      target: name,
      subscribers: connected,
      messages: options.messages,
      groups: split ? regions.length : 1,
      expected,
      delivered: report.delivered,
      minPerSubscriber: report.minSeen,
      broadcasts:
        countersBefore && countersAfter
          ? {
              batches: countersAfter.batches - countersBefore.batches,
              native: countersAfter.native - countersBefore.native,
            }
          : null,
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
    policy?.remove();
  }
}

/** Our server's chat batch broadcasts and native publishes so far, summed over its nodes. */
async function feedCounters(
  name: TargetName,
  urls: string[],
): Promise<{ batches: number; native: number } | null> {
  if (!name.startsWith('liveshop')) return null;
  let batches = 0;
  let native = 0;
  for (const url of urls) {
    const text = await fetch(`${url}/metrics`, {
      headers: { authorization: `Bearer ${BENCH_SECRET}` },
    }).then((r) => r.text());
    batches += Number(
      /^liveshop_events_out_total\{event="chat:batch"\} (\d+)/m.exec(text)?.[1] ?? 0,
    );
    native += Number(/^liveshop_uws_native_publish_total (\d+)/m.exec(text)?.[1] ?? 0);
  }
  return { batches, native };
}
