import {
  msUntilFull,
  takeTokens,
  takeUpTo,
  type BucketState,
  type RateDecision,
  type RateGrant,
  type RateLimitPort,
  type RateRule,
} from '../../../rooms/index.js';

const SWEEP_EVERY_MS = 30_000;

/** In-process token buckets. Full buckets are forgotten, so idle users cost nothing. */
export class MemoryRateLimits implements RateLimitPort {
  private readonly buckets = new Map<string, BucketState & { rule: RateRule }>();
  private lastSweep = 0;

  constructor(private readonly now: () => number = Date.now) {}

  take(key: string, rule: RateRule, cost = 1): Promise<RateDecision> {
    const now = this.now();
    this.sweep(now);
    const { state, decision } = takeTokens(this.buckets.get(key), rule, cost, now);
    this.buckets.set(key, { ...state, rule });
    return Promise.resolve(decision);
  }

  takeUpTo(key: string, rule: RateRule, max: number): Promise<RateGrant> {
    const now = this.now();
    this.sweep(now);
    const { state, granted, retryAfterMs } = takeUpTo(this.buckets.get(key), rule, max, now);
    this.buckets.set(key, { ...state, rule });
    return Promise.resolve({ granted, retryAfterMs });
  }

  /** Number of buckets held (for tests and metrics). */
  get size(): number {
    return this.buckets.size;
  }

  private sweep(now: number): void {
    if (now - this.lastSweep < SWEEP_EVERY_MS) return;
    this.lastSweep = now;
    for (const [key, bucket] of this.buckets) {
      if (now - bucket.at >= msUntilFull(bucket.tokens, bucket.rule)) this.buckets.delete(key);
    }
  }
}
