import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { decodeHistogram, latencyHistogram } from './histogram.js';
import type * as hdr from 'hdr-histogram-js';

export type ToWorker =
  | {
      type: 'connect';
      url: string;
      roomId: string;
      count: number;
      concurrency: number;
      localAddresses: string[];
    }
  | { type: 'reset' }
  | { type: 'report' }
  | { type: 'close' };

export type FromWorker =
  | { type: 'started' }
  | { type: 'ready'; connected: number; failed: number }
  | { type: 'reset' }
  | { type: 'report'; delivered: number; histogram: string; errors: number; open: number };

const WORKER = fileURLToPath(new URL('../worker.ts', import.meta.url));

/** A pool of load worker processes, pinned to the load core when `cpu` is given. */
export class WorkerPool {
  private constructor(private readonly children: ChildProcess[]) {}

  static async start(count: number, cpu?: number): Promise<WorkerPool> {
    const children = Array.from({ length: count }, () => {
      const child = fork(WORKER, [], {
        execArgv: ['--import', 'tsx'],
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      });
      return child;
    });
    const pool = new WorkerPool(children);
    await Promise.all(children.map((c) => pool.next(c, 'started')));
    if (cpu !== undefined) {
      const { execFileSync } = await import('node:child_process');
      for (const c of children)
        if (c.pid)
          execFileSync('taskset', ['-pc', String(cpu), String(c.pid)], { stdio: 'ignore' });
    }
    return pool;
  }

  /** Connects `total` subscribers spread over the workers; resolves with how many joined. */
  async connect(
    url: string,
    roomId: string,
    total: number,
    localAddresses: string[] = [],
  ): Promise<{ connected: number; failed: number }> {
    const per = Math.ceil(total / this.children.length);
    const replies = await Promise.all(
      this.children.map((child, i) => {
        const count = Math.max(0, Math.min(per, total - i * per));
        return this.ask(
          child,
          { type: 'connect', url, roomId, count, concurrency: 100, localAddresses },
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

  /** Sums every worker's counts and latency histograms. */
  async report(): Promise<{
    delivered: number;
    errors: number;
    open: number;
    histogram: hdr.Histogram;
  }> {
    const replies = await Promise.all(
      this.children.map((c) => this.ask(c, { type: 'report' }, 'report')),
    );
    const histogram = latencyHistogram();
    for (const r of replies) histogram.add(decodeHistogram(r.histogram));
    return {
      delivered: replies.reduce((n, r) => n + r.delivered, 0),
      errors: replies.reduce((n, r) => n + r.errors, 0),
      open: replies.reduce((n, r) => n + r.open, 0),
      histogram,
    };
  }

  /** Process ids of the workers (to read their CPU time). */
  get pids(): number[] {
    return this.children.map((c) => c.pid ?? 0).filter((pid) => pid > 0);
  }

  close(): void {
    for (const c of this.children) {
      if (c.connected) c.send({ type: 'close' } satisfies ToWorker);
      c.once('exit', () => undefined);
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
    return new Promise((resolve, reject) => {
      const onMessage = (m: FromWorker) => {
        if (m.type !== type) return;
        child.off('message', onMessage);
        child.off('exit', onExit);
        resolve(m as Extract<FromWorker, { type: T }>);
      };
      const onExit = (code: number | null) => reject(new Error(`load worker exited (${code})`));
      child.on('message', onMessage);
      child.once('exit', onExit);
    });
  }
}
