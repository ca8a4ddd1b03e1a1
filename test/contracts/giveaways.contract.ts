import { describe, expect, it } from 'vitest';
import type { GiveawayDefinition, GiveawayPort } from '../../rooms/index.js';

/**
 * What every giveaway store must guarantee, memory or Redis. `nodes(n)` gives the ports of `n`
 * nodes sharing one store; each test uses giveaways of its own.
 */
export function giveawayContract(
  name: string,
  nodes: (count: number) => Promise<GiveawayPort[]>,
): void {
  let made = 0;
  const giveaway = (changes: Partial<GiveawayDefinition> = {}): GiveawayDefinition => ({
    id: `giveaway-${name.replace(/\W/g, '')}-${++made}-${Date.now()}`,
    roomId: `room-${name.replace(/\W/g, '')}-${made}-${Date.now()}`,
    hostId: 'host',
    winners: 2,
    opensAt: 1_000,
    closesAt: 10_000,
    claimMs: 60_000,
    minWatchMs: 0,
    purchaseRequired: false,
    seed: 'seed',
    seedHash: 'hash',
    product: {
      id: 'p1',
      title: 'Prize',
      price: { amountMinor: 5_000, currency: 'USD' },
      imageUrl: null,
      sku: 'PRIZE-1',
    },
    createdAt: made,
    nonce: `n${made}`,
    ...changes,
  });
  const two = async () => {
    const [a, b] = await nodes(2);
    if (!a || !b) throw new Error('two nodes');
    return [a, b] as const;
  };
  const entry = (userId: string, changes: Partial<Parameters<GiveawayPort['enter']>[1]> = {}) => ({
    userId,
    ticket: `t-${userId}`,
    route: 'standard' as const,
    purchased: false,
    watchedMs: 0,
    ...changes,
  });

  describe(`giveaway store contract (${name})`, () => {
    it('creates once and takes one entry per person in the window, on the giveaway’s own clock', async () => {
      const [a, b] = await two();
      const def = giveaway();
      expect(await a.createGiveaway(def, 0)).toEqual({ created: true });
      expect(await b.createGiveaway({ ...def, winners: 9 }, 0)).toEqual({ created: false });
      expect(await b.giveawaysOf(def.roomId)).toEqual([def]);
      expect(await a.enter(def.id, entry('ann'), 999)).toEqual({ outcome: 'not_open' });
      expect(await a.enter(def.id, entry('ann', { watchedMs: 1_500.7 }), 1_000)).toEqual({
        outcome: 'entered',
        ticket: 't-ann',
      });
      expect(await b.enter(def.id, entry('ann'), 2_000)).toEqual({
        outcome: 'already_entered',
        ticket: 't-ann',
      });
      expect(await b.enter(def.id, entry('host'), 2_000)).toEqual({ outcome: 'own_giveaway' });
      expect(await b.enter('nope', entry('bob'), 2_000)).toBeUndefined();
      // a node sees the window close; one whose clock lags cannot enter anyone after that
      expect(await b.enter(def.id, entry('bob'), 10_000)).toEqual({ outcome: 'closed' });
      expect(await a.enter(def.id, entry('cy'), 9_000)).toEqual({ outcome: 'closed' });
      const record = await a.record(def.id, 0);
      expect(record).toMatchObject({ closesAt: 10_000, clock: 10_000, drawn: null, version: 0 });
      expect(record?.entries).toEqual([
        { ticket: 't-ann', userId: 'ann', route: 'standard', watchedMs: 1_500, seenAt: 1_000 },
      ]);
      expect(await b.summary(def.id, 0)).toEqual({ ...record, entries: 1 });
      expect(await b.summary('nope', 0)).toBeUndefined();
    });

    it('asks a purchase unless the free route is taken, and remembers who bought in a room', async () => {
      const [a, b] = await two();
      const def = giveaway({ purchaseRequired: true });
      await a.createGiveaway(def, 0);
      expect(await a.enter(def.id, entry('ann'), 2_000)).toEqual({ outcome: 'purchase_required' });
      expect(await b.purchased(def.roomId, 'ann')).toBe(false);
      await a.notePurchase(def.roomId, 'ann');
      expect(await b.purchased(def.roomId, 'ann')).toBe(true);
      expect(await b.purchased(`${def.roomId}-other`, 'ann')).toBe(false);
      expect(await b.enter(def.id, entry('ann', { purchased: true }), 2_000)).toMatchObject({
        outcome: 'entered',
      });
      expect(await b.enter(def.id, entry('bob', { route: 'free' }), 2_000)).toMatchObject({
        outcome: 'entered',
      });
      const record = await a.record(def.id, 2_000);
      expect(record?.entries.map((e) => [e.userId, e.route]).sort()).toEqual([
        ['ann', 'standard'],
        ['bob', 'free'],
      ]);
    });

    it('counts watch time from the nodes’ sightings (at most a step at a time) and marks who left', async () => {
      const [a, b] = await two();
      const def = giveaway();
      await a.createGiveaway(def, 0);
      await a.enter(def.id, entry('ann', { watchedMs: 100 }), 1_000);
      await a.seen(def.id, ['t-ann', 't-nobody'], 3_000, 5_000);
      await b.seen(def.id, ['t-ann'], 20_000, 5_000);
      let ann = (await a.record(def.id, 0))?.entries[0];
      expect(ann).toMatchObject({ watchedMs: 100 + 2_000 + 5_000, seenAt: 20_000 });
      await b.left(def.id, 't-ann');
      ann = (await a.record(def.id, 0))?.entries[0];
      expect(ann).toMatchObject({ seenAt: 0 });
      // seen again: no time counted for the absence
      await a.seen(def.id, ['t-ann'], 30_000, 5_000);
      ann = (await a.record(def.id, 0))?.entries[0];
      expect(ann).toMatchObject({ watchedMs: 7_100, seenAt: 30_000 });
      expect((await a.record(def.id, 0))?.entries).toHaveLength(1);
    });

    it('closes early once, and commits each draw only at the version it was computed from', async () => {
      const [a, b] = await two();
      const def = giveaway();
      await a.createGiveaway(def, 0);
      await a.enter(def.id, entry('ann'), 2_000);
      expect(await a.close(def.id, 5_000)).toBe(5_000);
      expect(await b.close(def.id, 7_000)).toBe(5_000);
      expect(await b.close('nope', 7_000)).toBeUndefined();
      expect(await b.enter(def.id, entry('bob'), 4_000)).toEqual({ outcome: 'closed' });
      const drawn = {
        at: 5_000,
        eligible: ['t-ann'],
        lapsed: [],
        prizes: [{ ticket: 't-ann', userId: 'ann', claimBy: 65_000, dropId: 'd1' }],
      };
      const [first, second] = await Promise.all([
        a.commitDraw(def.id, 0, drawn),
        b.commitDraw(def.id, 0, { ...drawn, eligible: [] }),
      ]);
      expect([first, second].filter(Boolean)).toHaveLength(1);
      const record = await b.record(def.id, 0);
      expect(record?.version).toBe(1);
      expect(record?.drawn).toEqual(first ? drawn : { ...drawn, eligible: [] });
      expect(await a.commitDraw(def.id, 0, drawn)).toBe(false);
      const redrawn = { ...drawn, lapsed: ['t-ann'], prizes: [] };
      expect(await a.commitDraw(def.id, 1, redrawn)).toBe(true);
      expect(await b.record(def.id, 0)).toMatchObject({ version: 2, drawn: redrawn });
      // nobody enters a drawn giveaway
      expect(await a.enter(def.id, entry('cy'), 0)).toEqual({ outcome: 'closed' });
    });
  });
}
