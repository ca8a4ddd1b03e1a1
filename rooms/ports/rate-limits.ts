/** A token bucket: `capacity` tokens, refilled at `refillPerSecond`. */
export interface RateRule {
  capacity: number;
  refillPerSecond: number;
}

/** The answer of a rate limiter: allowed, or when to retry. */
export type RateDecision = { allowed: true } | { allowed: false; retryAfterMs: number };

/** Token buckets keyed by string, shared by every node using the same engine. */
export interface RateLimitPort {
  /** Takes `cost` tokens from the bucket `key` if it has them; atomically. */
  take(key: string, rule: RateRule, cost?: number): Promise<RateDecision>;
  /**
   * Takes as many whole tokens as the bucket has, up to `max`, atomically: a node leases a few
   * at once and spends them locally. `granted` 0 comes with the wait until a token is back.
   */
  takeUpTo(key: string, rule: RateRule, max: number): Promise<RateGrant>;
}

/** What {@link RateLimitPort.takeUpTo} handed out. */
export interface RateGrant {
  granted: number;
  /** When granted is 0: milliseconds until the bucket has a token again. */
  retryAfterMs: number;
}
