import type { InventoryPort, MerchantEvent, MerchantOutboxPort } from '../../../rooms/index.js';
import { holdSecret } from '../../ids.js';
import { MemoryInventory, type InventorySnapshot } from '../memory/inventory.js';
import { MemoryMerchantOutbox, type OutboxSnapshot } from '../memory/merchant-outbox.js';
import type { Journal, JournalEntry } from './journal.js';
import { trimArgs } from './replayed.js';

/** Journal entries of a port after which its state replaces them (a snapshot). */
const COMPACT_EVERY = 20_000;

/** The inventory calls that change a drop (or may: `stock` and `unrelayed` expire holds by time). */
const INVENTORY_WRITES = [
  'createDrop',
  'claim',
  'checkout',
  'cancel',
  'stock',
  'draw',
  'unrelayed',
  'markRelayed',
  'closeRelay',
] as const;
/** Those whose answer a client acts on: answered only once committed. */
const ANSWERED = new Set<string>([
  'createDrop',
  'claim',
  'checkout',
  'cancel',
  'draw',
  'markRelayed',
  'closeRelay',
]);

/** The calls that only read. */
const INVENTORY_READS = ['dropsOf', 'claimed', 'hold', 'orders', 'lottery', 'openDrops'] as const;

type InventoryOp = (typeof INVENTORY_WRITES)[number] | (typeof INVENTORY_READS)[number];

/**
 * The embedded engine's drops, durable: the memory inventory (the same rules as the Redis
 * scripts) with every call that changes it journalled first-come first-written, and answered
 * once its entry is committed. Every call takes its time as an argument, and the hold secrets a
 * call draws are journalled with it, so replaying the journal into a fresh memory inventory
 * rebuilds the same drops, holds, orders and logs: after `kill -9`, every answer a buyer got
 * still holds.
 */
export function durableInventory(journal: Journal, compactEvery = COMPACT_EVERY): InventoryPort {
  // in a live call, secrets are drawn at random and noted; in a replay, the noted ones come back
  let drawing: string[] | null = null;
  let replaying: string[] | null = null;
  const secret = () => {
    if (replaying) {
      const next = replaying.shift();
      if (next === undefined)
        throw new Error('the journal holds fewer hold secrets than its replay draws');
      return next;
    }
    const drawn = holdSecret();
    drawing?.push(drawn);
    return drawn;
  };
  const inner = new MemoryInventory(secret);
  const call = (op: string, args: unknown[]) =>
    (inner[op as InventoryOp] as (...a: unknown[]) => Promise<unknown>).apply(inner, args);

  const snapshot = journal.snapshotOf('inventory');
  if (snapshot !== undefined) inner.restore(snapshot as InventorySnapshot);
  let sinceSnapshot = 0;
  for (const entry of journal.entries('inventory')) {
    sinceSnapshot += 1;
    replaying = [...(entry.drawn ?? [])];
    // the call's effect happens when it is made; its answer (or refusal) was given back then
    call(entry.op, entry.args).catch(() => undefined);
    replaying = null;
  }

  const port: Record<string, unknown> = {};
  for (const op of INVENTORY_READS) port[op] = (...args: unknown[]) => call(op, args);
  for (const op of INVENTORY_WRITES) {
    port[op] = async (...args: unknown[]) => {
      drawing = [];
      let answer: Promise<unknown> | undefined;
      try {
        answer = call(op, args);
      } finally {
        const drawn = drawing;
        drawing = null;
        const entry: JournalEntry = { port: 'inventory', op, args: trimArgs(args), drawn };
        const committed = journal.append(entry);
        // a refusal is answered after the commit too: it is not left unhandled meanwhile
        answer?.catch(() => undefined);
        // the journal would grow with every claim: now and then, the state replaces it
        if (++sinceSnapshot >= compactEvery) {
          sinceSnapshot = 0;
          journal.compact('inventory', inner.snapshot()).catch(() => undefined);
        }
        if (ANSWERED.has(op)) await committed;
        else committed.catch(() => undefined);
      }
      return answer;
    };
  }
  return port as unknown as InventoryPort;
}

/**
 * The embedded merchant outbox, durable: appends and confirmations are journalled (answered once
 * committed); who took what is not, so after a restart every unconfirmed event goes out again
 * (at least once, as the outbox promises; merchants drop duplicates by event id).
 */
export function durableOutbox(
  journal: Journal,
  now: () => number,
  compactEvery = COMPACT_EVERY,
): MerchantOutboxPort {
  const inner = new MemoryMerchantOutbox(now);
  const snapshot = journal.snapshotOf('outbox');
  if (snapshot !== undefined) inner.restore(snapshot as OutboxSnapshot);
  let sinceSnapshot = 0;
  const noted = () => {
    if (++sinceSnapshot < compactEvery) return;
    sinceSnapshot = 0;
    journal.compact('outbox', inner.snapshot()).catch(() => undefined);
  };
  for (const entry of journal.entries('outbox')) {
    sinceSnapshot += 1;
    if (entry.op === 'append')
      void inner.append(entry.args[0] as MerchantEvent, entry.args[1] as number);
    else if (entry.op === 'delivered') void inner.delivered(entry.args[0] as string);
  }
  return {
    async append(event, at) {
      const result = await inner.append(event, at);
      if (result.appended) {
        const committed = journal.append({ port: 'outbox', op: 'append', args: [event, at] });
        noted();
        await committed;
      }
      return result;
    },
    take: (sender, limit, reclaimAfterMs) => inner.take(sender, limit, reclaimAfterMs),
    async delivered(id) {
      await inner.delivered(id);
      const committed = journal.append({ port: 'outbox', op: 'delivered', args: [id] });
      noted();
      await committed;
    },
    recent: (limit) => inner.recent(limit),
    lead: () => inner.lead(),
  };
}
