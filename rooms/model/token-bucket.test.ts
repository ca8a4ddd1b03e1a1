import { describe, expect, it } from 'vitest';
import { msUntilFull, takeTokens } from './token-bucket.js';

const rule = { capacity: 2, refillPerSecond: 4 };

describe('takeTokens', () => {
  it('starts full, empties, refills at the rule rate and caps at capacity', () => {
    let r = takeTokens(undefined, rule, 1, 0);
    expect(r.decision.allowed).toBe(true);
    r = takeTokens(r.state, rule, 1, 0);
    expect(r.decision.allowed).toBe(true);
    r = takeTokens(r.state, rule, 1, 0);
    expect(r.decision).toEqual({ allowed: false, retryAfterMs: 250 });
    r = takeTokens(r.state, rule, 1, 250);
    expect(r.decision.allowed).toBe(true);
    r = takeTokens(r.state, rule, 1, 100_000);
    expect(r.state.tokens).toBe(1);
  });

  it('ignores a clock that goes backwards', () => {
    const r = takeTokens({ tokens: 0, at: 1000 }, rule, 1, 500);
    expect(r.decision.allowed).toBe(false);
  });

  it('tells how long until full', () => {
    expect(msUntilFull(0, rule)).toBe(500);
    expect(msUntilFull(2, rule)).toBe(0);
  });
});
