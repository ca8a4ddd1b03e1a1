import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { drawLottery } from '../../client-sdk/src/protocol/lottery.js';
import { USED_PASS_GRACE_MS, type WaitingRoomPort } from '../../rooms/index.js';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const PASS_MS = 30_000;
const KEEP_MS = 600_000;

/**
 * What every waiting room must guarantee, memory or Redis. `nodes(n)` gives the ports of `n`
 * nodes sharing one (empty) store; each test uses a room of its own.
 */
export function waitingRoomContract(
  name: string,
  nodes: (count: number) => Promise<WaitingRoomPort[]>,
): void {
  let rooms = 0;
  const room = () => `queue-${name.replace(/\W/g, '')}-${++rooms}-${Date.now()}`;
  const two = async () => {
    const [a, b] = await nodes(2);
    if (!a || !b) throw new Error('two nodes');
    return [a, b] as const;
  };
  const offer = (user: string) => ({
    ticket: `t-${user}`,
    publicId: sha256(`t-${user}`).slice(0, 32),
  });

  describe(`waiting room contract: ${name}`, () => {
    it('admits in order as seats free, on any node, and a pass counts as a seat until used', async () => {
      const [a, b] = await two();
      const r = room();
      for (const user of ['ann', 'bob', 'cat']) await a.enter(r, user, offer(user), 1000);
      // the same user again keeps the ticket it has
      expect((await b.enter(r, 'bob', offer('bob-again'), 1001)).ticket).toBe('t-bob');
      expect(await b.admit(r, 1002, 2, null, PASS_MS)).toEqual(['t-ann', 't-bob']);
      // two passes out, not used yet: nobody else, though the caller saw two seats free
      expect(await a.admit(r, 1003, 2, null, PASS_MS)).toEqual([]);
      expect(await a.use(r, 't-ann', 1004, KEEP_MS)).toBe(true);
      expect(await b.use(r, 't-bob', 1004, KEEP_MS)).toBe(true);
      // both joined: the room holds two of two
      expect(await a.admit(r, 1005, 0, null, PASS_MS)).toEqual([]);
      // one left the room; a pass just used still holds its seat a moment (its viewer may not
      // show in presence yet, and the seat must not go twice): then it is cat's turn
      const settled = 1004 + USED_PASS_GRACE_MS;
      expect(await b.admit(r, settled - 1, 1, null, PASS_MS)).toEqual([]);
      expect(await b.admit(r, settled, 1, null, PASS_MS)).toEqual(['t-cat']);
      expect(await a.ticket(r, 't-cat')).toMatchObject({
        userId: 'cat',
        number: 2,
        admittedAt: settled,
      });
      expect(await a.state(r)).toMatchObject({ head: 3, waiting: 0, admitted: 3, preQueue: null });
      // a ticket never admitted, or unknown, is no pass
      expect(await a.use(r, 't-nobody', 1007, KEEP_MS)).toBe(false);
    });

    it('skips those who left; a lapsed pass frees its seat; a used pass lets its viewer back a while', async () => {
      const [a, b] = await two();
      const r = room();
      for (const user of ['ann', 'bob', 'cat', 'dan']) await a.enter(r, user, offer(user), 0);
      await b.leave(r, 't-bob');
      expect(await a.ticket(r, 't-bob')).toBeUndefined();
      expect(await b.admit(r, 10, 2, null, 100)).toEqual(['t-ann', 't-cat']);
      // ann comes in; cat never does: its pass lapses and its seat goes to dan
      expect(await a.use(r, 't-ann', 50, KEEP_MS)).toBe(true);
      expect(await a.admit(r, 60, 1, null, 100)).toEqual([]);
      const later = 50 + USED_PASS_GRACE_MS;
      expect(await a.admit(r, later, 1, null, 100)).toEqual(['t-dan']);
      expect(await b.use(r, 't-cat', later + 10, KEEP_MS)).toBe(false);
      // cat comes back: a new place, at the back (not its old, spent ticket)
      const again = await a.enter(r, 'cat', offer('cat-again'), later + 20);
      expect(again).toMatchObject({ ticket: 't-cat-again', admittedAt: null, number: 4 });
      // ann drops and comes back within the keep time, then too late
      expect(await b.use(r, 't-ann', 50 + KEEP_MS - 1, KEEP_MS)).toBe(true);
      expect(await b.use(r, 't-ann', 50 + 3 * KEEP_MS, KEEP_MS)).toBe(false);
    });

    it('admits no faster than the rate, across nodes', async () => {
      const [a, b] = await two();
      const r = room();
      for (let i = 0; i < 10; i++) await a.enter(r, `u${i}`, offer(`u${i}`), 0);
      const rate = { capacity: 2, refillPerSecond: 1 };
      expect(await a.admit(r, 0, 100, rate, PASS_MS)).toHaveLength(2);
      expect(await b.admit(r, 0, 100, rate, PASS_MS)).toHaveLength(0);
      expect(await b.admit(r, 1000, 100, rate, PASS_MS)).toEqual(['t-u2']);
      expect(await a.admit(r, 3500, 100, rate, PASS_MS)).toEqual(['t-u3', 't-u4']);
    });

    it('a pre-queue holds admissions until its end, is shuffled by its committed seed, and later arrivals queue behind', async () => {
      const [a, b] = await two();
      const r = room();
      const seed = 'ab'.repeat(32);
      await a.setPreQueue(r, { until: 1000, seed, seedHash: sha256(seed), dropId: 'd1' });
      const early = ['ann', 'bob', 'cat', 'dan', 'eve'];
      for (const [i, user] of early.entries())
        expect((await (i % 2 ? a : b).enter(r, user, offer(user), 100 + i)).number).toBeNull();
      expect(await a.admit(r, 500, 100, null, PASS_MS)).toEqual([]);
      const state = await b.state(r);
      expect(state).toMatchObject({ pre: 5, waiting: 0 });
      // the seed stays secret until the end
      expect(state.preQueue).toMatchObject({
        until: 1000,
        seedHash: sha256(seed),
        seed: null,
        dropId: 'd1',
      });
      await b.leave(r, 't-dan');
      // after the end: at the back, whoever looks first closes the pre-queue
      const late = await a.enter(r, 'zed', offer('zed'), 1500);
      expect(late.number).toBe(4);
      expect(await a.admit(r, 1500, 100, null, PASS_MS)).toEqual([]); // not ordered yet
      const closed = await b.closePreQueue(r, 1500);
      if (!closed) throw new Error('not closed');
      expect(closed.seed).toBe(seed);
      const publicIds = ['ann', 'bob', 'cat', 'eve'].map((u) => offer(u).publicId).sort();
      expect(closed.entrants).toEqual(publicIds);
      const order = await drawLottery(seed, closed.entrants, closed.entrants.length, sha256);
      await a.orderPreQueue(r, order);
      // a second order (another node, late) changes nothing
      await b.orderPreQueue(r, [...order].reverse());
      expect(await b.closePreQueue(r, 1600)).toBeUndefined();
      const byPublicId = new Map(
        ['ann', 'bob', 'cat', 'eve', 'zed'].map((u) => [offer(u).publicId, offer(u).ticket]),
      );
      expect(await b.admit(r, 1700, 100, null, PASS_MS)).toEqual([
        ...order.map((p) => byPublicId.get(p)),
        't-zed',
      ]);
      const audit = await a.audit(r);
      expect(audit).toEqual({
        roomId: r,
        until: 1000,
        seedHash: sha256(seed),
        seed,
        dropId: 'd1',
        entrants: publicIds,
        order,
      });
      expect((await a.state(r)).preQueue).toMatchObject({ seed, ordered: true });
    });

    it('a pre-queue removed before its end lets its entrants queue in the order they came', async () => {
      const [a, b] = await two();
      const r = room();
      await a.setPreQueue(r, {
        until: 10_000,
        seed: 'cd'.repeat(32),
        seedHash: sha256('cd'.repeat(32)),
        dropId: null,
      });
      for (const [i, user] of ['ann', 'bob'].entries()) await b.enter(r, user, offer(user), i);
      await b.setPreQueue(r, null);
      expect(await a.admit(r, 10, 10, null, PASS_MS)).toEqual(['t-ann', 't-bob']);
      expect(await a.audit(r)).toBeUndefined();
    });

    it('never admits a ticket twice nor out of turn, under any interleaving of two nodes', async () => {
      const [a, b] = await two();
      const op = fc.oneof(
        fc.record({
          kind: fc.constant('enter' as const),
          user: fc.integer({ min: 0, max: 9 }),
          node: fc.boolean(),
        }),
        fc.record({
          kind: fc.constant('leave' as const),
          user: fc.integer({ min: 0, max: 9 }),
          node: fc.boolean(),
        }),
        fc.record({
          kind: fc.constant('admit' as const),
          free: fc.integer({ min: 0, max: 4 }),
          node: fc.boolean(),
        }),
        fc.record({
          kind: fc.constant('use' as const),
          user: fc.integer({ min: 0, max: 9 }),
          node: fc.boolean(),
        }),
      );
      await fc.assert(
        fc.asyncProperty(fc.array(op, { maxLength: 40 }), async (ops) => {
          const r = room();
          // the model: who waits in order, whose pass holds a seat until when (an unused one's
          // for good here, a used one's for USED_PASS_GRACE_MS more), who was admitted
          const waiting: string[] = [];
          const passes = new Map<string, number>();
          const admitted = new Set<string>();
          let now = 0;
          for (const step of ops) {
            const port = step.node ? a : b;
            now += 1;
            if (step.kind === 'enter') {
              const t = offer(`u${step.user}`).ticket;
              await port.enter(r, `u${step.user}`, offer(`u${step.user}`), now);
              if (!admitted.has(t) && !waiting.includes(t)) waiting.push(t);
            } else if (step.kind === 'leave') {
              const t = offer(`u${step.user}`).ticket;
              await port.leave(r, t);
              waiting.splice(waiting.indexOf(t) >>> 0, waiting.includes(t) ? 1 : 0);
              passes.delete(t);
              admitted.delete(t);
            } else if (step.kind === 'admit') {
              const got = await port.admit(r, now, step.free, null, 1_000_000);
              const held = [...passes.values()].filter((until) => until > now).length;
              const expected = waiting.slice(0, Math.max(0, step.free - held));
              expect(got).toEqual(expected);
              for (const t of got) {
                expect(admitted.has(t)).toBe(false);
                admitted.add(t);
                passes.set(t, Infinity);
              }
              waiting.splice(0, got.length);
            } else {
              const t = offer(`u${step.user}`).ticket;
              const used = await port.use(r, t, now, KEEP_MS);
              expect(used).toBe(admitted.has(t));
              if (used) passes.set(t, now + USED_PASS_GRACE_MS);
            }
          }
          expect((await a.state(r)).waiting).toBe(waiting.length);
        }),
        { numRuns: 60 },
      );
    });
  });
}
