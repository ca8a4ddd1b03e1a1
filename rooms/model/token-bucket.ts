import type { RateDecision, RateRule } from '../ports/rate-limits.js';

/** State of one token bucket: tokens left at time `at` (ms). */
export interface BucketState {
  tokens: number;
  at: number;
}

/*
 * The token bucket is written twice: here (the embedded engine's buckets, its claim buckets, and
 * the per-connection limit) and in Lua (`TOKEN_BUCKET` in server/engines/redis/scripts.ts, used by
 * the rate-limit scripts and the claim script). Both compute with the same doubles in the same
 * order, so they give the same answers to the last bit; change one, change the other. The rule:
 * - a bucket never seen is full; tokens refill as min(capacity, tokens + (now - at) * rate / 1000)
 *   and are never rounded (Redis stores them with every digit, `%.17g`);
 * - time never runs backwards for a bucket: a `now` before `at` refills nothing and keeps `at`;
 * - a refused take changes nothing;
 * - a wait (`retryAfterMs`) is ceil((needed - tokens) * 1000 / rate): whole milliseconds, rounded
 *   up, so a retry after it never comes too early.
 */

/** The bucket refilled to `now` (see the rule above). */
function refilled(state: BucketState | undefined, rule: RateRule, now: number): BucketState {
  if (!state) return { tokens: rule.capacity, at: now };
  if (now <= state.at) return state;
  const tokens = state.tokens + ((now - state.at) * rule.refillPerSecond) / 1000;
  return { tokens: Math.min(rule.capacity, tokens), at: now };
}

/** Whole milliseconds, rounded up, until a bucket holding `tokens` holds `needed`. */
function waitMs(needed: number, tokens: number, rule: RateRule): number {
  return Math.ceil(((needed - tokens) * 1000) / rule.refillPerSecond);
}

/**
 * Takes `cost` tokens from a bucket at time `now`. Pure: returns the new state (unchanged when
 * refused) and the decision; `retryAfterMs` is whole milliseconds, rounded up. The same rule as
 * the Lua `TOKEN_BUCKET` (server/engines/redis/scripts.ts), to the last bit.
 */
export function takeTokens(
  state: BucketState | undefined,
  rule: RateRule,
  cost: number,
  now: number,
): { state: BucketState; decision: RateDecision } {
  const bucket = refilled(state, rule, now);
  if (bucket.tokens >= cost) {
    return { state: { tokens: bucket.tokens - cost, at: bucket.at }, decision: { allowed: true } };
  }
  const retryAfterMs = waitMs(cost, bucket.tokens, rule);
  return { state: state ?? bucket, decision: { allowed: false, retryAfterMs } };
}

/**
 * Takes min(max, whole tokens held) from a bucket: the lease of {@link RateLimitPort.takeUpTo}.
 * None granted: the state is unchanged and `retryAfterMs` (whole ms, rounded up) is the wait until
 * one token. The same rule as the Lua `TOKEN_BUCKET` (server/engines/redis/scripts.ts).
 */
export function takeUpTo(
  state: BucketState | undefined,
  rule: RateRule,
  max: number,
  now: number,
): { state: BucketState; granted: number; retryAfterMs: number } {
  const bucket = refilled(state, rule, now);
  const granted = Math.max(0, Math.min(max, Math.floor(bucket.tokens)));
  if (granted === 0)
    return { state: state ?? bucket, granted, retryAfterMs: waitMs(1, bucket.tokens, rule) };
  return { state: { tokens: bucket.tokens - granted, at: bucket.at }, granted, retryAfterMs: 0 };
}

/** Milliseconds until a bucket that holds `tokens` is full again. */
export function msUntilFull(tokens: number, rule: RateRule): number {
  return ((rule.capacity - tokens) / rule.refillPerSecond) * 1000;
}
