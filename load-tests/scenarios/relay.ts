import { percentiles, type Percentiles } from '../lib/histogram.js';
import { joinAll, publish, waitFor } from '../lib/measure.js';
import { cpuSeconds } from '../lib/proc.js';
import { startTarget, type Publisher, type TargetName } from '../lib/targets.js';
import { WorkerPool } from '../lib/workers.js';

export interface RelayOptions {
  /** Subscribers, all on the second node, so every delivery crosses Redis. */
  subscribers: number;
  rate: number;
  messages: number;
  bytes: number;
  /** Publishing rate while Redis restarts, and for how long. */
  restartRate: number;
  restartSeconds: number;
  serverCpu?: number | undefined;
  loadCpu?: number | undefined;
}

export interface RelayResult {
  target: TargetName;
  subscribers: number;
  delivered: number;
  expected: number;
  deliveriesPerSecond: number;
  latencyMs: Percentiles;
  /** CPU of both nodes, and of Redis, per 1,000 messages relayed. */
  nodeCpuMsPerThousand: number;
  redisCpuMsPerThousand: number;
  restart: {
    accepted: number;
    refused: number;
    /** Accepted messages a subscriber never received, summed over subscribers. */
    lost: number;
    /** The longest time the subscribers received nothing while messages were being sent. */
    longestGapMs: number;
  };
}

const ROOM = 'relay';

/**
 * Cross-node relay, behind the choice of fan-out between nodes: a publisher on node A, every
 * subscriber on node B. How fast and how cheaply messages cross, and what a Redis restart does.
 */
export async function relay(name: TargetName, options: RelayOptions): Promise<RelayResult> {
  const target = await startTarget(name, options.serverCpu);
  const pool = await WorkerPool.start(1, options.loadCpu);
  const redis = target.redis;
  if (!redis) throw new Error(`${name} has no Redis`);
  try {
    const publisher = await target.publisher(ROOM);
    const remote = { ...target, urls: target.urls.slice(1) };
    const connected = await joinAll(pool, remote, ROOM, options.subscribers);
    await publish(publisher, 20, options.rate, options.bytes);
    await waitFor(pool, (r) => r.delivered >= connected * 20, 5000);
    await pool.reset();

    const nodes = target.pids.filter((pid) => pid !== redis.pid);
    const nodeCpu = () => nodes.reduce((sum, pid) => sum + cpuSeconds(pid), 0);
    const [node0, redis0] = [nodeCpu(), cpuSeconds(redis.pid)];
    const started = performance.now();
    await publish(publisher, options.messages, options.rate, options.bytes);
    const expected = connected * options.messages;
    const report = await waitFor(pool, (r) => r.delivered >= expected, 5000);
    const wall = (performance.now() - started) / 1000;
    const perThousand = (seconds: number) => (seconds * 1e6) / options.messages;
    const result = {
      target: name,
      subscribers: connected,
      delivered: report.delivered,
      expected,
      deliveriesPerSecond: report.delivered / wall,
      latencyMs: percentiles(report.histogram),
      nodeCpuMsPerThousand: perThousand(nodeCpu() - node0),
      redisCpuMsPerThousand: perThousand(cpuSeconds(redis.pid) - redis0),
    };

    await pool.reset();
    const restart = await acrossRestart(publisher, pool, connected, options, () => redis.restart());
    publisher.close();
    return { ...result, restart };
  } finally {
    pool.close();
    await target.stop();
  }
}

/** Publishes steadily while Redis restarts a second in; counts what was refused and what was lost. */
async function acrossRestart(
  publisher: Publisher,
  pool: WorkerPool,
  subscribers: number,
  options: RelayOptions,
  restart: () => Promise<void>,
): Promise<RelayResult['restart']> {
  let accepted = 0;
  let refused = 0;
  const total = options.restartRate * options.restartSeconds;
  const started = performance.now();
  const sends: Promise<void>[] = [];
  const samples: { at: number; delivered: number }[] = [];
  let restarted: Promise<void> | undefined;
  while (sends.length < total) {
    const elapsed = performance.now() - started;
    if (!restarted && elapsed > 1000) restarted = restart();
    const due = Math.min(total, Math.floor((elapsed / 1000) * options.restartRate) + 1);
    while (sends.length < due)
      sends.push(
        publisher.send('x'.repeat(options.bytes)).then(
          () => {
            accepted++;
          },
          () => {
            refused++;
          },
        ),
      );
    samples.push({ at: elapsed, delivered: (await pool.report()).delivered });
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  await restarted;
  await Promise.allSettled(sends);
  const report = await waitFor(pool, (r) => r.delivered >= accepted * subscribers, 5000, 20_000);
  let longestGapMs = 0;
  let since = 0;
  let previous = samples[0]?.delivered ?? 0;
  for (const { at, delivered } of samples) {
    if (delivered > previous) since = at;
    else longestGapMs = Math.max(longestGapMs, at - since);
    previous = delivered;
  }
  return {
    accepted,
    refused,
    lost: Math.max(0, accepted * subscribers - report.delivered),
    longestGapMs: Math.round(longestGapMs),
  };
}
