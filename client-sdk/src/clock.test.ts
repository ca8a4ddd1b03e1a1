import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { clockOffset, serverTimeAt } from './clock.js';

/** A device clock reading: whole milliseconds, or fractional (a high-resolution clock). */
const reading = fc.oneof(
  fc.integer({ min: 0, max: 4_000_000_000_000 }),
  fc.double({ min: 0, max: 4_000_000_000_000, noNaN: true }),
);

/**
 * A sync round trip against a server whose clock is the device's plus `trueOffset`: the server
 * answers at some moment inside the trip, with its clock in whole milliseconds.
 */
const trip = (trueOffset: number) =>
  fc
    .record({
      sent: reading,
      rtt: fc.oneof(
        fc.integer({ min: 0, max: 5000 }),
        fc.double({ min: 0, max: 5000, noNaN: true }),
      ),
      at: fc.double({ min: 0, max: 1, noNaN: true }),
    })
    .map(({ sent, rtt, at }) => ({
      sent,
      received: sent + rtt,
      serverTime: Math.round(sent + rtt * at + trueOffset),
    }));

describe('the SDK clock', () => {
  it('always yields whole milliseconds, within half the best round trip (plus rounding) of the truth', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -86_400_000, max: 86_400_000 }),
        fc.integer({ min: -86_400_000, max: 86_400_000 }),
        reading,
        (trueOffset, fallback, local) =>
          fc.assert(
            fc.property(fc.array(trip(trueOffset), { minLength: 1, maxLength: 6 }), (samples) => {
              const offset = clockOffset(samples, fallback);
              expect(Number.isInteger(offset)).toBe(true);
              const best = Math.min(...samples.map((s) => s.received - s.sent));
              expect(Math.abs(offset - trueOffset)).toBeLessThanOrEqual(best / 2 + 1);
              const now = serverTimeAt(local, offset);
              expect(Number.isInteger(now)).toBe(true);
              expect(Math.abs(now - (local + trueOffset))).toBeLessThanOrEqual(best / 2 + 1.5);
            }),
            { numRuns: 20 },
          ),
      ),
      { numRuns: 50 },
    );
  });

  it('keeps the fallback (rounded) when no sample can be used', () => {
    fc.assert(
      fc.property(fc.double({ min: -1e9, max: 1e9, noNaN: true }), (fallback) => {
        const backwards = { sent: 10, received: 5, serverTime: 100 };
        const broken = { sent: 0, received: 1, serverTime: Number.NaN };
        const offset = clockOffset([backwards, broken], fallback);
        expect(offset).toBe(Math.round(fallback));
        expect(clockOffset([], fallback)).toBe(Math.round(fallback));
      }),
    );
  });
});
