import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  bid as bookBid,
  newBook,
  startAuction as bookStart,
  type AuctionDefinition,
  type AuctionPort,
} from '../../rooms/index.js';
import { sampleAuction } from '../helpers/auctions.js';
import { AuctionInvariants } from './auction-invariants.js';

/**
 * What every auction store must guarantee, memory or Redis. `nodes(n)` gives the ports of `n`
 * nodes sharing one (empty) store; each test uses auctions of its own.
 */
export function auctionContract(
  name: string,
  nodes: (count: number) => Promise<AuctionPort[]>,
): void {
  let made = 0;
  const auction = (changes: Partial<AuctionDefinition> = {}): AuctionDefinition =>
    sampleAuction({
      id: `auction-${name.replace(/\W/g, '')}-${++made}-${Date.now()}`,
      roomId: `room-${made}`,
      nonce: `n${made}`,
      ...changes,
    });
  const two = async () => {
    const [a, b] = await nodes(2);
    if (!a || !b) throw new Error('two nodes');
    return [a, b] as const;
  };

  describe(`auction store contract (${name})`, () => {
    it('creates once, starts once, and shows the price but never a maximum', async () => {
      const [a, b] = await two();
      const def = auction();
      expect(await a.createAuction(def, 0)).toEqual({ created: true });
      expect(await b.createAuction({ ...def, startingMinor: 5 }, 0)).toEqual({ created: false });
      expect(await b.auctionsOf(def.roomId)).toEqual([def]);
      expect(await a.bid(def.id, 'ann', 6_000, 'k1', 100)).toMatchObject({
        outcome: 'leading',
        endsAt: null,
      });
      expect(await b.startAuction(def.id, 1_000)).toBe(true);
      expect(await a.startAuction(def.id, 2_000)).toBe(false);
      expect(await a.startAuction('nope', 2_000)).toBe(false);
      expect(await b.bid(def.id, 'bob', 2_000, 'k1', 5_000)).toMatchObject({
        outcome: 'outbid',
        leaderId: 'ann',
        priceMinor: 2_100,
      });
      const view = await a.auctionView(def.id, 5_000);
      expect(view).toMatchObject({
        phase: 'live',
        startedAt: 1_000,
        endsAt: 21_000,
        priceMinor: 2_100,
        leaderId: 'ann',
        bids: 2,
        minimumMinor: 2_200,
      });
      expect(JSON.stringify(view)).not.toContain('6000');
      expect(await b.maxBidOf(def.id, 'ann')).toBe(6_000);
      expect(await b.maxBidOf(def.id, 'bob')).toBeNull();
      expect(await a.bid('nope', 'ann', 1, 'k', 0)).toBeUndefined();
      // amounts are whole minor units
      for (const bad of [1.5, -1, Number.NaN, 2 ** 53])
        await expect(a.bid(def.id, 'cy', bad, 'bad', 6_000)).rejects.toThrow(RangeError);
      expect(await a.auctionView('nope', 0)).toBeUndefined();
    });

    it('an end one node has seen, if only by looking, holds for a node whose clock lags', async () => {
      const [a, b] = await two();
      const def = auction();
      await a.createAuction(def, 0);
      await a.startAuction(def.id, 0);
      expect(await a.auctionView(def.id, 20_000)).toMatchObject({ phase: 'unsold', at: 20_000 });
      expect(await b.bid(def.id, 'ann', 5_000, 'k', 19_000)).toEqual({
        outcome: 'not_live',
        phase: 'unsold',
      });
      expect(await b.auctionView(def.id, 19_000)).toMatchObject({ phase: 'unsold', at: 20_000 });
    });

    it("limits each buyer's bids by a rate, and a key answered before still gets its answer", async () => {
      const [a, b] = await two();
      const def = auction();
      await a.createAuction(def, 0);
      await a.startAuction(def.id, 0);
      const rate = { capacity: 1, refillPerSecond: 0.001 };
      const first = await a.bid(def.id, 'ann', 1_000, 'k1', 10, { rate });
      expect(first).toMatchObject({ outcome: 'leading' });
      expect(await b.bid(def.id, 'ann', 1_100, 'k2', 20, { rate })).toMatchObject({
        outcome: 'rate_limited',
      });
      expect(await b.bid(def.id, 'ann', 1_000, 'k1', 30, { rate })).toEqual(first);
      // another buyer has a bucket of their own
      expect(await b.bid(def.id, 'bob', 1_100, 'k1', 40, { rate })).toMatchObject({
        outcome: 'leading',
      });
    });

    it('names the leader as they bid, tells whom a bid displaced, and keeps the first settlement', async () => {
      const [a, b] = await two();
      const def = auction();
      await a.createAuction(def, 0);
      await a.startAuction(def.id, 0);
      expect(await a.bid(def.id, 'ann', 1_000, 'k', 10, { name: 'Ann 安' })).toMatchObject({
        outcome: 'leading',
        bids: 1,
        displacedId: null,
      });
      expect(await b.auctionView(def.id, 20)).toMatchObject({
        leaderId: 'ann',
        leaderName: 'Ann 安',
        settlement: null,
      });
      expect(await b.bid(def.id, 'bob', 3_000, 'k', 30, { name: 'Bob' })).toMatchObject({
        outcome: 'leading',
        bids: 2,
        displacedId: 'ann',
        priceMinor: 1_100,
      });
      // ann bids again but bob's maximum holds: bob still leads, nobody was displaced
      expect(await a.bid(def.id, 'ann', 2_000, 'k2', 40)).toMatchObject({
        outcome: 'outbid',
        displacedId: null,
        bids: 3,
      });
      expect(await a.auctionView(def.id, 50)).toMatchObject({ leaderName: 'Bob', bids: 3 });
      const first = {
        at: 20_000,
        winnerId: 'bob',
        priceMinor: 2_100,
        dropId: 'd',
        holdId: 'h1',
        holdExpiresAt: 620_000,
      };
      expect(await a.settle(def.id, first)).toEqual(first);
      expect(await b.settle(def.id, { ...first, holdId: 'h2' })).toEqual(first);
      expect(await b.auctionView(def.id, 20_000)).toMatchObject({ settlement: first });
      expect(await b.settle('nope', first)).toBeUndefined();
    });

    it('keeps the rules (one answer per key, nothing after the end, the increment, the window, the highest maximum leads at no more than it) and answers every bid as the pure book does, through any node and any node clock', async () => {
      const ports = await nodes(2);
      const op = fc.oneof(
        fc.record({
          kind: fc.constant('bid' as const),
          node: fc.nat(1),
          buyer: fc.constantFrom('a', 'b', 'c', 'host'),
          // amounts that meet (equal maxima, exact increments) as well as any amount
          maxMinor: fc.oneof(
            fc.constantFrom(999, 1_000, 1_100, 2_000, 2_100, 3_000, 3_200, 5_000, 5_300),
            fc.integer({ min: 0, max: 20_000 }),
          ),
          // or an amount near the least one taken now (just below it, at it, one increment up)
          near: fc.option(fc.constantFrom(-200, -1, 0, 1, 99, 100, 101, 200), { freq: 2 }),
          key: fc.constantFrom('k1', 'k2', 'k3'),
          lagMs: fc.constantFrom(0, 0, 1_000, 3_000),
        }),
        // whole seconds meet the end and the counter-bid window exactly; any step too
        fc.record({
          kind: fc.constant('tick' as const),
          ms: fc.oneof(
            fc.constantFrom(0, 1_000, 5_000, 10_000),
            fc.integer({ min: 0, max: 12_000 }),
          ),
        }),
        fc.record({ kind: fc.constant('start' as const), node: fc.nat(1) }),
      );
      await fc.assert(
        fc.asyncProperty(
          fc.boolean(),
          fc.array(op, { maxLength: 40 }),
          async (suddenDeath, ops) => {
            const def = auction({ suddenDeath });
            const book = newBook(def);
            const rules = new AuctionInvariants(def);
            await ports[0]!.createAuction(def, 0);
            let now = 0;
            for (const o of ops) {
              if (o.kind === 'tick') now += o.ms;
              else if (o.kind === 'start') {
                const started = await ports[o.node]!.startAuction(def.id, now);
                expect(started).toBe(bookStart(book, now));
                rules.start(started, now);
                const look = await ports[o.node]!.auctionView(def.id, now);
                if (look && started) rules.viewedAtStart(look);
              } else {
                const at = now - o.lagMs;
                const max = o.near === null ? o.maxMinor : Math.max(1, rules.least() + o.near);
                const answer = await ports[o.node]!.bid(def.id, o.buyer, max, o.key, at);
                rules.bid(o.buyer, max, o.key, at, answer);
                expect(answer).toEqual(bookBid(book, o.buyer, max, o.key, at));
              }
            }
            const view = await ports[1]!.auctionView(def.id, 0);
            expect(view?.priceMinor ?? null).toBe(book.lead?.priceMinor ?? null);
            expect(view?.leaderId ?? null).toBe(book.lead?.leader.buyerId ?? null);
            expect(view?.endsAt ?? null).toBe(book.endsAt);
            expect(view?.bids).toBe(book.bids);
            if (view) rules.checkLeader(view);
          },
        ),
        { numRuns: 150 },
      );
    });
  });
}
