import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { giveawayWinners, lotteryTicket } from '../../client-sdk/src/protocol/index.js';
import {
  claimPrize,
  drawGiveaway,
  enterGiveaway,
  newGiveaway,
  publishedDraw,
  redrawLapsed,
  type GiveawayTerms,
} from './book.js';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const terms = (changes: Partial<GiveawayTerms> = {}): GiveawayTerms => ({
  id: 'g1',
  roomId: 'show',
  hostId: 'host',
  winners: 1,
  opensAt: 0,
  closesAt: 300_000,
  claimMs: 60_000,
  minWatchMs: 0,
  purchaseRequired: false,
  seed: 'seed-1',
  seedHash: sha256('seed-1'),
  ...changes,
});
const ticket = (user: string) => lotteryTicket('g1', user, sha256);

describe('a giveaway', () => {
  it('takes one entry per person in its window, a purchase or the free route when asked', async () => {
    const book = newGiveaway(terms({ opensAt: 1_000, purchaseRequired: true }));
    const ann = await ticket('ann');
    expect(enterGiveaway(book, 'ann', ann, 'standard', true, 999)).toEqual({ outcome: 'not_open' });
    expect(enterGiveaway(book, 'ann', ann, 'standard', true, 1_000)).toEqual({
      outcome: 'entered',
      ticket: ann,
    });
    expect(enterGiveaway(book, 'ann', ann, 'free', false, 2_000)).toEqual({
      outcome: 'already_entered',
      ticket: ann,
    });
    const bob = await ticket('bob');
    expect(enterGiveaway(book, 'bob', bob, 'standard', false, 2_000)).toEqual({
      outcome: 'purchase_required',
    });
    expect(enterGiveaway(book, 'bob', bob, 'free', false, 2_000)).toMatchObject({
      outcome: 'entered',
    });
    expect(enterGiveaway(book, 'host', await ticket('host'), 'free', false, 2_000)).toEqual({
      outcome: 'own_giveaway',
    });
    expect(enterGiveaway(book, 'cy', await ticket('cy'), 'free', false, 300_000)).toEqual({
      outcome: 'closed',
    });
  });

  it('an absent entrant cannot win; a lapsed prize is drawn again; the draw checks out', async () => {
    const users = ['ann', 'bob', 'cy', 'dee', 'eve'];
    const book = newGiveaway(terms({ minWatchMs: 60_000 }));
    for (const u of users) enterGiveaway(book, u, await ticket(u), 'standard', false, 10);
    // cy left before the draw, dee came late
    const presence = (u: string) => ({
      present: u !== 'cy',
      watchedMs: u === 'dee' ? 5_000 : 90_000,
    });
    expect(await drawGiveaway(book, presence, 100_000, sha256)).toBe(true);
    expect(await drawGiveaway(book, presence, 100_001, sha256)).toBe(false);
    const draw = publishedDraw(book)!;
    // the test's own recomputation: the eligible, ranked by the revealed seed
    const expected = await giveawayWinners(
      { seed: 'seed-1', winners: 1, entries: draw.entries, lapsed: [] },
      sha256,
    );
    expect(draw.winnerTickets).toEqual(expected);
    const eligible = draw.entries.filter((e) => e.eligible).map((e) => e.ticket);
    expect(eligible).not.toContain(await ticket('cy'));
    expect(eligible).not.toContain(await ticket('dee'));
    const first = book.drawn!.prizes[0]!;
    expect(['ann', 'bob', 'eve']).toContain(first.userId);
    // not claimed in time: drawn again, to someone else eligible
    expect(await redrawLapsed(book, 100_000 + 59_999, sha256)).toEqual([]);
    const again = await redrawLapsed(book, 160_000, sha256);
    expect(again).toHaveLength(1);
    expect(again[0]!.userId).not.toBe(first.userId);
    expect(claimPrize(book, first.userId, 160_001)).toBe('lapsed');
    expect(claimPrize(book, again[0]!.userId, 160_001)).toBe('claimed');
    expect(claimPrize(book, again[0]!.userId, 160_002)).toBe('already_claimed');
    expect(claimPrize(book, 'cy', 160_002)).toBe('not_a_winner');
    const after = publishedDraw(book)!;
    expect(after.lapsed).toEqual([first.ticket]);
    expect(await giveawayWinners(after, sha256)).toEqual(after.winnerTickets);
  });

  it('over any entries, presence and lapses: winners are eligible, distinct, at most the prizes, and the rule recomputes them', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'), { maxLength: 8 }),
        fc.func(fc.boolean()),
        fc.integer({ min: 1, max: 3 }),
        fc.nat(4),
        async (users, isPresent, winners, lapses) => {
          const book = newGiveaway(terms({ winners }));
          for (const u of users) enterGiveaway(book, u, await ticket(u), 'standard', false, 10);
          await drawGiveaway(book, (u) => ({ present: isPresent(u), watchedMs: 0 }), 1_000, sha256);
          let now = 1_000;
          for (let i = 0; i < lapses; i++) await redrawLapsed(book, (now += 60_000), sha256);
          const draw = publishedDraw(book)!;
          const present = users.filter((u) => isPresent(u));
          const holders = book.drawn!.prizes.map((p) => p.userId);
          expect(new Set(holders).size).toBe(holders.length);
          expect(holders.length).toBeLessThanOrEqual(winners);
          for (const h of holders) expect(present).toContain(h);
          expect(await giveawayWinners(draw, sha256)).toEqual(draw.winnerTickets);
        },
      ),
      { numRuns: 60 },
    );
  });
});
