import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { forkStarted, nextMessage } from './children.js';
import { decodeHistogram, latencyHistogram } from './histogram.js';
import type * as hdr from 'hdr-histogram-js';
import type { Protocol } from './subscriber.js';

export type ToWorker =
  | {
      type: 'connect';
      protocol: Protocol;
      /** Servers to spread over (several processes in the idle scenario). */
      urls: string[];
      roomIds: string[];
      count: number;
      /** Index of this worker's first connection, so rooms and addresses spread evenly. */
      offset: number;
      concurrency: number;
      localAddresses: string[];
      resume: boolean;
      latencyFrom: 'server' | 'sender';
      /**
       * Sign each subscriber in (HS256 with `secret`) with the region `regions[i % length]`, by
       * its index `i` over every worker, so regions spread evenly; empty: anonymous.
       */
      regions: string[];
      secret: string;
    }
  | { type: 'reset' }
  | { type: 'report' }
  | {
      type: 'storm';
      minMs: number;
      maxMs: number;
      deadlineMs: number;
      /** `window`: each comes back at a random time in [minMs, maxMs] (socket.io's default
       * backoff); `jitter`: the SDK's, full jitter from 0 with base `minMs` and cap `maxMs`,
       * each refused one waiting the server's `retryAfterMs` first. */
      backoff: StormBackoff;
    }
  | { type: 'settle'; finalSeq: number }
  | {
      /** A flash crowd: `count` new viewers arrive at uniform random times over `spreadMs`,
       * each signed in, joining the room, and coming back as the SDK does when refused. */
      type: 'surge';
      url: string;
      roomId: string;
      count: number;
      offset: number;
      spreadMs: number;
      deadlineMs: number;
      secret: string;
    }
  | { type: 'close' };

export type FromWorker =
  | { type: 'started' }
  | { type: 'ready'; connected: number; failed: number }
  | { type: 'reset' }
  | { type: 'storming' }
  | { type: 'settled' }
  | {
      type: 'surged';
      joined: number;
      failed: number;
      /** From a newcomer's first attempt to its join answered, ms. */
      waits: string;
      attempts: number[];
      joins: number[];
      refusals: number;
      /** Failed attempts by error code (or message). */
      errors: Record<string, number>;
    }
  | {
      type: 'report';
      delivered: number;
      lost: number;
      histogram: string;
      reconnects: string;
      /** Connection attempts and joins in each 100 ms since the storm began. */
      attempts: number[];
      joins: number[];
      refusals: number;
      open: number;
      total: number;
      failed: number;
      /** The fewest chat messages one subscriber counted since the reset (-1: no subscribers). */
      minSeen: number;
    };

export interface PoolReport {
  delivered: number;
  lost: number;
  open: number;
  total: number;
  failed: number;
  /** The fewest chat messages one subscriber counted since the reset (-1: no subscribers). */
  minSeen: number;
  histogram: hdr.Histogram;
  reconnects: hdr.Histogram;
  /** Summed over workers: attempts and joins per 100 ms since the storm began, and refusals. */
  attempts: number[];
  joins: number[];
  refusals: number;
}

export type StormBackoff = 'window' | 'jitter';

export interface ConnectPlan {
  protocol: Protocol;
  urls: string[];
  roomIds: string[];
  total: number;
  localAddresses?: string[];
  resume?: boolean;
  concurrency?: number;
  latencyFrom?: 'server' | 'sender';
  /** Regions to sign subscribers in with, spread evenly (see ToWorker); default: anonymous. */
  regions?: string[];
  secret?: string;
}

const WORKER = fileURLToPath(new URL('../worker.ts', import.meta.url));

/** A pool of load worker processes, pinned to the load core when `cpu` is given. */
export class WorkerPool {
  private constructor(private readonly children: ChildProcess[]) {}

  static async start(count: number, cpu?: number): Promise<WorkerPool> {
    return new WorkerPool(await forkStarted(WORKER, count, cpu, 'load worker'));
  }

  /** Connects `plan.total` subscribers spread over the workers; resolves with how many joined. */
  async connect(plan: ConnectPlan): Promise<{ connected: number; failed: number }> {
    const per = Math.ceil(plan.total / this.children.length);
    const replies = await Promise.all(
      this.children.map((child, i) => {
        const count = Math.max(0, Math.min(per, plan.total - i * per));
        return this.ask(
          child,
          {
            type: 'connect',
            protocol: plan.protocol,
            urls: plan.urls,
            roomIds: plan.roomIds,
            count,
            offset: i * per,
            concurrency: plan.concurrency ?? 100,
            localAddresses: plan.localAddresses ?? [],
            resume: plan.resume ?? false,
            latencyFrom: plan.latencyFrom ?? 'server',
            regions: plan.regions ?? [],
            secret: plan.secret ?? '',
          },
          'ready',
        );
      }),
    );
    return replies.reduce(
      (sum, r) => ({ connected: sum.connected + r.connected, failed: sum.failed + r.failed }),
      { connected: 0, failed: 0 },
    );
  }

  async reset(): Promise<void> {
    await Promise.all(this.children.map((c) => this.ask(c, { type: 'reset' }, 'reset')));
  }

  /** Drops every subscriber at once; each reconnects after a random delay in [minMs, maxMs]. */
  async storm(
    minMs: number,
    maxMs: number,
    deadlineMs: number,
    backoff: StormBackoff = 'window',
  ): Promise<void> {
    await Promise.all(
      this.children.map((c) =>
        this.ask(c, { type: 'storm', minMs, maxMs, deadlineMs, backoff }, 'storming'),
      ),
    );
  }

  /** A flash crowd of `total` newcomers over `spreadMs`, spread over the workers; resolves when all are in (or given up). */
  async surge(plan: {
    url: string;
    roomId: string;
    total: number;
    spreadMs: number;
    deadlineMs: number;
    secret: string;
    offset: number;
  }): Promise<{
    joined: number;
    failed: number;
    waits: hdr.Histogram;
    attempts: number[];
    joins: number[];
    refusals: number;
    errors: Record<string, number>;
  }> {
    const per = Math.ceil(plan.total / this.children.length);
    const replies = await Promise.all(
      this.children.map((child, i) =>
        this.ask(
          child,
          {
            type: 'surge',
            url: plan.url,
            roomId: plan.roomId,
            count: Math.max(0, Math.min(per, plan.total - i * per)),
            offset: plan.offset + i * per,
            spreadMs: plan.spreadMs,
            deadlineMs: plan.deadlineMs,
            secret: plan.secret,
          },
          'surged',
        ),
      ),
    );
    const waits = latencyHistogram();
    const sumBuckets = (f: (r: (typeof replies)[number]) => number[]) => {
      const out: (number | undefined)[] = [];
      for (const r of replies) f(r).forEach((n, i) => (out[i] = (out[i] ?? 0) + n));
      return Array.from(out, (n) => n ?? 0);
    };
    for (const r of replies) waits.add(decodeHistogram(r.waits));
    return {
      joined: replies.reduce((n, r) => n + r.joined, 0),
      failed: replies.reduce((n, r) => n + r.failed, 0),
      waits,
      attempts: sumBuckets((r) => r.attempts),
      joins: sumBuckets((r) => r.joins),
      refusals: replies.reduce((n, r) => n + r.refusals, 0),
      errors: replies.reduce<Record<string, number>>((all, r) => {
        for (const [k, v] of Object.entries(r.errors)) all[k] = (all[k] ?? 0) + v;
        return all;
      }, {}),
    };
  }

  /** Tells subscribers the last seq published, so whatever they never saw counts as lost. */
  async settle(finalSeq: number): Promise<void> {
    await Promise.all(
      this.children.map((c) => this.ask(c, { type: 'settle', finalSeq }, 'settled')),
    );
  }

  /** Sums every worker's counts and histograms. */
  async report(): Promise<PoolReport> {
    const replies = await Promise.all(
      this.children.map((c) => this.ask(c, { type: 'report' }, 'report')),
    );
    const histogram = latencyHistogram();
    const reconnects = latencyHistogram();
    for (const r of replies) {
      histogram.add(decodeHistogram(r.histogram));
      reconnects.add(decodeHistogram(r.reconnects));
    }
    const sum = (f: (r: (typeof replies)[number]) => number) =>
      replies.reduce((n, r) => n + f(r), 0);
    const buckets = (f: (r: (typeof replies)[number]) => number[]) => {
      const out: (number | undefined)[] = [];
      for (const r of replies) f(r).forEach((n, i) => (out[i] = (out[i] ?? 0) + n));
      return Array.from(out, (n) => n ?? 0);
    };
    return {
      attempts: buckets((r) => r.attempts),
      joins: buckets((r) => r.joins),
      refusals: sum((r) => r.refusals),
      delivered: sum((r) => r.delivered),
      lost: sum((r) => r.lost),
      open: sum((r) => r.open),
      total: sum((r) => r.total),
      failed: sum((r) => r.failed),
      minSeen: replies.reduce(
        (min, r) => (r.minSeen < 0 ? min : min < 0 ? r.minSeen : Math.min(min, r.minSeen)),
        -1,
      ),
      histogram,
      reconnects,
    };
  }

  /** Process ids of the workers (to read their CPU time). */
  get pids(): number[] {
    return this.children.map((c) => c.pid ?? 0).filter((pid) => pid > 0);
  }

  close(): void {
    for (const c of this.children) {
      if (c.connected) c.send({ type: 'close' } satisfies ToWorker);
    }
  }

  private ask<T extends FromWorker['type']>(
    child: ChildProcess,
    message: ToWorker,
    reply: T,
  ): Promise<Extract<FromWorker, { type: T }>> {
    const answer = this.next(child, reply);
    child.send(message);
    return answer;
  }

  private next<T extends FromWorker['type']>(
    child: ChildProcess,
    type: T,
  ): Promise<Extract<FromWorker, { type: T }>> {
    return nextMessage<FromWorker, T>(child, type, 'load worker');
  }
}
