import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import type { ClaimResult, CheckoutResult } from '../../../client-sdk/src/protocol/index.js';
import type { InventoryPort } from '../../../rooms/index.js';
import { engineContract } from '../../../test/contracts/engine.contract.js';
import { drop, inventoryContract } from '../../../test/contracts/inventory.contract.js';
import { merchantOutboxContract } from '../../../test/contracts/merchant-outbox.contract.js';
import { createMemoryEngine } from '../memory/index.js';
import { Journal } from './journal.js';
import { durableInventory, durableOutbox } from './ports.js';

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});
const journalFile = () => {
  const dir = mkdtempSync(join(tmpdir(), 'liveshop-journal-'));
  dirs.push(dir);
  return join(dir, 'liveshop.db');
};

// the durable engine and ports answer exactly as the memory ones do
engineContract('embedded, durable', (options, nodes) => {
  const engine = createMemoryEngine({ ...options, dataDir: dirname(journalFile()) });
  return Promise.resolve(Array.from({ length: nodes }, () => engine));
});
inventoryContract(
  'embedded, journalled',
  () => {
    const inventory = durableInventory(new Journal(journalFile()));
    return Promise.resolve([inventory, inventory]);
  },
  { runs: 100 },
);
merchantOutboxContract('embedded, journalled', () =>
  Promise.resolve(durableOutbox(new Journal(journalFile()), Date.now)),
);
merchantOutboxContract('embedded, journalled, a snapshot every other entry', () =>
  Promise.resolve(durableOutbox(new Journal(journalFile()), Date.now, 2)),
);

const DROP = drop('drop-1', { quantity: 4, startsAt: 0 });

type Step =
  | { kind: 'claim'; buyer: number }
  | { kind: 'checkout'; buyer: number }
  | { kind: 'cancel'; buyer: number }
  | { kind: 'advance'; ms: number };

const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('claim' as const), buyer: fc.nat(7) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('checkout' as const), buyer: fc.nat(7) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('cancel' as const), buyer: fc.nat(7) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('advance' as const), ms: fc.nat(1500) }) },
);

describe('the embedded engine across a restart', () => {
  it('rebuilds from its journal every answer, hold, order and stock count (random interleavings)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(step, { maxLength: 40 }),
        fc.nat(40),
        // how often a snapshot replaces the journal (never, here, or every few entries)
        fc.constantFrom(1_000_000, 1, 2, 3, 7),
        async (steps, cut, compactEvery) => {
          const file = journalFile();
          let journal = new Journal(file);
          let inventory: InventoryPort = durableInventory(journal, compactEvery);
          let now = 10;
          await inventory.createDrop(DROP, now);
          const claims = new Map<number, { key: string; answer: ClaimResult }>();
          const checkouts: { buyer: number; key: string; answer: CheckoutResult }[] = [];
          for (const [i, s] of steps.entries()) {
            // the process dies (all it answered was committed) and starts again from the file; the
            // file is the process's alone, so the old one lets go of it first
            if (i === cut) {
              journal.close();
              journal = new Journal(file);
              inventory = durableInventory(journal, compactEvery);
            }
            const buyer = `b${s.kind === 'advance' ? 0 : s.buyer}`;
            if (s.kind === 'advance') now += s.ms;
            else if (s.kind === 'claim') {
              const key = `k${i}`;
              const answer = await inventory.claim(DROP.id, buyer, key, now);
              if (answer.outcome === 'held') claims.set(s.buyer, { key, answer });
            } else {
              const held = claims.get(s.buyer)?.answer;
              if (held?.outcome !== 'held') continue;
              if (s.kind === 'cancel') await inventory.cancel(DROP.id, held.holdId, buyer, now);
              else {
                const key = `c${i}`;
                const answer = await inventory.checkout(DROP.id, held.holdId, buyer, key, now);
                checkouts.push({ buyer: s.buyer, key, answer });
              }
            }
          }
          const before = {
            stock: await inventory.stock(DROP.id, now),
            orders: await inventory.orders(DROP.id),
          };
          journal.close();
          const last = new Journal(file);
          const again = durableInventory(last, compactEvery);
          // the same stock and orders, and every answer given stays the answer (ids and all)
          expect(await again.stock(DROP.id, now)).toEqual(before.stock);
          expect(await again.orders(DROP.id)).toEqual(before.orders);
          for (const [buyer, { key, answer }] of claims)
            expect(await again.claimed(DROP.id, `b${buyer}`, key)).toEqual(answer);
          for (const { buyer, key, answer } of checkouts) {
            const held = claims.get(buyer)?.answer;
            if (held?.outcome !== 'held') continue;
            expect(await again.checkout(DROP.id, held.holdId, `b${buyer}`, key, now)).toEqual(
              answer,
            );
          }
          // never more sold than there was
          expect(before.orders.length).toBeLessThanOrEqual(DROP.quantity);
          last.close();
        },
      ),
      { numRuns: 100 },
    );
  });

  it('keeps rooms and their recent events: a restarted engine loads them and resumes from them', async () => {
    const dataDir = dirname(journalFile());
    const first = createMemoryEngine({ historyLength: 5, dataDir });
    const control = {
      stream: {
        state: 'live' as const,
        hostId: 'hana',
        title: 'Show',
        description: '',
        coverUrl: null,
        scheduledAt: null,
        startedAt: 1,
        endedAt: null,
      },
      slowModeSeconds: 0,
      pinned: [],
      products: [],
      pinnedProducts: [],
      moderators: [],
      shield: null,
      admission: null,
    };
    const author = { id: 'u', name: 'U', role: 'viewer' as const };
    await first.history.create(
      'show',
      { epoch: 'e1', control, version: 0 },
      {
        type: 'stream:updated',
        roomId: 'show',
        stream: control.stream,
      },
    );
    for (let i = 0; i < 12; i++)
      await first.history.append(
        'show',
        'e1',
        { type: 'chat:message', roomId: 'show', id: `m${i}`, author, text: `hi ${i}` },
        `key${i}`,
      );
    const before = await first.history.load('show', 5);
    // the commits a crash would leave: what was written before it (the journal flushes on close)
    await first.close();
    const again = createMemoryEngine({ historyLength: 5, dataDir });
    expect(await again.history.load('show', 5)).toEqual(before);
    expect(await again.history.lastSeq('show')).toBe(13);
    const since = await again.history.since('show', 10, 100, 'e1');
    expect(since.complete).toBe(true);
    expect(since.events.map((e) => e.seq)).toEqual([11, 12, 13]);
    // a retry of a send made before the restart is still the same message
    const retried = await again.history.append(
      'show',
      'e1',
      { type: 'chat:message', roomId: 'show', id: 'other', author, text: 'again' },
      'key11',
    );
    expect(retried).toMatchObject({ ok: true, event: { id: 'm11', seq: 13 } });
    await again.close();
  });

  it('keeps the merchant events not yet delivered across a restart, snapshots or not', async () => {
    for (const compactEvery of [1_000_000, 1, 3]) {
      const file = journalFile();
      let journal = new Journal(file);
      let outbox = durableOutbox(journal, () => 5_000, compactEvery);
      const event = (id: string) => ({ id, type: 'order.created', at: 1, data: { id } });
      for (const id of ['e1', 'e2', 'e3', 'e4']) await outbox.append(event(id), 1_000);
      await outbox.delivered('e2');
      expect((await outbox.take('s1', 10, 60_000)).map((e) => e.id)).toEqual(['e1', 'e3', 'e4']);
      journal.close();
      journal = new Journal(file);
      outbox = durableOutbox(journal, () => 5_000, compactEvery);
      // taken before the restart, unconfirmed: handed out again; a known id is not appended twice
      expect((await outbox.take('s2', 10, 60_000)).map((e) => e.id)).toEqual(['e1', 'e3', 'e4']);
      expect(await outbox.append(event('e1'), 2_000)).toEqual({ appended: false });
      expect((await outbox.recent(10)).map((e) => e.id)).toEqual(['e1', 'e2', 'e3', 'e4']);
      journal.close();
    }
  });

  it('stops answering once a commit fails: writes refused as UNAVAILABLE, the engine not ready', async () => {
    const failures: Error[] = [];
    const engine = createMemoryEngine({
      historyLength: 10,
      dataDir: dirname(journalFile()),
      onJournalBroken: (error) => failures.push(error),
    });
    await engine.inventory.createDrop(DROP, 10);
    expect(engine.isReady()).toBe(true);
    expect(engine.notReadyReason?.()).toBeNull();
    // the file goes away under the process, as a full or lost disk would make a commit fail
    engine.journal?.database.close();
    await expect(engine.inventory.claim(DROP.id, 'ann', 'k1', 20)).rejects.toMatchObject({
      code: 'UNAVAILABLE',
    });
    expect(engine.isReady()).toBe(false);
    // said once, loudly (the server logs it as an error and counts it), and /readyz says why
    expect(failures).toHaveLength(1);
    expect(engine.notReadyReason?.()).toMatch(/failed to commit/);
    // nothing more is written or answered until a restart from the file
    await expect(engine.inventory.claim(DROP.id, 'bob', 'k2', 20)).rejects.toMatchObject({
      code: 'UNAVAILABLE',
    });
    await expect(
      engine.merchantOutbox.append({ id: 'e1', type: 't', at: 1, data: {} }, 1),
    ).rejects.toMatchObject({ code: 'UNAVAILABLE' });
  });

  it('refuses a second journal on the same file (one server per DATA_DIR)', () => {
    const file = journalFile();
    const first = new Journal(file);
    expect(() => new Journal(file)).toThrow(/in use by another process/);
    first.close();
    new Journal(file).close();
  });

  it('gives a hold made before the restart to its buyer at checkout after it', async () => {
    const file = journalFile();
    const firstJournal = new Journal(file);
    const first = durableInventory(firstJournal);
    await first.createDrop(DROP, 10);
    const held = await first.claim(DROP.id, 'ann', 'k1', 20);
    if (held.outcome !== 'held') throw new Error('not held');
    firstJournal.close();
    const after = durableInventory(new Journal(file));
    expect(await after.checkout(DROP.id, held.holdId, 'ann', 'c1', 30)).toMatchObject({
      outcome: 'ordered',
      holdId: held.holdId,
    });
    expect(await after.orders(DROP.id)).toHaveLength(1);
  });
});
