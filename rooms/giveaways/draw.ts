import type { GiveawayState } from '../../client-sdk/src/protocol/index.js';
import type {
  GiveawayDefinition,
  GiveawayPort,
  GiveawayRecord,
  GiveawaySummary,
} from '../ports/giveaways.js';
import type { HoldRecord, InventoryPort } from '../ports/inventory.js';
import { drawGiveaway, redrawLapsed } from './book.js';
import { bookOf, drawRecordOf, PRESENT_WITHIN_MS, PRIZE_KEY, prizeDrop } from './decisions.js';

/**
 * A giveaway's draws, as any node runs them: computed from the stored record by the shared rule,
 * committed only at the version they were computed from (so when two nodes draw at once, one
 * draw stands), and the winners of the draw that stands get their prizes (idempotent: fixed drop
 * ids and hold key), so a node that crashes halfway leaves the rest to the next one.
 */

export interface DrawPorts {
  giveaways: GiveawayPort;
  inventory: InventoryPort;
  now(): number;
  sha256(text: string): string;
}

/**
 * Draws a giveaway whose window has closed, or draws again for each prize whose hold lapsed;
 * does nothing otherwise. An entrant is eligible if a node saw them within
 * {@link PRESENT_WITHIN_MS} of the draw (and did not see them leave) and they watched long enough.
 */
export async function drawOrRedraw(ports: DrawPorts, giveaway: GiveawayDefinition): Promise<void> {
  const record = await ports.giveaways.record(giveaway.id, ports.now());
  if (!record) return;
  const sha256 = (text: string) => ports.sha256(text);
  if (!record.drawn) {
    if (record.clock < record.closesAt) return;
    const book = bookOf(record);
    const seen = new Map(record.entries.map((e) => [e.userId, e]));
    const presence = (userId: string) => {
      const e = seen.get(userId);
      return {
        present: e !== undefined && e.seenAt > 0 && record.clock - e.seenAt <= PRESENT_WITHIN_MS,
        watchedMs: e?.watchedMs ?? 0,
      };
    };
    await drawGiveaway(book, presence, record.clock, sha256);
    const drawn = drawRecordOf(book, giveaway);
    if (drawn) await ports.giveaways.commitDraw(giveaway.id, record.version, drawn);
    return;
  }
  const keep = await unlapsed(ports, record);
  if (keep.size === record.drawn.prizes.length) return;
  const book = bookOf(record, keep);
  await redrawLapsed(book, record.clock, sha256);
  const drawn = drawRecordOf(book, giveaway);
  if (drawn) await ports.giveaways.commitDraw(giveaway.id, record.version, drawn);
}

/** The prizes still claimable or claimed: a hold checked out, or not yet run out. */
async function unlapsed(ports: DrawPorts, record: GiveawayRecord): Promise<Set<string>> {
  const keep = new Set<string>();
  const now = Math.max(ports.now(), record.clock);
  for (const prize of record.drawn?.prizes ?? []) {
    const hold = await prizeHold(ports.inventory, prize.dropId, prize.userId);
    // no hold at all by the deadline: it could not be given in time, so it lapsed too
    const lapsed =
      hold === undefined
        ? now >= prize.claimBy
        : hold.status === 'expired' || (hold.status === 'active' && hold.expiresAt <= now);
    if (!lapsed || now < prize.claimBy) keep.add(prize.ticket);
  }
  return keep;
}

/** Each winner of the committed draw holds their prize at 0 until the prize's deadline. */
export async function givePrizes(
  ports: DrawPorts,
  giveaway: GiveawayDefinition,
  changed: (dropId: string) => void,
): Promise<void> {
  const drawn = (await ports.giveaways.summary(giveaway.id, ports.now()))?.drawn;
  if (!drawn) return;
  for (const prize of drawn.prizes) {
    const drop = prizeDrop(giveaway, prize.ticket, drawn.at, prize.claimBy);
    const at = Math.max(ports.now(), drawn.at);
    await ports.inventory.createDrop(drop, at);
    await ports.inventory.claim(drop.id, prize.userId, PRIZE_KEY, at);
    changed(drop.id);
  }
}

/** A winner's prize hold, once given. */
export async function prizeHold(
  inventory: InventoryPort,
  dropId: string,
  userId: string,
): Promise<HoldRecord | undefined> {
  const claim = await inventory.claimed(dropId, userId, PRIZE_KEY);
  if (claim?.outcome !== 'held') return undefined;
  return inventory.hold(dropId, claim.holdId);
}

/** Each prize of a drawn giveaway with its winner's hold, and whether they claimed it. */
export function prizeStates(
  inventory: InventoryPort,
  summary: GiveawaySummary,
): Promise<GiveawayState['prizes']> {
  return Promise.all(
    (summary.drawn?.prizes ?? []).map(async (p) => {
      const hold = await prizeHold(inventory, p.dropId, p.userId);
      return {
        userId: p.userId,
        claimBy: p.claimBy,
        dropId: p.dropId,
        holdId: hold?.holdId ?? null,
        claimed: hold?.status === 'ordered',
      };
    }),
  );
}
