import { beforeEach, describe, expect, it } from 'vitest';
import type { Engine } from '../../rooms/index.js';

/** Makes a fresh engine whose rate limits read time from `now`. */
export type EngineFactory = (options: {
  now: () => number;
  historyLength: number;
}) => Engine | Promise<Engine>;

const chat = (roomId: string, text: string) =>
  ({
    type: 'chat:message',
    roomId,
    id: text,
    author: { id: 'u', name: 'U', role: 'viewer' },
    text,
  }) as const;

/**
 * The behaviour every engine must have, memory or Redis. Run it with a factory:
 * `engineContract('memory', (o) => createMemoryEngine(o))`.
 */
export function engineContract(name: string, factory: EngineFactory): void {
  describe(`engine contract: ${name}`, () => {
    let clock = 1_000_000;
    let engine: Engine;
    const room = () => `room-${Math.random().toString(36).slice(2, 8)}`;

    beforeEach(async () => {
      clock = 1_000_000;
      engine = await factory({ now: () => clock, historyLength: 5 });
      return () => engine.close();
    });

    describe('history', () => {
      it('assigns seqs 1, 2, 3... atomically, even to concurrent appends', async () => {
        const r = room();
        const events = await Promise.all(
          Array.from({ length: 50 }, (_, i) => engine.history.append(r, chat(r, `m${i}`))),
        );
        expect(events.map((e) => e.seq).sort((a, b) => a - b)).toEqual(
          Array.from({ length: 50 }, (_, i) => i + 1),
        );
        expect(await engine.history.lastSeq(r)).toBe(50);
        expect(events[0]).toMatchObject({
          type: 'chat:message',
          roomId: r,
          text: 'm0',
          ts: expect.any(Number),
        });
      });

      it('keeps rooms apart', async () => {
        const [a, b] = [room(), room()];
        await engine.history.append(a, chat(a, 'a1'));
        expect((await engine.history.append(b, chat(b, 'b1'))).seq).toBe(1);
        expect(await engine.history.lastSeq(room())).toBe(0);
      });

      it('returns what came after a seq, and says when it cannot return all of it', async () => {
        const r = room();
        for (let i = 1; i <= 4; i++) await engine.history.append(r, chat(r, `m${i}`));
        expect(await engine.history.since(r, 1, 10)).toEqual({
          complete: true,
          events: [
            expect.objectContaining({ seq: 2 }),
            expect.objectContaining({ seq: 3 }),
            expect.objectContaining({ seq: 4 }),
          ],
        });
        expect(await engine.history.since(r, 4, 10)).toEqual({ complete: true, events: [] });
        const limited = await engine.history.since(r, 0, 2);
        expect(limited.complete).toBe(false);
        for (let i = 5; i <= 9; i++) await engine.history.append(r, chat(r, `m${i}`));
        // only the last 5 (historyLength) are kept: 5..9
        expect((await engine.history.since(r, 1, 100)).complete).toBe(false);
        const kept = await engine.history.since(r, 4, 100);
        expect(kept.complete).toBe(true);
        expect(kept.events.map((e) => e.seq)).toEqual([5, 6, 7, 8, 9]);
      });

      it('clear forgets a room: seqs start again at 1', async () => {
        const r = room();
        await engine.history.append(r, chat(r, 'x'));
        await engine.history.clear(r);
        expect(await engine.history.lastSeq(r)).toBe(0);
        expect((await engine.history.append(r, chat(r, 'y'))).seq).toBe(1);
      });
    });

    describe('presence', () => {
      it('counts distinct members per room; adding twice or removing a stranger changes nothing', async () => {
        const [a, b] = [room(), room()];
        await engine.presence.add(a, 'c1');
        await engine.presence.add(a, 'c2');
        await engine.presence.add(a, 'c2');
        await engine.presence.add(b, 'c1');
        expect(await engine.presence.count(a)).toBe(2);
        await engine.presence.remove(a, 'c1');
        await engine.presence.remove(a, 'nobody');
        expect(await engine.presence.count(a)).toBe(1);
        expect(await engine.presence.count(b)).toBe(1);
        expect(await engine.presence.count(room())).toBe(0);
      });
    });

    describe('rate limits', () => {
      const rule = { capacity: 3, refillPerSecond: 1 };

      it('allows a burst up to capacity, then refuses with the time until a token', async () => {
        const key = room();
        for (let i = 0; i < 3; i++)
          expect(await engine.rateLimits.take(key, rule)).toEqual({ allowed: true });
        const refused = await engine.rateLimits.take(key, rule);
        expect(refused.allowed).toBe(false);
        if (!refused.allowed) expect(refused.retryAfterMs).toBeCloseTo(1000, -1);
      });

      it('refills over time, never above capacity', async () => {
        const key = room();
        for (let i = 0; i < 3; i++) await engine.rateLimits.take(key, rule);
        clock += 1500;
        expect(await engine.rateLimits.take(key, rule)).toEqual({ allowed: true });
        expect((await engine.rateLimits.take(key, rule)).allowed).toBe(false);
        clock += 60_000;
        for (let i = 0; i < 3; i++)
          expect((await engine.rateLimits.take(key, rule)).allowed).toBe(true);
        expect((await engine.rateLimits.take(key, rule)).allowed).toBe(false);
      });

      it('charges a cost, and a refused take costs nothing', async () => {
        const key = room();
        expect((await engine.rateLimits.take(key, rule, 2)).allowed).toBe(true);
        expect((await engine.rateLimits.take(key, rule, 2)).allowed).toBe(false);
        expect((await engine.rateLimits.take(key, rule, 1)).allowed).toBe(true);
      });

      it('is atomic under concurrent takes', async () => {
        const key = room();
        const results = await Promise.all(
          Array.from({ length: 20 }, () => engine.rateLimits.take(key, rule)),
        );
        expect(results.filter((r) => r.allowed)).toHaveLength(3);
      });
    });

    it('reports ready', () => {
      expect(engine.isReady()).toBe(true);
    });
  });
}
