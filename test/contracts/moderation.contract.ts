import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { DecisionRecord, Sanction } from '../../client-sdk/src/protocol/index.js';
import type { HeldEntry, ModerationStore, ReportEntry } from '../../rooms/index.js';

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

    const author = (id: string) => ({ id, name: id, role: 'viewer' as const });
    const report = (messageId: string, reporterId: string, over: Partial<ReportEntry> = {}) => ({
      roomId: 'show',
      messageId,
      author: author('troll'),
      text: `text of ${messageId}`,
      reporterId,
      at: 1_000,
      ...over,
    });

    it('counts each reporter of a message once, and the reports against its author', async () => {
      const [a, b] = await two();
      expect(await a.report(report('m1', 'v1'))).toBe(1);
      expect(await b.report(report('m1', 'v1', { reason: 'again' }))).toBe(1);
      expect(await b.report(report('m1', 'v2'))).toBe(2);
      expect(await a.report(report('m2', 'v1'))).toBe(1);
      expect((await b.standing('show', 'troll', 0)).reports).toBe(3);
      expect((await b.standing('other', 'troll', 0)).reports).toBe(0);
      expect((await a.standing('show', 'v1', 0)).reports).toBe(0);
      // the counter is not a sanction
      expect(await a.sanctions('show', 0)).toEqual([]);
    });

    it("lists a room's reported messages, newest report first, until dismissed", async () => {
      const [a, b] = await two();
      const base = 10_000_000;
      await a.report(report('m1', 'v1', { at: base, reason: 'spam' }));
      await b.report(report('m2', 'v1', { at: base + 1, author: author('other') }));
      await a.report(report('m1', 'v2', { at: base + 2 }));
      for (let i = 3; i <= 9; i++)
        await b.report(report('m1', `v${i}`, { at: base + i, reason: `r${i}` }));
      await a.report(report('x', 'v1', { roomId: 'elsewhere', at: base }));
      const listed = await b.reports('show', base, 100);
      expect(listed).toEqual([
        {
          messageId: 'm1',
          roomId: 'show',
          author: author('troll'),
          text: 'text of m1',
          reporters: 9,
          // the five newest given; the first report's text stays what was reported
          reasons: ['r9', 'r8', 'r7', 'r6', 'r5'],
          firstAt: base,
          lastAt: base + 9,
        },
        expect.objectContaining({
          messageId: 'm2',
          reporters: 1,
          reasons: [],
          author: author('other'),
        }),
      ]);
      // by time, and at most `limit`
      expect((await a.reports('show', base + 5, 100)).map((r) => r.messageId)).toEqual(['m1']);
      expect((await a.reports('show', base, 1)).map((r) => r.messageId)).toEqual(['m1']);
      expect((await a.reports('elsewhere', base, 100)).map((r) => r.messageId)).toEqual(['x']);
      // dismissed: off the list, once; a repeated report changes nothing, a new reporter relists it
      expect(await a.dismiss('show', 'm1')).toBe(true);
      expect(await b.dismiss('show', 'm1')).toBe(false);
      expect(await b.dismiss('show', 'never')).toBe(false);
      expect((await b.reports('show', base, 100)).map((r) => r.messageId)).toEqual(['m2']);
      expect(await a.report(report('m1', 'v2', { at: base + 20 }))).toBe(9);
      expect((await b.reports('show', base, 100)).map((r) => r.messageId)).toEqual(['m2']);
      expect(await b.report(report('m1', 'v10', { at: base + 21 }))).toBe(10);
      expect(await a.reports('show', base, 100)).toMatchObject([
        { messageId: 'm1', reporters: 10, lastAt: base + 21 },
        { messageId: 'm2' },
      ]);
      expect((await a.standing('show', 'troll', 0)).reports).toBe(10);
    });

    it('counts concurrent reports from many nodes exactly', async () => {
      const stores = await nodes(3);
      let run = 0;
      await fc.assert(
        fc.asyncProperty(
          fc.array(
            fc.record({
              node: fc.nat(2),
              message: fc.constantFrom('m1', 'm2', 'm3'),
              reporter: fc.constantFrom('v1', 'v2', 'v3', 'v4'),
            }),
            { minLength: 1, maxLength: 30 },
          ),
          async (reports) => {
            const roomId = `race${++run}`;
            const answers = await Promise.all(
              reports.map((r, i) =>
                stores[r.node]!.report(report(r.message, r.reporter, { roomId, at: 5_000 + i })),
              ),
            );
            const distinct = new Map<string, Set<string>>();
            for (const r of reports)
              distinct.set(r.message, (distinct.get(r.message) ?? new Set()).add(r.reporter));
            // each answer counts at most the distinct reporters so far; the list counts them all
            reports.forEach((r, i) =>
              expect(answers[i]).toBeLessThanOrEqual(distinct.get(r.message)!.size),
            );
            const listed = await stores[0]!.reports(roomId, 0, 100);
            expect(Object.fromEntries(listed.map((l) => [l.messageId, l.reporters]))).toEqual(
              Object.fromEntries([...distinct].map(([m, who]) => [m, who.size])),
            );
            const pairs = [...distinct.values()].reduce((n, who) => n + who.size, 0);
            expect((await stores[1]!.standing(roomId, 'troll', 0)).reports).toBe(pairs);
          },
        ),
        { numRuns: 25 },
      );
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
