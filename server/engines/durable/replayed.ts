import { MemoryAuctions } from '../memory/auctions.js';
import { MemoryGiveaways } from '../memory/giveaways.js';
import type { Journal } from './journal.js';

/** Journal entries of a port after which its state replaces them (a snapshot). */
const COMPACT_EVERY = 20_000;

/** A memory store whose state can be written out and read back. */
export interface Snapshotting {
  snapshot(): unknown;
  restore(snapshot: unknown): void;
}

/**
 * A memory store made durable by its journal: every call that changes it is journalled in the
 * order it was made (the store changes synchronously, so that is the order of its effects) and
 * those in `answered` are answered once committed; a restart replays the journal, after the last
 * snapshot, into a fresh store. Every call takes its time as an argument and draws nothing at
 * random, so the replay rebuilds the same state: what a bidder or an entrant was told survives
 * `kill -9`.
 */
export function durableStore<T extends Snapshotting>(
  journal: Journal,
  port: string,
  inner: T,
  writes: readonly (keyof T & string)[],
  answered: ReadonlySet<string>,
  compactEvery = COMPACT_EVERY,
): T {
  const call = (op: string, args: unknown[]) =>
    (inner[op as keyof T] as (...a: unknown[]) => Promise<unknown>).apply(inner, args);
  const snapshot = journal.snapshotOf(port);
  if (snapshot !== undefined) inner.restore(snapshot);
  let sinceSnapshot = 0;
  for (const entry of journal.entries(port)) {
    sinceSnapshot += 1;
    // its effect happened when it was made; its answer (or refusal) was given back then
    call(entry.op, entry.args).catch(() => undefined);
  }
  const writing = new Set<string>(writes);
  return new Proxy(inner, {
    get(target, name, receiver) {
      const value: unknown = Reflect.get(target, name, receiver);
      if (typeof name !== 'string' || !writing.has(name) || typeof value !== 'function')
        return value;
      return async (...args: unknown[]) => {
        const answer = call(name, args);
        const committed = journal.append({ port, op: name, args: trimArgs(args) });
        answer.catch(() => undefined);
        if (++sinceSnapshot >= compactEvery) {
          sinceSnapshot = 0;
          journal.compact(port, inner.snapshot()).catch(() => undefined);
        }
        if (answered.has(name)) await committed;
        else committed.catch(() => undefined);
        return answer;
      };
    },
  });
}

/** JSON keeps `undefined` array slots as null: optional trailing arguments are left out. */
export function trimArgs(args: unknown[]): unknown[] {
  const out = [...args];
  while (out.length > 0 && out.at(-1) === undefined) out.pop();
  return out;
}

/**
 * The calls that change an auction or a giveaway, journalled (those answered, once committed).
 * Looks are not, though they move a clock: in one process, the clock after a restart is later
 * than any a lost look set.
 */
const AUCTION_WRITES = ['createAuction', 'startAuction', 'bid', 'settle'] as const;
const GIVEAWAY_WRITES = [
  'createGiveaway',
  'enter',
  'seen',
  'left',
  'close',
  'commitDraw',
  'notePurchase',
] as const;
const GIVEAWAY_ANSWERED = new Set([
  'createGiveaway',
  'enter',
  'close',
  'commitDraw',
  'notePurchase',
]);

/** The embedded engine's auctions, durable (every bid answered once journalled). */
export const durableAuctions = (journal: Journal, compactEvery?: number) =>
  durableStore(
    journal,
    'auctions',
    new MemoryAuctions(),
    AUCTION_WRITES,
    new Set(AUCTION_WRITES),
    compactEvery,
  );

/** The embedded engine's giveaways, durable (entries and draws answered once journalled). */
export const durableGiveaways = (journal: Journal, compactEvery?: number) =>
  durableStore(
    journal,
    'giveaways',
    new MemoryGiveaways(),
    GIVEAWAY_WRITES,
    GIVEAWAY_ANSWERED,
    compactEvery,
  );
