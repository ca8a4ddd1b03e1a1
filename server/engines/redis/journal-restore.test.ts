import fc from 'fast-check';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { drop } from '../../../test/contracts/inventory.contract.js';
import { usePostgres } from '../../../test/helpers/postgres.js';
import { useRedis } from '../../../test/helpers/redis.js';
import { createRedisEngine, type RedisEngine } from './index.js';

const redis = useRedis();
const postgres = usePostgres();

type Step =
  | { kind: 'claim'; node: number; buyer: number }
  | { kind: 'checkout'; node: number; hold: number; retry: boolean }
  | { kind: 'cancel'; node: number; hold: number }
  | { kind: 'advance'; ms: number }
  /** Remember Redis as a replica would have it (then lagging behind). */
  | { kind: 'snapshot' }
  /** Redis comes back empty (restarted without persistence, FLUSHALL). */
  | { kind: 'empty'; audit: boolean }
  /** Redis is replaced by the replica as it was at the last snapshot, promoted while lagging. */
  | { kind: 'stale'; audit: boolean }
  /** The periodic audit comes round (after a failover: it sees the new replication id). */
  | { kind: 'audit'; node: number };

const node = fc.nat(1);
const step: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({ kind: fc.constant('claim' as const), node, buyer: fc.nat(3) }),
  },
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant('checkout' as const),
      node,
      hold: fc.nat(30),
      retry: fc.boolean(),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('cancel' as const), node, hold: fc.nat(30) }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('advance' as const), ms: fc.nat(1500) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('snapshot' as const) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('empty' as const), audit: fc.boolean() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('stale' as const), audit: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('audit' as const), node }) },
);

/** Every key under a prefix, with its dump (what a replica holds). */
async function dumpAll(admin: Redis, prefix: string): Promise<Map<string, Buffer>> {
  const keys = await admin.keys(`${prefix}*`);
  const dumps = new Map<string, Buffer>();
  for (const key of keys) dumps.set(key, await admin.dumpBuffer(key));
  return dumps;
}

async function wipe(admin: Redis, prefix: string): Promise<void> {
  const keys = await admin.keys(`${prefix}*`);
  if (keys.length > 0) await admin.del(...keys);
}

describe('the Redis engine with its order journal, when Redis loses data', () => {
  it('says it is restoring (the /readyz reason) while it writes a lost drop back, then is ready again', async () => {
    const prefix = redis.prefix();
    const engine = createRedisEngine({
      url: redis.url,
      keyPrefix: prefix,
      historyLength: 10,
      logger: pino({ level: 'silent' }),
      journal: { url: postgres.url, schema: postgres.schema(), auditMs: 3_600_000 },
    });
    const admin = new Redis(redis.url);
    try {
      await engine.ready();
      await engine.inventory.createDrop(drop('ready-drop', { quantity: 2 }), 0);
      const claim = await engine.inventory.claim('ready-drop', 'b', 'key-b-0001', 1000);
      if (claim.outcome !== 'held') throw new Error('no hold');
      await engine.inventory.checkout('ready-drop', claim.holdId, 'b', 'key-b-0002', 1000);
      expect(engine.notReadyReason?.()).toBeNull();
      // Redis loses the drop (the sentinel key is put back, so the audit goes straight to the drops)
      await engine.recovery!.audit();
      const sentinel = `${prefix}{merchant}:sentinel`;
      const seen = await admin.get(sentinel);
      await wipe(admin, prefix);
      if (seen) await admin.set(sentinel, seen);
      // Redis takes no writes for a while: the audit finds the drop gone and is caught writing it back
      await admin.call('CLIENT', 'PAUSE', '10000', 'WRITE');
      const audit = { done: false };
      const audited = engine.recovery!.audit().finally(() => (audit.done = true));
      let reason: string | null | undefined = null;
      while (!audit.done && !(reason = engine.notReadyReason?.()))
        await new Promise((resolve) => setImmediate(resolve));
      expect(reason).toMatch(/^restoring 1 drop\(s\) from the order journal/);
      await admin.call('CLIENT', 'UNPAUSE');
      await audited;
      expect(await engine.inventory.stock('ready-drop', 2000)).toMatchObject({
        sold: 1,
        remaining: 1,
        held: 0,
      });
      expect(engine.notReadyReason?.()).toBeNull();
    } finally {
      await admin.call('CLIENT', 'UNPAUSE').catch(() => undefined);
      admin.disconnect();
      await engine.close();
    }
  });

  it('loses no confirmed order, oversells nothing and never repeats an id, whether Redis comes back empty or stale', async () => {
    const admin = new Redis(redis.url);
    try {
      await fc.assert(
        fc.asyncProperty(fc.array(step, { minLength: 5, maxLength: 40 }), async (steps) => {
          const prefix = redis.prefix();
          const schema = postgres.schema();
          const nodes: RedisEngine[] = [0, 1].map((i) =>
            createRedisEngine({
              url: redis.url,
              keyPrefix: prefix,
              nodeId: `n${i}`,
              historyLength: 10,
              logger: pino({ level: 'silent' }),
              // the audit runs when the test says (a step, or never: a script finds the drop gone)
              journal: { url: postgres.url, schema, auditMs: 3_600_000 },
            }),
          );
          try {
            await Promise.all(nodes.map((n) => n.ready()));
            const inv = (i: number) => nodes[i % 2]!.inventory;
            const recovery = (i: number) => nodes[i % 2]!.recovery!;
            const id = 'drop';
            const quantity = 4;
            await inv(0).createDrop(drop(id, { quantity, perBuyerCap: 2 }), 0);
            let now = 1000;
            let keys = 0;
            const holds: { holdId: string; buyer: string; lost: boolean; key: string }[] = [];
            /** Orders a buyer heard of: id → hold. */
            const confirmed = new Map<string, string>();
            const holdIds = new Set<string>();
            let snapshot: Map<string, Buffer> | undefined;
            /** A stale Redis not audited yet: until then, a hold it forgot is just not found. */
            let unaudited = false;

            for (const s of steps) {
              if (s.kind === 'claim') {
                const answer = await inv(s.node).claim(id, `b${s.buyer}`, `k${++keys}`, now);
                if (answer.outcome === 'held') {
                  // a new hold never takes an id given out before, lost or not
                  expect(holdIds.has(answer.holdId)).toBe(false);
                  holdIds.add(answer.holdId);
                  holds.push({
                    holdId: answer.holdId,
                    buyer: `b${s.buyer}`,
                    // a stale Redis not found out yet gives holds the restore will not know
                    lost: unaudited,
                    key: `c${keys}`,
                  });
                }
              } else if (s.kind === 'checkout' || s.kind === 'cancel') {
                const h = holds[s.hold % Math.max(1, holds.length)];
                if (!h) continue;
                const answer =
                  s.kind === 'checkout'
                    ? await inv(s.node).checkout(
                        id,
                        h.holdId,
                        h.buyer,
                        s.retry ? h.key : `x${++keys}`,
                        now,
                      )
                    : await inv(s.node).cancel(id, h.holdId, h.buyer, now);
                if (answer.outcome === 'ordered') {
                  const before = confirmed.get(answer.orderId);
                  // one order id, one hold: a retry gets the same order, nobody else's
                  if (before) expect(before).toBe(h.holdId);
                  for (const [order, hold] of confirmed)
                    if (hold === h.holdId) expect(order).toBe(answer.orderId);
                  confirmed.set(answer.orderId, h.holdId);
                }
                // a hold Redis forgot answers hold_lost; one it kept answers as ever
                if (answer.outcome === 'hold_lost') expect(h.lost).toBe(true);
                if (answer.outcome === 'not_found') expect(h.lost && unaudited).toBe(true);
              } else if (s.kind === 'advance') {
                now += s.ms;
              } else if (s.kind === 'snapshot') {
                snapshot = await dumpAll(admin, prefix);
              } else if (s.kind === 'empty') {
                await wipe(admin, prefix);
                for (const h of holds) h.lost = true;
                if (s.audit) await recovery(0).audit();
              } else if (s.kind === 'stale' && snapshot) {
                await wipe(admin, prefix);
                for (const [key, dumped] of snapshot)
                  await admin.restore(key, 0, dumped, 'REPLACE');
                for (const h of holds) h.lost = true;
                unaudited = true;
                if (s.audit) {
                  // a promoted replica has a new replication id: every node's audit suspects it
                  await recovery(1).audit({ suspect: true });
                  unaudited = false;
                }
              } else if (s.kind === 'audit') {
                await recovery(s.node).audit({ suspect: unaudited });
                unaudited = false;
              }
              await Promise.all([recovery(0).idle(), recovery(1).idle()]);

              // the books: every confirmed order listed, no unit sold twice, stock adds up
              const orders = await inv(0).orders(id);
              const stock = await inv(1).stock(id, now);
              await Promise.all([recovery(0).idle(), recovery(1).idle()]);
              expect(stock).toBeDefined();
              expect(orders.length).toBeLessThanOrEqual(quantity);
              expect(new Set(orders.map((o) => o.orderId)).size).toBe(orders.length);
              expect(new Set(orders.map((o) => o.holdId)).size).toBe(orders.length);
              for (const [orderId, holdId] of confirmed)
                expect(orders.find((o) => o.orderId === orderId)?.holdId).toBe(holdId);
              const after = await inv(1).stock(id, now);
              expect(after!.remaining + after!.held + after!.sold).toBe(quantity);
              // Redis's own count agrees with the journal's, once a stale Redis has been found out
              // (before, the journal refuses what it would oversell: the orders above never pass it)
              if (!unaudited) expect(after!.sold).toBe((await inv(0).orders(id)).length);
            }
          } finally {
            await Promise.all(nodes.map((n) => n.close()));
          }
        }),
        { numRuns: 100 },
      );
    } finally {
      admin.disconnect();
    }
  }, 120_000);
});
