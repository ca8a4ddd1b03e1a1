import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RoomEventInput } from '../../client-sdk/src/protocol/index.js';
import {
  applyControl,
  initialControl,
  type BrokerMessage,
  type Engine,
  type RoomRecord,
} from '../../rooms/index.js';
import { eventuallyAsync } from '../helpers/events.js';

export interface EngineFactoryOptions {
  now: () => number;
  historyLength: number;
}

/**
 * Makes `nodes` engines sharing one store, as `nodes` server processes would. An embedded
 * (single-process) engine may hand back the same engine for each node.
 */
export type EngineFactory = (options: EngineFactoryOptions, nodes: number) => Promise<Engine[]>;

const author = { id: 'u', name: 'U', role: 'viewer' } as const;
const chat = (roomId: string, text: string): RoomEventInput => ({
  type: 'chat:message',
  roomId,
  id: text,
  author,
  text,
});
const stream = {
  state: 'scheduled',
  hostId: 'h',
  title: 'Show',
  description: '',
  coverUrl: null,
  scheduledAt: null,
  startedAt: null,
  endedAt: null,
} as const;
const opening = (roomId: string): RoomEventInput => ({ type: 'stream:updated', roomId, stream });
const record = (epoch: string): RoomRecord => ({
  epoch,
  control: initialControl(stream),
  version: 1,
});

/**
 * The behaviour every engine must have, memory or Redis. Run it with a factory:
 * `engineContract('memory', async (o, n) => ...)`.
 */
export function engineContract(name: string, factory: EngineFactory): void {
  describe(`engine contract: ${name}`, () => {
    let clock = 1_000_000;
    let engine: Engine;
    const made: Engine[] = [];
    const make = async (count: number) => {
      const nodes = await factory({ now: () => clock, historyLength: 5 }, count);
      made.push(...nodes);
      return nodes;
    };
    const room = () => `room-${Math.random().toString(36).slice(2, 8)}`;
    const open = async (r: string, epoch = 'e1') => {
      expect(await engine.history.create(r, record(epoch), opening(r))).toEqual({ created: true });
      return epoch;
    };
    /** Ends the stream of room `r` (epoch e1): the room is kept, ended, for late viewers. */
    const endRoom = async (r: string) => {
      const ended = { ...stream, state: 'ended' as const, endedAt: clock };
      const end: RoomEventInput = { type: 'stream:updated', roomId: r, stream: ended };
      const control = applyControl(initialControl(stream), end);
      expect((await engine.history.appendControl(r, 'e1', end, 1, control)).ok).toBe(true);
    };
    const append = async (r: string, text: string, on = engine, epoch = 'e1') => {
      const result = await on.history.append(r, epoch, chat(r, text));
      if (!result.ok) throw new Error(`append refused: ${result.reason}`);
      return result.event;
    };

    beforeEach(async () => {
      clock = 1_000_000;
      [engine] = (await make(1)) as [Engine];
    });
    afterEach(async () => {
      for (const node of new Set(made.splice(0))) await node.close();
    });

    describe('rooms and history', () => {
      it('creates a room once, with its first event as seq 1', async () => {
        const r = room();
        await open(r);
        expect(await engine.history.create(r, record('e2'), opening(r))).toEqual({
          created: false,
        });
        const load = await engine.history.load(r, 10);
        expect(load).toEqual({
          record: record('e1'),
          seq: 1,
          tail: [expect.objectContaining({ type: 'stream:updated', seq: 1, ts: clock })],
        });
        expect(await engine.history.load(room(), 10)).toBeUndefined();
      });

      it('assigns seqs atomically, even to concurrent appends', async () => {
        const r = room();
        await open(r);
        const events = await Promise.all(Array.from({ length: 50 }, (_, i) => append(r, `m${i}`)));
        expect(events.map((e) => e.seq).sort((a, b) => a - b)).toEqual(
          Array.from({ length: 50 }, (_, i) => i + 2),
        );
        expect(await engine.history.lastSeq(r)).toBe(51);
        expect(events[0]).toEqual({ ...chat(r, 'm0'), seq: expect.any(Number), ts: clock });
      });

      it('refuses appends to a room that does not exist in that epoch', async () => {
        const r = room();
        expect(await engine.history.append(r, 'e1', chat(r, 'x'))).toEqual({
          ok: false,
          reason: 'gone',
        });
        await open(r);
        expect(await engine.history.append(r, 'other', chat(r, 'x'))).toEqual({
          ok: false,
          reason: 'gone',
        });
      });

      it('appends a retried send once, whichever node the retry reaches', async () => {
        const [a, b] = (await make(2)) as [Engine, Engine];
        engine = a;
        const r = room();
        await open(r);
        const first = await a.history.append(r, 'e1', chat(r, 'once'), 'u:k1');
        const again = await Promise.all([
          b.history.append(r, 'e1', chat(r, 'twice'), 'u:k1'),
          a.history.append(r, 'e1', chat(r, 'thrice'), 'u:k1'),
        ]);
        expect(again).toEqual([first, first]);
        expect(first).toMatchObject({ ok: true, event: { text: 'once', seq: 2 } });
        expect(await b.history.lastSeq(r)).toBe(2);
        expect(await b.history.sent(r, 'e1', 'u:k1')).toMatchObject({ text: 'once', seq: 2 });
        expect(await b.history.sent(r, 'e1', 'u:k2')).toBeUndefined();
        expect(await b.history.sent(r, 'e0', 'u:k1')).toBeUndefined();
        const other = await b.history.append(r, 'e1', chat(r, 'other'), 'u:k2');
        expect(other).toMatchObject({ ok: true, event: { seq: 3 } });
      });

      it('appends a control event only at the expected version, storing the state after it', async () => {
        const r = room();
        await open(r);
        const slow: RoomEventInput = { type: 'chat:slow-mode', roomId: r, seconds: 5 };
        const control = applyControl(initialControl(stream), slow);
        const done = await engine.history.appendControl(r, 'e1', slow, 1, control);
        expect(done).toMatchObject({ ok: true, event: { type: 'chat:slow-mode', seq: 2 } });
        expect(await engine.history.appendControl(r, 'e1', slow, 1, control)).toEqual({
          ok: false,
          reason: 'conflict',
          version: 2,
        });
        await append(r, 'after');
        expect(await engine.history.load(r, 1)).toMatchObject({
          record: { epoch: 'e1', version: 2, control: { slowModeSeconds: 5 } },
          seq: 3,
          tail: [expect.objectContaining({ text: 'after', seq: 3 })],
        });
      });

      it('returns what came after a seq, and says when it cannot return all of it', async () => {
        const r = room();
        await open(r);
        for (let i = 2; i <= 4; i++) await append(r, `m${i}`);
        expect(await engine.history.since(r, 1, 10, 'e1')).toEqual({
          complete: true,
          events: [2, 3, 4].map((seq) => expect.objectContaining({ seq })),
        });
        expect(await engine.history.since(r, 4, 10, 'e1')).toEqual({ complete: true, events: [] });
        expect((await engine.history.since(r, 0, 2, 'e1')).complete).toBe(false);
        for (let i = 5; i <= 9; i++) await append(r, `m${i}`);
        // only the last 5 (historyLength) are kept: 5..9
        expect((await engine.history.since(r, 1, 100, 'e1')).complete).toBe(false);
        const kept = await engine.history.since(r, 4, 100, 'e1');
        expect(kept).toEqual({
          complete: true,
          events: [5, 6, 7, 8, 9].map((seq) => expect.objectContaining({ seq })),
        });
        expect((await engine.history.load(r, 3))?.tail.map((e) => e.seq)).toEqual([7, 8, 9]);
        // a reader of another epoch (the room was replaced, or lost) gets nothing it could mistake
        expect(await engine.history.since(r, 4, 100, 'e0')).toEqual({
          complete: false,
          events: [],
        });
        expect(await engine.history.since(room(), 0, 100, 'e1')).toEqual({
          complete: false,
          events: [],
        });
      });

      it('replaces an ended room with a new one (new epoch, seqs from 1) and forgets a retired one', async () => {
        const r = room();
        await open(r);
        await endRoom(r);
        await open(r, 'e2');
        expect(await engine.history.load(r, 5)).toMatchObject({ record: { epoch: 'e2' }, seq: 1 });
        await engine.history.retire(r, 'e1', 10); // an old epoch's retirement does nothing
        clock += 100;
        expect(await engine.history.load(r, 5)).toBeDefined();
        await engine.history.retire(r, 'e2', 50);
        await eventuallyAsync(async () => {
          clock += 100;
          return (await engine.history.load(r, 5)) === undefined;
        });
      });
      it('gives an ended room only to its own host, unless anyone may take it', async () => {
        const r = room();
        await open(r);
        await endRoom(r);
        // another host: the ended room stays
        expect(await engine.history.create(r, record('e2'), opening(r), 'someone-else')).toEqual({
          created: false,
        });
        expect(await engine.history.load(r, 5)).toMatchObject({ record: { epoch: 'e1' } });
        // its own host ('h') may start it over
        expect(await engine.history.create(r, record('e3'), opening(r), 'h')).toEqual({
          created: true,
        });
        expect(await engine.history.load(r, 5)).toMatchObject({ record: { epoch: 'e3' } });
        // a live room is never replaced, whoever asks
        expect(await engine.history.create(r, record('e4'), opening(r), null)).toEqual({
          created: false,
        });
      });
    });

    describe('broker', () => {
      const listen = async (on: Engine, r: string) => {
        const messages: BrokerMessage[] = [];
        const stop = await on.broker.subscribe(r, {
          message: (m) => messages.push(m),
          resync: () => undefined,
        });
        return { messages, stop };
      };
      const seqs = (messages: BrokerMessage[]) =>
        messages.flatMap((m) => (m.kind === 'event' ? [m.event.seq] : []));

      it('delivers every node’s appends to every node in one seq order', async () => {
        const [a, b] = (await make(2)) as [Engine, Engine];
        engine = a;
        const r = room();
        const onA = await listen(a, r);
        const onB = await listen(b, r);
        await open(r);
        await Promise.all(Array.from({ length: 40 }, (_, i) => append(r, `m${i}`, i % 2 ? a : b)));
        const all = Array.from({ length: 41 }, (_, i) => i + 1);
        await eventuallyAsync(() => Promise.resolve(seqs(onB.messages).length === 41));
        await eventuallyAsync(() => Promise.resolve(seqs(onA.messages).length === 41));
        expect(seqs(onA.messages)).toEqual(all);
        expect(seqs(onB.messages)).toEqual(all);
        expect(onB.messages[0]).toMatchObject({ kind: 'event', epoch: 'e1' });
        onB.stop();
        await append(r, 'late');
        await eventuallyAsync(() => Promise.resolve(seqs(onA.messages).length === 42));
        expect(seqs(onB.messages)).toHaveLength(41);
      });

      it('publishes unsequenced messages to every subscriber', async () => {
        const [a, b] = (await make(2)) as [Engine, Engine];
        const r = room();
        const onB = await listen(b, r);
        const message: BrokerMessage = {
          kind: 'reactions',
          node: a.broker.nodeId,
          counts: { heart: 3 },
        };
        await a.broker.publish(r, message);
        await eventuallyAsync(() => Promise.resolve(onB.messages.length === 1));
        expect(onB.messages).toEqual([message]);
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

      it('sums members over nodes, and a node that closes takes its members with it', async () => {
        const [a, b] = (await make(2)) as [Engine, Engine];
        const r = room();
        await a.presence.add(r, 'a1');
        await a.presence.add(r, 'a2');
        await b.presence.add(r, 'b1');
        expect(await a.presence.count(r)).toBe(3);
        expect(await b.presence.count(r)).toBe(3);
        if (a !== b) {
          await b.close();
          expect(await a.presence.count(r)).toBe(2);
        }
      });

      it('remembers when a user first arrived in a room, whichever node saw them', async () => {
        const [a, b] = (await make(2)) as [Engine, Engine];
        const [r, other] = [room(), room()];
        expect(await a.presence.arrived(r, 'u1', 1000)).toBe(1000);
        expect(await b.presence.arrived(r, 'u1', 5000)).toBe(1000);
        expect(await b.presence.arrived(r, 'u2', 5000)).toBe(5000);
        expect(await a.presence.arrived(other, 'u1', 7000)).toBe(7000);
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

      it('leases whole tokens up to a maximum, and says how long until one is back', async () => {
        const key = room();
        const big = { capacity: 10, refillPerSecond: 2 };
        expect(await engine.rateLimits.takeUpTo(key, big, 4)).toEqual({
          granted: 4,
          retryAfterMs: 0,
        });
        expect(await engine.rateLimits.takeUpTo(key, big, 8)).toEqual({
          granted: 6,
          retryAfterMs: 0,
        });
        expect(await engine.rateLimits.takeUpTo(key, big, 8)).toEqual({
          granted: 0,
          retryAfterMs: 500,
        });
        expect((await engine.rateLimits.take(key, big)).allowed).toBe(false);
        clock += 1250; // 2.5 tokens back: two whole ones, half of one left
        expect(await engine.rateLimits.takeUpTo(key, big, 8)).toEqual({
          granted: 2,
          retryAfterMs: 0,
        });
        expect(await engine.rateLimits.takeUpTo(key, big, 8)).toEqual({
          granted: 0,
          retryAfterMs: 250,
        });
      });

      it('is one budget across nodes, atomic under concurrent takes', async () => {
        const [a, b] = (await make(2)) as [Engine, Engine];
        const key = room();
        const results = await Promise.all(
          Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).rateLimits.take(key, rule)),
        );
        expect(results.filter((r) => r.allowed)).toHaveLength(3);
      });
    });

    it('reports ready', () => {
      expect(engine.isReady()).toBe(true);
    });
  });
}
