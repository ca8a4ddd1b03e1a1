import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  drawLottery,
  giveawayWinners,
  lotteryTicket,
  type GiveawayEntry,
} from '../client-sdk/src/protocol/index.js';
import { verifyGiveaway } from '../client-sdk/src/index.js';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

describe('a giveaway draw', () => {
  it('takes the best-ranked eligible tickets, and each re-draw the next one', async () => {
    const entries: GiveawayEntry[] = ['t1', 't2', 't3', 't4', 't5'].map((ticket) => ({
      ticket,
      eligible: ticket !== 't3',
    }));
    const ranked = await drawLottery('seed', ['t1', 't2', 't3', 't4', 't5'], 5, sha256);
    const eligibleRanked = ranked.filter((t) => t !== 't3');
    const first = await giveawayWinners({ seed: 'seed', winners: 2, entries, lapsed: [] }, sha256);
    expect(first).toEqual(eligibleRanked.slice(0, 2));
    // the first winner let it lapse: the next eligible one is drawn in their place
    const lapsedOne = first[0]!;
    expect(
      await giveawayWinners({ seed: 'seed', winners: 2, entries, lapsed: [lapsedOne] }, sha256),
    ).toEqual([eligibleRanked[1], eligibleRanked[2]]);
  });

  it('never picks an ineligible or lapsed ticket, nor one twice, and has as many winners as it can', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.string({ minLength: 1, maxLength: 8 }),
        fc.uniqueArray(
          fc.record({
            ticket: fc.string({
              minLength: 4,
              maxLength: 8,
              unit: fc.constantFrom(
                '0',
                '1',
                '2',
                '3',
                '4',
                '5',
                '6',
                '7',
                '8',
                '9',
                'a',
                'b',
                'c',
                'd',
                'e',
                'f',
              ),
            }),
            eligible: fc.boolean(),
          }),
          {
            selector: (e) => e.ticket,
            maxLength: 30,
          },
        ),
        fc.integer({ min: 1, max: 5 }),
        fc.nat(6),
        async (seed, entries, winners, lapses) => {
          // the lapsed are earlier winners, re-drawn one after another
          const lapsed: string[] = [];
          for (let i = 0; i < lapses; i++) {
            const now = await giveawayWinners({ seed, winners, entries, lapsed }, sha256);
            if (now.length === 0) break;
            lapsed.push(now[0]!);
          }
          const picked = await giveawayWinners({ seed, winners, entries, lapsed }, sha256);
          const eligible = entries.filter((e) => e.eligible).map((e) => e.ticket);
          expect(new Set(picked).size).toBe(picked.length);
          for (const t of picked) {
            expect(eligible).toContain(t);
            expect(lapsed).not.toContain(t);
          }
          expect(picked.length).toBe(Math.min(winners, eligible.length - lapsed.length));
        },
      ),
      { numRuns: 100 },
    );
  });
});

describe('verifyGiveaway', () => {
  it('accepts the draw the seed gives, and finds whether a user won; refuses a changed one', async () => {
    const users = ['ann', 'bob', 'cy', 'dee'];
    const entries = await Promise.all(
      users.map(async (u) => ({
        ticket: await lotteryTicket('g1', u, sha256),
        eligible: u !== 'cy',
      })),
    );
    const draw = {
      giveawayId: 'g1',
      seed: 's3cret',
      seedHash: sha256('s3cret'),
      winners: 1,
      entries,
      lapsed: [],
    };
    const winnerTickets = await giveawayWinners(draw, sha256);
    const winner = users.find((_, i) => entries[i]!.ticket === winnerTickets[0]);
    expect(await verifyGiveaway({ ...draw, winnerTickets }, winner)).toEqual({
      ok: true,
      won: true,
    });
    expect(await verifyGiveaway({ ...draw, winnerTickets }, 'cy')).toEqual({
      ok: true,
      won: false,
    });
    expect(await verifyGiveaway({ ...draw, winnerTickets }, 'eve')).toMatchObject({ ok: false });
    const other = entries.find((e) => e.eligible && e.ticket !== winnerTickets[0])!.ticket;
    expect(await verifyGiveaway({ ...draw, winnerTickets: [other] })).toMatchObject({ ok: false });
    expect(
      await verifyGiveaway({ ...draw, seedHash: sha256('other'), winnerTickets }),
    ).toMatchObject({ ok: false, reason: 'the seed does not match the published hash' });
  });
});
