import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_INCREMENTS,
  incrementAt,
  nextValidBid,
  placeBid,
  validIncrements,
  type Lead,
} from './increments.js';

describe('bid increments', () => {
  it("follow Whatnot's table at every boundary", () => {
    const cases: [number, number][] = [
      [0, 100],
      [100, 100],
      [2_999, 100],
      [3_000, 200],
      [4_999, 200],
      [5_000, 300],
      [10_000, 500],
      [29_999, 500],
      [30_000, 1_000],
      [100_000, 2_000],
      [199_999, 2_000],
      [200_000, 5_000],
      [10_000_000, 5_000],
    ];
    for (const [amount, increment] of cases)
      expect(incrementAt(DEFAULT_INCREMENTS, amount)).toBe(increment);
    expect(nextValidBid(DEFAULT_INCREMENTS, 500, null)).toBe(500);
    expect(nextValidBid(DEFAULT_INCREMENTS, 500, 2_900)).toBe(3_000);
    expect(nextValidBid(DEFAULT_INCREMENTS, 500, 3_000)).toBe(3_200);
  });

  it('tables must start at 0, rise strictly and add whole positive amounts', () => {
    expect(validIncrements(DEFAULT_INCREMENTS)).toBe(true);
    expect(validIncrements([])).toBe(false);
    expect(validIncrements([{ fromMinor: 100, incrementMinor: 100 }])).toBe(false);
    expect(
      validIncrements([
        { fromMinor: 0, incrementMinor: 100 },
        { fromMinor: 0, incrementMinor: 200 },
      ]),
    ).toBe(false);
    expect(validIncrements([{ fromMinor: 0, incrementMinor: 0 }])).toBe(false);
    expect(validIncrements([{ fromMinor: 0, incrementMinor: 1.5 }])).toBe(false);
  });
});

describe('max (proxy) bids', () => {
  const T = DEFAULT_INCREMENTS;
  const bid = (buyerId: string, maxMinor: number, seq: number) => ({ buyerId, maxMinor, seq });

  it('bid for their buyer one increment at a time, never above the maximum', () => {
    let lead: Lead | null = null;
    const first = placeBid(T, 1_000, lead, bid('ann', 5_000, 1));
    if (!first.accepted) throw new Error('refused');
    expect(first.lead.priceMinor).toBe(1_000);
    lead = first.lead;
    // a challenger under ann's maximum: ann answers one increment over it
    const second = placeBid(T, 1_000, lead, bid('bob', 2_000, 2));
    expect(second).toMatchObject({
      accepted: true,
      lead: { priceMinor: 2_100 },
      outbid: { buyerId: 'bob' },
    });
    if (!second.accepted) throw new Error('refused');
    lead = second.lead;
    expect(lead.leader.buyerId).toBe('ann');
    // a bid under the next valid amount is refused with it
    expect(placeBid(T, 1_000, lead, bid('cy', 2_150, 3))).toEqual({
      accepted: false,
      minimumMinor: 2_200,
    });
    // an equal maximum: the earlier leads, at that maximum
    const tie = placeBid(T, 1_000, lead, bid('cy', 5_000, 4));
    expect(tie).toMatchObject({
      accepted: true,
      lead: { leader: { buyerId: 'ann' }, priceMinor: 5_000 },
    });
    if (!tie.accepted) throw new Error('refused');
    // over it: the new maximum leads at ann's plus one increment
    const over = placeBid(T, 1_000, tie.lead, bid('dee', 9_000, 5));
    expect(over).toMatchObject({
      accepted: true,
      lead: { leader: { buyerId: 'dee' }, priceMinor: 5_300 },
      outbid: { buyerId: 'ann' },
    });
  });

  it('a leader raising their own maximum moves nothing public', () => {
    const first = placeBid(T, 1_000, null, bid('ann', 2_000, 1));
    if (!first.accepted) throw new Error('refused');
    const raised = placeBid(T, 1_000, first.lead, bid('ann', 8_000, 2));
    expect(raised).toMatchObject({
      accepted: true,
      lead: { leader: { buyerId: 'ann', maxMinor: 8_000, seq: 1 }, priceMinor: 1_000 },
      outbid: null,
    });
    expect(placeBid(T, 1_000, first.lead, bid('ann', 1_500, 3))).toMatchObject({ accepted: false });
  });

  it('over any bids: the highest maximum leads (earliest on ties), above every other, never above its own', () => {
    const arbitraryBid = fc.record({
      buyer: fc.constantFrom('a', 'b', 'c', 'd'),
      maxMinor: fc.integer({ min: 0, max: 400_000 }),
    });
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 50_000 }),
        fc.array(arbitraryBid, { maxLength: 60 }),
        (start, bids) => {
          let lead: Lead | null = null;
          // each buyer's highest accepted maximum, and the bid that first reached it
          const best = new Map<string, { maxMinor: number; seq: number }>();
          for (const [seq, { buyer, maxMinor }] of bids.entries()) {
            const before: Lead | null = lead;
            const outcome = placeBid(T, start, before, { buyerId: buyer, maxMinor, seq });
            if (!outcome.accepted) {
              expect(outcome.minimumMinor).toBeGreaterThan(maxMinor);
              continue;
            }
            lead = outcome.lead;
            expect(lead.priceMinor).toBeLessThanOrEqual(lead.leader.maxMinor);
            expect(lead.priceMinor).toBeGreaterThanOrEqual(start);
            if (before && before.leader.buyerId !== buyer)
              expect(lead.priceMinor).toBeGreaterThanOrEqual(
                before.priceMinor + incrementAt(T, before.priceMinor),
              );
            const own = best.get(buyer);
            if (!own || maxMinor > own.maxMinor) best.set(buyer, { maxMinor, seq });
          }
          const final = lead;
          if (!final) return;
          const ranked = [...best].sort(([, x], [, y]) => y.maxMinor - x.maxMinor || x.seq - y.seq);
          expect(final.leader.buyerId).toBe(ranked[0]?.[0]);
          const runnerUp = ranked[1]?.[1];
          if (runnerUp) expect(final.priceMinor).toBeGreaterThanOrEqual(runnerUp.maxMinor);
        },
      ),
      { numRuns: 500 },
    );
  });
});
