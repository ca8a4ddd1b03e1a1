import type { RateDecision, RateGrant, RateLimitPort, RateRule } from '../../../rooms/index.js';
import { guarded, type RedisClient } from './connection.js';
import type { Keys } from './keys.js';

/** Token buckets in Redis, one hash per key, taken atomically by a script; idle buckets expire. */
export class RedisRateLimits implements RateLimitPort {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
    private readonly now: () => number,
  ) {}

  async take(key: string, rule: RateRule, cost = 1): Promise<RateDecision> {
    const wait = (await guarded(() =>
      this.redis.rateTake(
        this.keys.bucket(key),
        rule.capacity,
        rule.refillPerSecond,
        cost,
        this.now(),
      ),
    )) as number;
    return wait < 0 ? { allowed: true } : { allowed: false, retryAfterMs: wait };
  }

  async takeUpTo(key: string, rule: RateRule, max: number): Promise<RateGrant> {
    const [granted, wait] = (await guarded(() =>
      this.redis.rateTakeUpTo(
        this.keys.bucket(key),
        rule.capacity,
        rule.refillPerSecond,
        max,
        this.now(),
      ),
    )) as [number, number];
    return { granted, retryAfterMs: wait };
  }
}
