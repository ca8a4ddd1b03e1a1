import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import type { BidReply } from '../../../rooms/index.js';
import { auctionContract } from '../../../test/contracts/auctions.contract.js';
import { giveawayContract } from '../../../test/contracts/giveaways.contract.js';
import { sampleAuction } from '../../../test/helpers/auctions.js';
import { Journal } from './journal.js';
import { durableAuctions, durableGiveaways } from './replayed.js';

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});
const journalFile = () => {
  const dir = mkdtempSync(join(tmpdir(), 'liveshop-replayed-'));
  dirs.push(dir);
  return join(dir, 'liveshop.db');
};

const auctions = durableAuctions;

// the journalled stores answer exactly as the memory ones do
{
  const store = auctions(new Journal(journalFile()));
  auctionContract('embedded, journalled', (count) =>
    Promise.resolve(Array.from({ length: count }, () => store)),
  );
  const compacting = auctions(new Journal(journalFile()), 2);
  auctionContract('embedded, journalled, a snapshot every other entry', (count) =>
    Promise.resolve(Array.from({ length: count }, () => compacting)),
  );
  const giveaways = durableGiveaways(new Journal(journalFile()), 3);
  giveawayContract('embedded, journalled', (count) =>
    Promise.resolve(Array.from({ length: count }, () => giveaways)),
  );
}

const AUCTION = sampleAuction({ payMs: 60_000 });

describe('auctions in the embedded engine across a restart', () => {
  it('rebuild every answer, the leader, the price and the end from the journal (random bids, restarts anywhere)', async () => {
    const op = fc.oneof(
      fc.record({
        kind: fc.constant('bid' as const),
        buyer: fc.constantFrom('a', 'b', 'c'),
        maxMinor: fc.integer({ min: 500, max: 9_000 }),
        key: fc.constantFrom('k1', 'k2', 'k3'),
      }),
      fc.record({ kind: fc.constant('tick' as const), ms: fc.nat(8_000) }),
      fc.record({ kind: fc.constant('restart' as const) }),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.array(op, { maxLength: 40 }),
        fc.constantFrom(1_000_000, 1, 2, 5),
        async (ops, compactEvery) => {
          const file = journalFile();
          let journal = new Journal(file);
          let store = auctions(journal, compactEvery);
          await store.createAuction(AUCTION, 0);
          await store.startAuction(AUCTION.id, 0);
          let now = 0;
          const told = new Map<string, BidReply | undefined>();
          for (const o of ops) {
            if (o.kind === 'tick') now += o.ms;
            else if (o.kind === 'restart') {
              journal.close();
              journal = new Journal(file);
              store = auctions(journal, compactEvery);
            } else {
              const answer = await store.bid(AUCTION.id, o.buyer, o.maxMinor, o.key, now, {
                name: o.buyer.toUpperCase(),
              });
              const k = `${o.buyer}/${o.key}`;
              if (told.has(k)) expect(answer).toEqual(told.get(k));
              else told.set(k, answer);
            }
          }
          const before = await store.auctionView(AUCTION.id, now);
          journal.close();
          const last = new Journal(file);
          const again = auctions(last, compactEvery);
          expect(await again.auctionView(AUCTION.id, now)).toEqual(before);
          for (const [k, answer] of told) {
            const [buyer = '', key = ''] = k.split('/');
            expect(await again.bid(AUCTION.id, buyer, 1, key, now)).toEqual(answer);
          }
          last.close();
        },
      ),
      { numRuns: 60 },
    );
  });
});

describe('giveaways in the embedded engine across a restart', () => {
  it('rebuild entries, watch times, the window, the draw and the buyers from the journal', async () => {
    for (const compactEvery of [1_000_000, 1, 3]) {
      const file = journalFile();
      const journal = new Journal(file);
      const store = durableGiveaways(journal, compactEvery);
      const def = {
        id: 'g',
        roomId: 'show',
        hostId: 'host',
        winners: 1,
        opensAt: 0,
        closesAt: 100_000,
        claimMs: 60_000,
        minWatchMs: 0,
        purchaseRequired: true,
        seed: 's',
        seedHash: 'h',
        product: AUCTION.product,
        createdAt: 0,
        nonce: 'n',
      };
      await store.createGiveaway(def, 0);
      await store.notePurchase('show', 'ann');
      const entry = (userId: string) => ({
        userId,
        ticket: `t-${userId}`,
        route: 'free' as const,
        purchased: false,
        watchedMs: 10,
      });
      for (const [i, user] of ['ann', 'bob', 'cy'].entries())
        await store.enter('g', entry(user), 1_000 * (i + 1));
      await store.seen('g', ['t-ann', 't-bob'], 5_000, 2_000);
      await store.left('g', 't-cy');
      await store.close('g', 6_000);
      await store.commitDraw('g', 0, { at: 6_000, eligible: ['t-ann'], lapsed: [], prizes: [] });
      const before = await store.record('g', 6_000);
      journal.close();
      const last = new Journal(file);
      const again = durableGiveaways(last, compactEvery);
      expect(await again.record('g', 6_000)).toEqual(before);
      expect(await again.purchased('show', 'ann')).toBe(true);
      expect(await again.enter('g', entry('dee'), 6_500)).toEqual({ outcome: 'closed' });
      last.close();
    }
  });
});
