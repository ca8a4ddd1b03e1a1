import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ClaimResult, HoldStatus } from '../../client-sdk/src/protocol/index.js';
import { MerchantRelay, type DropDefinition, type InventoryPort } from '../../rooms/index.js';
import { MemoryMerchantOutbox } from '../../server/engines/memory/merchant-outbox.js';

const HOLD_MS = 1000;
/** A drop of a sneaker for the inventory tests: 3 units from t=1000, holds of a second. */
export const drop = (id: string, over: Partial<DropDefinition> = {}): DropDefinition => ({
  id,
  roomId: 'show',
  product: {
    id: 'p1',
    title: 'Sneaker',
    price: { amountMinor: 12_900, currency: 'EUR' },
    imageUrl: null,
    sku: 'SNK-1',
  },
  quantity: 3,
  perBuyerCap: 1,
  startsAt: 1000,
  endsAt: 1_000_000,
  holdMs: HOLD_MS,
  minPresenceMs: 0,
  mode: 'first_come',
  nonce: 'n0nce',
  seed: null,
  seedHash: null,
  ...over,
});
const fresh = () => `d${Math.random().toString(36).slice(2, 10)}`;

type Command =
  | { kind: 'claim'; buyer: number; key: number }
  | { kind: 'checkout'; hold: number; key: number; buyer: number | null }
  | { kind: 'cancel'; hold: number; buyer: number | null }
  | { kind: 'advance'; ms: number };

const command: fc.Arbitrary<Command> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({ kind: fc.constant('claim' as const), buyer: fc.nat(2), key: fc.nat(5) }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('checkout' as const),
      hold: fc.nat(20),
      key: fc.nat(6),
      buyer: fc.option(fc.nat(2)),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('cancel' as const),
      hold: fc.nat(20),
      buyer: fc.option(fc.nat(2)),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('advance' as const),
      ms: fc.constantFrom(0, 300, 999, 1000, 1500),
    }),
  },
);

/**
 * What every inventory must guarantee, memory or Redis. `peers()` gives several nodes' views of
 * one store (the same object for the embedded engine); steps use them in turn.
 */
export function inventoryContract(
  name: string,
  peers: () => Promise<InventoryPort[]>,
  { runs = 150 }: { runs?: number } = {},
): void {
  describe(`inventory contract: ${name}`, () => {
    it('holds a unit per claim until stock runs out, within the per-buyer cap', async () => {
      const [inv] = (await peers()) as [InventoryPort];
      const id = fresh();
      expect(await inv.createDrop(drop(id, { quantity: 2, perBuyerCap: 1 }), 0)).toEqual({
        created: true,
      });
      expect(await inv.createDrop(drop(id), 0)).toEqual({ created: false });
      expect(await inv.claim(id, 'a', 'key-a-001', 500)).toEqual({
        outcome: 'not_live',
        state: 'scheduled',
        startsAt: 1000,
      });
      expect(await inv.claim(id, 'a', 'key-a-002', 1000)).toEqual({
        outcome: 'held',
        holdId: expect.any(String),
        expiresAt: 2000,
      });
      expect(await inv.claim(id, 'a', 'key-a-003', 1000)).toEqual({
        outcome: 'limit_reached',
        cap: 1,
      });
      expect(await inv.claim(id, 'b', 'key-b-001', 1000)).toMatchObject({ outcome: 'held' });
      expect(await inv.claim(id, 'c', 'key-c-001', 1000)).toEqual({ outcome: 'sold_out' });
      expect(await inv.stock(id, 1000)).toMatchObject({
        state: 'sold_out',
        remaining: 0,
        held: 2,
        sold: 0,
      });
      await expect(inv.claim('nope', 'a', 'key-a-004', 1000)).rejects.toMatchObject({
        code: 'DROP_NOT_FOUND',
      });
      expect(await inv.stock('nope', 1000)).toBeUndefined();
    });

    it('gives holds ids nobody can guess from their own (first come and lottery)', async () => {
      const [inv] = (await peers()) as [InventoryPort];
      const id = fresh();
      await inv.createDrop(drop(id, { quantity: 5 }), 0);
      const held: string[] = [];
      for (const buyer of ['a', 'b', 'c']) {
        const claim = await inv.claim(id, buyer, `key-${buyer}-0001`, 1000);
        if (claim.outcome !== 'held') throw new Error(`no hold for ${buyer}`);
        held.push(claim.holdId);
      }
      const tails = held.map((h) => h.split('.').at(-1) ?? '');
      for (const tail of tails) expect(tail).toMatch(/^[A-Za-z0-9_-]{16,}$/);
      expect(new Set(tails).size).toBe(3);
      // what the sequence alone would give, and another buyer's id, are refused alike
      for (const guess of [`${id}.h2`, `${id}.h1`, held[1]!.replace(tails[1]!, tails[0]!)])
        expect(await inv.checkout(id, guess, 'b', 'key-b-guess', 1000)).toEqual({
          outcome: 'not_found',
        });
      expect(await inv.checkout(id, held[0]!, 'b', 'key-b-steal', 1000)).toEqual({
        outcome: 'not_found',
      });

      const raffle = fresh();
      await inv.createDrop(
        drop(raffle, { mode: 'lottery', quantity: 2, seed: 's', seedHash: 'h' }),
        0,
      );
      for (const buyer of ['a', 'b'])
        await inv.claim(raffle, buyer, `key-${buyer}-0002`, 1000, { ticket: `t-${buyer}` });
      expect(await inv.draw(raffle, ['t-a', 't-b'], 2, 1_000_001)).toBe(true);
      const book = await inv.lottery(raffle);
      const won = [...(book?.winners?.values() ?? [])];
      expect(won).toHaveLength(2);
      for (const holdId of won) expect(holdId.split('.').at(-1)).toMatch(/^[A-Za-z0-9_-]{16,}$/);
    });

    it('lists a room’s drops, oldest start first', async () => {
      const [a, b] = (await peers()) as [InventoryPort, InventoryPort];
      const room = fresh();
      const [early, late, other] = [fresh(), fresh(), fresh()];
      await a.createDrop(drop(late, { roomId: room, startsAt: 5000 }), 0);
      await b.createDrop(drop(early, { roomId: room, startsAt: 2000, quantity: 7 }), 0);
      await a.createDrop(drop(other, { roomId: fresh() }), 0);
      expect(await b.dropsOf(room)).toEqual([
        drop(early, { roomId: room, startsAt: 2000, quantity: 7 }),
        drop(late, { roomId: room, startsAt: 5000 }),
      ]);
      expect(await a.dropsOf(fresh())).toEqual([]);
    });

    it('turns a hold into one order, releases on cancel, expires exactly once', async () => {
      const [inv] = (await peers()) as [InventoryPort];
      const id = fresh();
      await inv.createDrop(drop(id, { quantity: 2, perBuyerCap: 2 }), 0);
      const first = (await inv.claim(id, 'a', 'claim-0001', 1000)) as Extract<
        ClaimResult,
        { outcome: 'held' }
      >;
      const second = (await inv.claim(id, 'a', 'claim-0002', 1100)) as Extract<
        ClaimResult,
        { outcome: 'held' }
      >;
      const ordered = await inv.checkout(id, first.holdId, 'a', 'checkout-1', 1500);
      expect(ordered).toEqual({
        outcome: 'ordered',
        orderId: expect.any(String),
        holdId: first.holdId,
      });
      // the same key, or another key for the same hold: the same order
      expect(await inv.checkout(id, first.holdId, 'a', 'checkout-1', 1600)).toEqual(ordered);
      expect(await inv.checkout(id, first.holdId, 'a', 'checkout-2', 1600)).toEqual(ordered);
      expect(await inv.checkout(id, first.holdId, 'b', 'checkout-3', 1600)).toEqual({
        outcome: 'not_found',
      });
      expect(await inv.cancel(id, first.holdId, 'a', 1600)).toMatchObject({ outcome: 'ordered' });
      // the second hold runs out at 2100 and returns its unit once
      expect(await inv.stock(id, 2100)).toMatchObject({ remaining: 1, held: 0, sold: 1 });
      expect(await inv.stock(id, 2200)).toMatchObject({ remaining: 1, held: 0, sold: 1 });
      expect(await inv.checkout(id, second.holdId, 'a', 'checkout-4', 2200)).toEqual({
        outcome: 'expired',
      });
      expect(await inv.hold(id, second.holdId)).toMatchObject({
        status: 'expired',
        buyerId: 'a',
        expiresAt: 2100,
      });
      const third = (await inv.claim(id, 'b', 'claim-0003', 2300)) as Extract<
        ClaimResult,
        { outcome: 'held' }
      >;
      expect(await inv.cancel(id, third.holdId, 'b', 2400)).toEqual({ outcome: 'cancelled' });
      expect(await inv.cancel(id, third.holdId, 'b', 2400)).toEqual({ outcome: 'cancelled' });
      expect(await inv.stock(id, 2400)).toMatchObject({ remaining: 1, held: 0, sold: 1 });
      expect(await inv.orders(id)).toEqual([
        {
          orderId: ordered.outcome === 'ordered' ? ordered.orderId : '',
          dropId: id,
          holdId: first.holdId,
          buyerId: 'a',
          at: 1500,
        },
      ]);
    });

    it('logs every change of state and every order, and relays each to the merchant once', async () => {
      const [a, b] = (await peers()) as [InventoryPort, InventoryPort];
      const id = fresh();
      await a.createDrop(drop(id, { quantity: 1, endsAt: 5000 }), 0);
      const held = await b.claim(id, 'a', 'log-claim-1', 1100);
      if (held.outcome !== 'held') throw new Error(held.outcome);
      const order = await a.checkout(id, held.holdId, 'a', 'log-checkout-1', 1200);
      if (order.outcome !== 'ordered') throw new Error(order.outcome);
      const first = await b.unrelayed(id, 1300, 2);
      expect(first).toMatchObject({ drop: { id, product: { sku: 'SNK-1' } }, settled: false });
      expect(first?.entries).toEqual([
        { n: 1, type: 'drop.state', at: 0, state: 'scheduled' },
        { n: 2, type: 'drop.state', at: 1000, state: 'live' },
      ]);
      await a.markRelayed(id, 2);
      await a.markRelayed(id, 1); // never moves back
      expect((await b.unrelayed(id, 1300, 10))?.entries).toEqual([
        { n: 3, type: 'drop.state', at: 1100, state: 'sold_out' },
        {
          n: 4,
          type: 'order.created',
          at: 1200,
          orderId: order.orderId,
          holdId: held.holdId,
          buyerId: 'a',
        },
      ]);
      expect(await a.unrelayed(fresh(), 1300, 10)).toBeUndefined();
      expect((await a.openDrops()).map((d) => d.dropId)).toContain(id);

      // two relays at once, twice over: each entry reaches the outbox once, then the drop settles
      const outbox = new MemoryMerchantOutbox();
      const hooks = {
        now: () => 6000,
        appended: () => undefined,
        failed: (e: unknown) => {
          throw e;
        },
      };
      const options = { intervalMs: 60_000, batch: 2, orphanAfterMs: 60_000 };
      const relays = [a, b].map((inv) => new MerchantRelay(inv, outbox, hooks, options));
      await Promise.all(relays.map((r) => r.sweep()));
      await Promise.all(relays.map((r) => r.sweep()));
      // (the store is shared with other tests: their open drops get relayed too)
      const events = (await outbox.recent(10_000)).filter((e) => e.id.startsWith(`${id}.`));
      expect(events.map((e) => [e.id, e.type, e.data.state ?? e.data.orderId])).toEqual([
        // 1 and 2 were marked relayed above
        [`${id}.n0nce:3`, 'drop.state', 'sold_out'],
        [`${id}.n0nce:4`, 'order.created', order.orderId],
        [`${id}.n0nce:5`, 'drop.state', 'ended'],
      ]);
      expect(events[1]?.data).toMatchObject({
        roomId: 'show',
        buyerId: 'a',
        sku: 'SNK-1',
        price: { amountMinor: 12_900, currency: 'EUR' },
      });
      expect(events[2]?.at).toBe(5000);
      expect((await a.openDrops()).map((d) => d.dropId)).not.toContain(id);
    });

    it('enters each buyer once during a lottery window, then commits one draw', async () => {
      const [a, b] = (await peers()) as [InventoryPort, InventoryPort];
      const id = fresh();
      const lottery = { quantity: 2, mode: 'lottery' as const, seed: 's33d', seedHash: 'h45h' };
      await a.createDrop(drop(id, { ...lottery, endsAt: 5000 }), 0);
      expect(await a.claim(id, 'x', 'lottery-k1', 500, { ticket: 'tx' })).toMatchObject({
        outcome: 'not_live',
        state: 'scheduled',
      });
      expect(await a.claim(id, 'x', 'lottery-k2', 1000, { ticket: 'tx' })).toEqual({
        outcome: 'entered',
        ticket: 'tx',
      });
      // once per buyer, whatever the key or node
      expect(await b.claim(id, 'x', 'lottery-k3', 1100, { ticket: 'tx2' })).toEqual({
        outcome: 'entered',
        ticket: 'tx',
      });
      await b.claim(id, 'y', 'lottery-k4', 1200, { ticket: 'ty' });
      await a.claim(id, 'z', 'lottery-k5', 1300, { ticket: 'tz' });
      expect(await a.stock(id, 1300)).toMatchObject({
        state: 'live',
        mode: 'lottery',
        remaining: 2,
        held: 0,
        lottery: { seedHash: 'h45h', entries: 3, drawn: false, seed: null },
      });
      expect((await b.lottery(id))?.winners).toBeNull();
      expect(await a.claim(id, 'w', 'lottery-k6', 5000, { ticket: 'tw' })).toMatchObject({
        outcome: 'not_live',
        state: 'ended',
      });
      // a draw computed before an entry came in is refused: it must be drawn again
      expect(await a.draw(id, ['tz', 'tx'], 2, 5100)).toBe(false);
      expect((await b.lottery(id))?.winners).toBeNull();
      // two nodes commit at once: one draw counts
      const commits = await Promise.all([
        a.draw(id, ['tz', 'tx'], 3, 5100),
        b.draw(id, ['ty', 'tx'], 3, 5100),
      ]);
      expect(commits).toEqual([true, true]);
      expect(await a.draw(id, ['ty', 'tz'], 3, 5200)).toBe(true);
      // no entry once drawn
      expect(await b.claim(id, 'v', 'lottery-k7', 5300, { ticket: 'tv' })).toMatchObject({
        outcome: 'not_live',
        state: 'ended',
      });
      const book = (await b.lottery(id))!;
      expect(book.entries.map((e) => `${e.ticket}:${e.buyerId}`).sort()).toEqual([
        'tx:x',
        'ty:y',
        'tz:z',
      ]);
      const winners = [...book.winners!.keys()].sort();
      expect([
        ['tx', 'tz'],
        ['tx', 'ty'],
      ]).toContainEqual(winners);
      for (const [ticket, holdId] of book.winners!)
        expect(await a.hold(id, holdId)).toMatchObject({
          status: 'active',
          buyerId: book.entries.find((e) => e.ticket === ticket)?.buyerId,
          expiresAt: 5100 + HOLD_MS,
        });
      expect(await a.stock(id, 5300)).toMatchObject({
        state: 'ended',
        remaining: 0,
        held: 2,
        lottery: { entries: 3, drawn: true, seed: 's33d' },
      });
    });

    it('limits each buyer’s claims on a drop by a token bucket; an answered key keeps its answer', async () => {
      const [a, b] = (await peers()) as [InventoryPort, InventoryPort];
      const id = fresh();
      await a.createDrop(drop(id, { quantity: 10, perBuyerCap: 5, holdMs: 60_000 }), 0);
      const rate = { capacity: 2, refillPerSecond: 1 };
      expect(await a.claim(id, 'bot', 'rate-key-1', 1000, { rate })).toMatchObject({
        outcome: 'held',
      });
      expect(await b.claim(id, 'bot', 'rate-key-2', 1000, { rate })).toMatchObject({
        outcome: 'held',
      });
      expect(await a.claim(id, 'bot', 'rate-key-3', 1000, { rate })).toEqual({
        outcome: 'rate_limited',
        retryAfterMs: 1000,
      });
      // a retry of an answered claim is not a new claim
      expect(await b.claim(id, 'bot', 'rate-key-1', 1000, { rate })).toMatchObject({
        outcome: 'held',
      });
      // another buyer has a bucket of its own, and the refused key may try again later
      expect(await a.claim(id, 'fan', 'rate-key-4', 1000, { rate })).toMatchObject({
        outcome: 'held',
      });
      expect(await b.claim(id, 'bot', 'rate-key-3', 2000, { rate })).toMatchObject({
        outcome: 'held',
      });
      expect(await a.stock(id, 2000)).toMatchObject({ held: 4, remaining: 6 });
    });

    it('never oversells when claims race, from every node at once', async () => {
      const nodes = await peers();
      const id = fresh();
      await nodes[0]!.createDrop(drop(id, { quantity: 10, perBuyerCap: 2 }), 0);
      const claims = await Promise.all(
        Array.from({ length: 60 }, (_, i) =>
          nodes[i % nodes.length]!.claim(id, `buyer${i % 20}`, `race-key-${i}`, 1000),
        ),
      );
      const held = claims.filter((c) => c.outcome === 'held');
      expect(held).toHaveLength(10);
      const perBuyer = new Map<number, number>();
      claims.forEach((c, i) => {
        if (c.outcome === 'held') perBuyer.set(i % 20, (perBuyer.get(i % 20) ?? 0) + 1);
      });
      expect(Math.max(...perBuyer.values())).toBeLessThanOrEqual(2);
      expect(await nodes[0]!.stock(id, 1000)).toMatchObject({ remaining: 0, held: 10, sold: 0 });
    });

    it('keeps stock, caps, answers and hold endings right over any sequence of steps', async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.integer({ min: 1, max: 5 }),
          fc.integer({ min: 1, max: 3 }),
          fc.array(command, { minLength: 1, maxLength: 30 }),
          async (quantity, cap, commands) => {
            const nodes = await peers();
            const id = fresh();
            await nodes[0]!.createDrop(drop(id, { quantity, perBuyerCap: cap }), 0);
            let now = 1000;
            const holds: { holdId: string; buyer: string }[] = [];
            const answers = new Map<string, string>();
            const ended = new Map<string, HoldStatus>();
            for (const [step, c] of commands.entries()) {
              const inv = nodes[step % nodes.length]!;
              let refused: { outcome: string; buyer: string } | undefined;
              if (c.kind === 'advance') now += c.ms;
              else if (c.kind === 'claim') {
                const buyer = `b${c.buyer}`;
                const answer = await inv.claim(id, buyer, `claim-key-${c.key}`, now);
                const seen = answers.get(`${buyer}/${c.key}`);
                // one key, one answer, however often it is retried
                if (seen) expect(JSON.stringify(answer)).toBe(seen);
                else {
                  answers.set(`${buyer}/${c.key}`, JSON.stringify(answer));
                  if (answer.outcome !== 'held') refused = { outcome: answer.outcome, buyer };
                }
                if (answer.outcome === 'held' && !holds.some((h) => h.holdId === answer.holdId))
                  holds.push({ holdId: answer.holdId, buyer });
              } else {
                const target = holds[c.hold % Math.max(1, holds.length)];
                if (!target) continue;
                const buyer = c.buyer === null ? target.buyer : `b${c.buyer}`;
                if (c.kind === 'checkout')
                  await inv.checkout(
                    id,
                    target.holdId,
                    buyer,
                    `checkout-key-${c.key}-${target.holdId}`,
                    now,
                  );
                else await inv.cancel(id, target.holdId, buyer, now);
              }
              const stock = await inv.stock(id, now);
              expect(stock).toBeDefined();
              const { remaining, held, sold } = stock!;
              expect(remaining + held + sold).toBe(quantity);
              expect(Math.min(remaining, held, sold)).toBeGreaterThanOrEqual(0);
              const records = await Promise.all(holds.map((h) => inv.hold(id, h.holdId)));
              const owned = new Map<string, number>();
              for (const r of records) {
                expect(r).toBeDefined();
                if (!r) continue;
                if (r.status === 'active' || r.status === 'ordered')
                  owned.set(r.buyerId, (owned.get(r.buyerId) ?? 0) + 1);
                // a hold ends once: active, then one ending it keeps
                const before = ended.get(r.holdId);
                if (before) expect(r.status).toBe(before);
                else if (r.status !== 'active') ended.set(r.holdId, r.status);
              }
              for (const count of owned.values()) expect(count).toBeLessThanOrEqual(cap);
              // and a fresh claim is refused only for a true reason
              if (refused?.outcome === 'sold_out') expect(remaining).toBe(0);
              if (refused?.outcome === 'limit_reached')
                expect(owned.get(refused.buyer) ?? 0).toBe(cap);
              expect(records.filter((r) => r?.status === 'active')).toHaveLength(held);
              expect(records.filter((r) => r?.status === 'ordered')).toHaveLength(sold);
            }
            const sold = (await nodes[0]!.stock(id, now))!.sold;
            expect(await nodes[0]!.orders(id)).toHaveLength(sold);
            // the log holds every order, and states only when they changed
            const log = (await nodes[1 % nodes.length]!.unrelayed(id, now, 1000))!.entries;
            expect(log.filter((e) => e.type === 'order.created')).toHaveLength(sold);
            const states = log.flatMap((e) => (e.type === 'drop.state' ? [e.state] : []));
            states.forEach((s, i) => expect(s).not.toBe(states[i - 1]));
          },
        ),
        { numRuns: runs },
      );
    }, 60_000);
  });
}
