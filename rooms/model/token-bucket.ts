import type { RateDecision, RateRule } from '../ports/rate-limits.js';

/** State of one token bucket: tokens left at time `at` (ms). */
export interface BucketState {
  tokens: number;
  at: number;
}

/**
 * Takes `cost` tokens from a bucket at time `now`. Pure: returns the new state (unchanged when
 * refused) and the decision.
 */
export function takeTokens(
  state: BucketState | undefined,
  rule: RateRule,
  cost: number,
  now: number,
): { state: BucketState; decision: RateDecision } {
  const elapsed = state ? Math.max(0, now - state.at) / 1000 : 0;
  const tokens = state
    ? Math.min(rule.capacity, state.tokens + elapsed * rule.refillPerSecond)
    : rule.capacity;
  if (tokens >= cost) {
    return { state: { tokens: tokens - cost, at: now }, decision: { allowed: true } };
  }
  const retryAfterMs = ((cost - tokens) / rule.refillPerSecond) * 1000;
  return { state: { tokens, at: now }, decision: { allowed: false, retryAfterMs } };
}

/** Takes min(max, whole tokens held) from a bucket: the lease of {@link RateLimitPort.takeUpTo}. */
export function takeUpTo(
  state: BucketState | undefined,
  rule: RateRule,
  max: number,
  now: number,
): { state: BucketState; granted: number; retryAfterMs: number } {
  const elapsed = state ? Math.max(0, now - state.at) / 1000 : 0;
  const tokens = state
    ? Math.min(rule.capacity, state.tokens + elapsed * rule.refillPerSecond)
    : rule.capacity;
  const granted = Math.max(0, Math.min(max, Math.floor(tokens)));
  const retryAfterMs = granted > 0 ? 0 : Math.ceil(((1 - tokens) / rule.refillPerSecond) * 1000);
  return { state: { tokens: tokens - granted, at: now }, granted, retryAfterMs };
}

/** Milliseconds until a bucket that holds `tokens` is full again. */
export function msUntilFull(tokens: number, rule: RateRule): number {
  return ((rule.capacity - tokens) / rule.refillPerSecond) * 1000;
}
