import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { DecisionRecord, Sanction } from '../../client-sdk/src/protocol/index.js';
import type { HeldEntry, ModerationStore } from '../../rooms/index.js';

/**
 * What every moderation store must guarantee, memory or Redis. `nodes(n)` gives the stores of `n`
 * nodes that share one (empty) store.
 */
export function moderationContract(
  name: string,
  nodes: (count: number) => Promise<ModerationStore[]>,
): void {
  const two = async () => {
    const [a, b] = await nodes(2);
    if (!a || !b) throw new Error('two nodes');
    return [a, b] as const;
  };
  let ids = 0;
  const record = (over: Partial<DecisionRecord>): DecisionRecord => ({
    id: `d${++ids}`,
    at: 1_000,
    roomId: 'show',
    userId: 'u',
    userRegion: null,
    action: 'hide',
    detector: 'terms',
    ...over,
  });

  describe(`moderation store contract: ${name}`, () => {
    it('exports the statements of reasons kept on any node, by time, region and room', async () => {
      const [a, b] = await two();
      const base = Date.now();
      const cn = record({ at: base + 1, group: 'cn', groupRegions: ['CN'] });
      const fromCn = record({ at: base + 2, userRegion: 'CN', roomId: 'other' });
      const us = record({ at: base + 3, userRegion: 'US', group: 'global', groupRegions: [] });
      await a.record([cn, fromCn]);
      await b.record([us]);
      const all = await a.decisions({ since: base, limit: 100 });
      expect(all.records.map((r) => r.id)).toEqual([cn.id, fromCn.id, us.id]);
      expect(all.cursor).toBeUndefined();
      expect((await b.decisions({ since: base, region: 'CN', limit: 100 })).records).toEqual([
        cn,
        fromCn,
      ]);
      expect((await b.decisions({ since: base, roomId: 'other', limit: 100 })).records).toEqual([
        fromCn,
      ]);
      expect((await b.decisions({ since: base + 3, limit: 100 })).records).toEqual([us]);
    });

    it('pages through an export: every record once, in order', async () => {
      const [a, b] = await two();
      const base = Date.now();
      const records = Array.from({ length: 25 }, (_, i) =>
        record({ at: base + i, userRegion: i % 3 === 0 ? 'CN' : 'US' }),
      );
      for (let i = 0; i < records.length; i += 5) await a.record(records.slice(i, i + 5));
      await fc.assert(
        fc.asyncProperty(fc.integer({ min: 1, max: 12 }), fc.boolean(), async (limit, cn) => {
          const seen: string[] = [];
          let cursor: string | undefined;
          for (let pages = 0; pages < 100; pages++) {
            const page = await b.decisions({
              since: base,
              limit,
              ...(cn ? { region: 'CN' } : {}),
              ...(cursor === undefined ? {} : { cursor }),
            });
            expect(page.records.length).toBeLessThanOrEqual(limit);
            seen.push(...page.records.map((r) => r.id));
            cursor = page.cursor;
            if (cursor === undefined) break;
          }
          const expected = records.filter((r) => !cn || r.userRegion === 'CN').map((r) => r.id);
          expect(seen).toEqual(expected);
        }),
        { numRuns: 20 },
      );
    });

    it('gives each held message to exactly one of two moderators deciding at once', async () => {
      const [a, b] = await two();
      const entry = (id: string, heldAt: number): HeldEntry => ({
        id,
        roomId: 'show',
        author: { id: 'wu', name: 'Wu', role: 'viewer' },
        text: `text ${id}`,
        heldAt,
        rule: 'links',
        reason: 'Held for review',
        stamp: { policy: 'p', withheld: ['cn'] },
      });
      await a.hold(entry('m2', 2));
      await b.hold(entry('m1', 1));
      expect((await b.held('show')).map((h) => h.id)).toEqual(['m1', 'm2']);
      expect(await a.held('elsewhere')).toEqual([]);
      for (const id of ['m1', 'm2']) {
        const [x, y] = await Promise.all([a.take('show', id), b.take('show', id)]);
        expect([x, y].filter(Boolean)).toHaveLength(1);
        expect(x ?? y).toEqual(entry(id, id === 'm1' ? 1 : 2));
      }
      expect(await a.held('show')).toEqual([]);
      expect(await b.take('show', 'm1')).toBeUndefined();
    });

    it('counts each reporter of a message once, and the reports against its author', async () => {
      const [a, b] = await two();
      expect(await a.report('show', 'm1', 'troll', 'v1')).toBe(1);
      expect(await b.report('show', 'm1', 'troll', 'v1')).toBe(1);
      expect(await b.report('show', 'm1', 'troll', 'v2')).toBe(2);
      expect(await a.report('show', 'm2', 'troll', 'v1')).toBe(1);
      expect((await b.standing('show', 'troll', 0)).reports).toBe(3);
      expect((await b.standing('other', 'troll', 0)).reports).toBe(0);
      expect((await a.standing('show', 'v1', 0)).reports).toBe(0);
      // the counter is not a sanction
      expect(await a.sanctions('show', 0)).toEqual([]);
    });

    it('keeps sanctions per room and global, until they end or are lifted', async () => {
      const [a, b] = await two();
      const now = 1_000_000;
      const sanction = (over: Partial<Sanction>): Sanction => ({
        userId: 'noisy',
        kind: 'timeout',
        scope: 'show',
        at: now,
        until: now + 60_000,
        by: 'hana',
        reason: '',
        ...over,
      });
      await a.sanction(sanction({}));
      await a.sanction(sanction({ kind: 'ban', scope: '*', until: null, userId: 'spammer' }));
      expect((await b.standing('show', 'noisy', now)).sanctions).toEqual([sanction({})]);
      expect((await b.standing('other', 'noisy', now)).sanctions).toEqual([]);
      expect((await b.standing('other', 'spammer', now)).sanctions).toMatchObject([
        { kind: 'ban' },
      ]);
      // ended: no longer in force
      expect((await b.standing('show', 'noisy', now + 60_000)).sanctions).toEqual([]);
      // the same kind again replaces it
      await b.sanction(sanction({ until: now + 120_000 }));
      expect((await a.standing('show', 'noisy', now + 60_000)).sanctions).toMatchObject([
        { until: now + 120_000 },
      ]);
      expect((await a.sanctions('show', now)).map((s) => s.userId).sort()).toEqual([
        'noisy',
        'spammer',
      ]);
      expect(await b.lift('show', 'noisy', 'timeout')).toBe(true);
      expect(await a.lift('show', 'noisy', 'timeout')).toBe(false);
      expect((await a.standing('show', 'noisy', now)).sanctions).toEqual([]);
      expect(await a.lift('*', 'spammer', 'ban')).toBe(true);
      expect((await b.standing('show', 'spammer', now)).sanctions).toEqual([]);
    });
  });
}
