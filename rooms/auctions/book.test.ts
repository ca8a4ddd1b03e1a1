import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bid, newBook, phaseAt, startAuction, type AuctionTerms, type BidAnswer } from './book.js';
import { DEFAULT_INCREMENTS } from './increments.js';

const terms = (changes: Partial<AuctionTerms> = {}): AuctionTerms => ({
  id: 'a1',
  roomId: 'show',
  hostId: 'host',
  startingMinor: 1_000,
  increments: DEFAULT_INCREMENTS,
  durationMs: 20_000,
  counterBidMs: 10_000,
  suddenDeath: false,
  ...changes,
});

describe('an auction book', () => {
  it('runs scheduled → live → sold, with the counter-bid window', () => {
    const book = newBook(terms());
    expect(phaseAt(book, 0)).toBe('scheduled');
    expect(bid(book, 'ann', 3_000, 'k1', 0)).toMatchObject({ outcome: 'leading', endsAt: null });
    startAuction(book, 1_000);
    expect(startAuction(book, 2_000)).toBe(false);
    expect(book.endsAt).toBe(21_000);
    expect(book.lead).toMatchObject({ leader: { buyerId: 'ann' }, priceMinor: 1_000 });
    // early: the end stays; late: it moves to the window
    expect(bid(book, 'bob', 2_000, 'k1', 5_000)).toMatchObject({
      outcome: 'outbid',
      leaderId: 'ann',
      priceMinor: 2_100,
      endsAt: 21_000,
    });
    expect(bid(book, 'bob', 4_000, 'k2', 15_000)).toMatchObject({
      outcome: 'leading',
      priceMinor: 3_200,
      endsAt: 25_000,
    });
    expect(bid(book, 'host', 9_000, 'k', 16_000)).toEqual({ outcome: 'own_auction' });
    expect(phaseAt(book, 24_999)).toBe('live');
    expect(bid(book, 'cy', 9_000, 'k', 25_000)).toEqual({ outcome: 'not_live', phase: 'sold' });
    // the auction's clock has reached the end: it stays sold for every node
    expect(phaseAt(book, 24_999)).toBe('sold');
  });

  it('pre-bids are placed at the start in the order their maxima were set; an equal one set earlier leads', () => {
    const book = newBook(terms());
    bid(book, 'ann', 2_000, 'k1', 0);
    bid(book, 'bob', 5_000, 'k1', 0);
    // ann raises to bob's maximum after him: bob set it first
    expect(bid(book, 'ann', 5_000, 'k2', 0)).toMatchObject({ outcome: 'outbid', leaderId: 'bob' });
    expect(bid(book, 'ann', 4_000, 'k3', 0)).toEqual({ outcome: 'too_low', minimumMinor: 5_001 });
    startAuction(book, 0);
    expect(book.lead).toMatchObject({ leader: { buyerId: 'bob' }, priceMinor: 5_000 });
    expect(book.bids).toBe(2);
  });

  it('in sudden death the end never moves; with no bid it ends unsold', () => {
    const book = newBook(terms({ suddenDeath: true }));
    startAuction(book, 0);
    expect(bid(book, 'ann', 1_000, 'k', 19_999)).toMatchObject({
      outcome: 'leading',
      endsAt: 20_000,
    });
    expect(bid(book, 'bob', 5_000, 'k', 20_000)).toMatchObject({ outcome: 'not_live' });
    const empty = newBook(terms());
    startAuction(empty, 0);
    expect(phaseAt(empty, 20_000)).toBe('unsold');
  });

  it('a node whose clock lags cannot have a bid accepted after the end another node saw', () => {
    const book = newBook(terms({ suddenDeath: true }));
    startAuction(book, 0);
    // a node at 20,000 sees the end ...
    expect(bid(book, 'ann', 1_000, 'k', 20_000)).toMatchObject({ outcome: 'not_live' });
    // ... so one whose clock says 19,000 cannot bid any more
    expect(bid(book, 'bob', 1_000, 'k', 19_000)).toEqual({ outcome: 'not_live', phase: 'unsold' });
    expect(phaseAt(book, 19_000)).toBe('unsold');
  });

  it('over random bids, retries, max bids and clock steps: one answer per key, nothing after the end, the window kept, the highest maximum wins', () => {
    const step = fc.oneof(
      fc.record({
        kind: fc.constant('bid' as const),
        buyer: fc.constantFrom('a', 'b', 'c', 'host'),
        maxMinor: fc.integer({ min: 0, max: 20_000 }),
        key: fc.constantFrom('k1', 'k2', 'k3', 'k4'),
        // the node it reaches: its clock lags the true time by this much
        lagMs: fc.constantFrom(0, 0, 300, 2_500),
      }),
      fc.record({ kind: fc.constant('tick' as const), ms: fc.integer({ min: 0, max: 12_000 }) }),
      fc.record({ kind: fc.constant('start' as const) }),
    );
    fc.assert(
      fc.property(fc.boolean(), fc.array(step, { maxLength: 80 }), (suddenDeath, steps) => {
        const book = newBook(terms({ suddenDeath }));
        let now = 0;
        const first = new Map<string, BidAnswer>();
        const best = new Map<string, { maxMinor: number; seq: number }>();
        for (const s of steps) {
          if (s.kind === 'tick') now += s.ms;
          if (s.kind === 'start') startAuction(book, now);
          if (s.kind !== 'bid') continue;
          const endsBefore = book.endsAt;
          const seen = Math.max(book.clock, now - s.lagMs);
          const phase = phaseAt(book, seen);
          const seqBefore = book.seq;
          const answer = bid(book, s.buyer, s.maxMinor, s.key, now - s.lagMs);
          const k = `${s.buyer}/${s.key}`;
          const earlier = first.get(k);
          if (earlier) {
            expect(answer).toEqual(earlier);
            continue;
          }
          first.set(k, answer);
          const accepted = answer.outcome === 'leading' || answer.outcome === 'outbid';
          if (accepted) {
            expect(phase === 'live' || phase === 'scheduled').toBe(true);
            // never after the end any node saw (the latest clock the auction was told)
            if (endsBefore !== null) expect(seen).toBeLessThan(endsBefore);
            const own = best.get(s.buyer);
            if (!own || s.maxMinor > own.maxMinor)
              best.set(s.buyer, {
                maxMinor: s.maxMinor,
                seq: book.seq > seqBefore ? book.seq : seqBefore,
              });
          }
          if (book.startedAt !== null && book.endsAt !== null) {
            if (suddenDeath) expect(book.endsAt).toBe(book.startedAt + 20_000);
            else if (book.lastBidAt !== null)
              expect(book.endsAt).toBeGreaterThanOrEqual(book.lastBidAt + 10_000);
          }
          if (book.lead) {
            expect(book.lead.priceMinor).toBeLessThanOrEqual(book.lead.leader.maxMinor);
            expect(book.lead.leader.buyerId).not.toBe('host');
          }
        }
        if (book.startedAt === null || !book.lead) return;
        const ranked = [...best].sort(([, x], [, y]) => y.maxMinor - x.maxMinor || x.seq - y.seq);
        expect(book.lead.leader.buyerId).toBe(ranked[0]?.[0]);
      }),
      { numRuns: 400 },
    );
  });
});
