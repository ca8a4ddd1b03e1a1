import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { forkStarted, nextMessage } from './children.js';
import type * as hdr from 'hdr-histogram-js';
import { decodeHistogram, latencyHistogram } from './histogram.js';

export type ToClaimer =
  | {
      type: 'connect';
      urls: string[];
      roomId: string;
      count: number;
      offset: number;
      /** HS256 secret to sign each buyer's token with. */
      secret: string;
      concurrency: number;
    }
  | {
      type: 'burst';
      roomId: string;
      dropId: string;
      /** Epoch ms at which to start claiming. */
      atMs: number;
      /** Claims per second from this worker; 0 sends them all at once. */
      rate: number;
      claimsPerClient: number;
      timeoutMs: number;
      runId: string;
      /** Check out every hold at once (the latency is then the checkout's). */
      checkout: boolean;
      /** Bid in this auction instead of claiming (each buyer a maximum of its own). */
      bid?: { auctionId: string; baseMinor: number; spread: number } | undefined;
    }
  | { type: 'close' };

export type FromClaimer =
  | { type: 'started' }
  | { type: 'ready'; connected: number; failed: number }
  | {
      type: 'done';
      outcomes: Record<string, number>;
      unanswered: number;
      histogram: string;
      firstSentAt: number;
      lastAnsweredAt: number;
    };

export interface BurstReport {
  outcomes: Record<string, number>;
  answered: number;
  unanswered: number;
  latency: hdr.Histogram;
  /** From the first claim sent to the last answer received, in seconds. */
  seconds: number;
}

const WORKER = fileURLToPath(new URL('../claimer.ts', import.meta.url));

/** Claim worker processes (each a few thousand buyers: one process may open 20,000 files here). */
export class ClaimerPool {
  private constructor(private readonly children: ChildProcess[]) {}

  get pids(): number[] {
    return this.children.map((c) => c.pid ?? 0);
  }

  static async start(count: number, cpu?: number): Promise<ClaimerPool> {
    return new ClaimerPool(await forkStarted(WORKER, count, cpu, 'claim worker'));
  }

  /** Connects `total` buyers (`buyer-0`...) spread over the workers and the urls; each joins the room. */
  async connect(plan: {
    urls: string[];
    roomId: string;
    total: number;
    secret: string;
    concurrency?: number;
  }): Promise<{ connected: number; failed: number }> {
    const per = Math.ceil(plan.total / this.children.length);
    const replies = await Promise.all(
      this.children.map((child, i) => {
        child.send({
          type: 'connect',
          urls: plan.urls,
          roomId: plan.roomId,
          count: Math.max(0, Math.min(per, plan.total - i * per)),
          offset: i * per,
          secret: plan.secret,
          concurrency: plan.concurrency ?? 50,
        } satisfies ToClaimer);
        return next(child, 'ready');
      }),
    );
    return replies.reduce(
      (sum, r) => ({ connected: sum.connected + r.connected, failed: sum.failed + r.failed }),
      { connected: 0, failed: 0 },
    );
  }

  /** Every buyer claims at `atMs` (paced at `rate` per second over all workers, or all at once). */
  async burst(plan: {
    roomId: string;
    dropId: string;
    atMs: number;
    rate?: number;
    claimsPerClient?: number;
    timeoutMs?: number;
    checkout?: boolean;
    bid?: { auctionId: string; baseMinor: number; spread: number };
  }): Promise<BurstReport> {
    const runId = `r${Date.now().toString(36)}`;
    const rate = (plan.rate ?? 0) / this.children.length;
    const replies = await Promise.all(
      this.children.map((child) => {
        child.send({
          type: 'burst',
          roomId: plan.roomId,
          dropId: plan.dropId,
          atMs: plan.atMs,
          rate,
          claimsPerClient: plan.claimsPerClient ?? 1,
          timeoutMs: plan.timeoutMs ?? 30_000,
          runId,
          checkout: plan.checkout ?? false,
          bid: plan.bid,
        } satisfies ToClaimer);
        return next(child, 'done');
      }),
    );
    const latency = latencyHistogram();
    const outcomes: Record<string, number> = {};
    let unanswered = 0;
    for (const r of replies) {
      latency.add(decodeHistogram(r.histogram));
      unanswered += r.unanswered;
      for (const [k, v] of Object.entries(r.outcomes)) outcomes[k] = (outcomes[k] ?? 0) + v;
    }
    // a worker with no buyers sent nothing (its first send is Infinity, null over IPC)
    const active = replies.filter((r) => r.lastAnsweredAt > 0);
    const first = Math.min(...active.map((r) => r.firstSentAt));
    const last = Math.max(...active.map((r) => r.lastAnsweredAt));
    return {
      outcomes,
      answered: latency.totalCount,
      unanswered,
      latency,
      seconds: active.length > 0 ? Math.max(0.001, (last - first) / 1000) : 0.001,
    };
  }

  close(): void {
    for (const c of this.children) if (c.connected) c.send({ type: 'close' } satisfies ToClaimer);
  }
}

const next = <T extends FromClaimer['type']>(child: ChildProcess, type: T) =>
  nextMessage<FromClaimer, T>(child, type, 'claim worker');
