import type { LotteryDraw } from './protocol/drops.js';
import type { PreQueueAudit } from './protocol/queue.js';
import { giveawayWinners, type GiveawayDraw } from './protocol/giveaway.js';
import { drawLottery, lotteryTicket } from './protocol/lottery.js';

/** SHA-256 (hex) through WebCrypto: browsers (secure contexts) and Node 20+. */
async function sha256(text: string): Promise<string> {
  const digest = await globalThis.crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}

/** What a check of a lottery's draw found; `ok` only when every point holds. */
export interface LotteryVerdict {
  ok: boolean;
  /** Why not, when not. */
  reason?: string;
}

/**
 * Checks a lottery's draw (from `client.lottery()`) on this device: the revealed seed hashes to
 * the hash published when the drop opened, the winners are exactly the ones the seed picks from
 * the tickets, and, given `buyerId`, that buyer's ticket is among the tickets.
 */
export async function verifyLottery(draw: LotteryDraw, buyerId?: string): Promise<LotteryVerdict> {
  if (!draw.drawn || draw.seed === null) return { ok: false, reason: 'not drawn yet' };
  if ((await sha256(draw.seed)) !== draw.seedHash)
    return { ok: false, reason: 'the seed does not match the published hash' };
  const winners = await drawLottery(draw.seed, draw.tickets, draw.quantity, sha256);
  if (winners.length !== draw.winners.length || winners.some((w, i) => w !== draw.winners[i]))
    return { ok: false, reason: 'the winners are not the ones the seed picks' };
  if (buyerId !== undefined) {
    const ticket = await lotteryTicket(draw.dropId, buyerId, sha256);
    if (!draw.tickets.includes(ticket)) return { ok: false, reason: 'your ticket is not listed' };
    const won = winners.includes(ticket);
    if (draw.mine && draw.mine.won !== won)
      return { ok: false, reason: 'your result does not match the draw' };
  }
  return { ok: true };
}

/**
 * Checks a pre-queue's order (from `client.queueAudit()`) on this device: the revealed seed hashes
 * to the hash published when the pre-queue opened, and the order is the seed's ranking of the
 * entrants (the lottery's rule: lowest SHA-256 of `"<seed>:<publicId>"` first). Given this
 * client's `ticket`, it also finds its place (`position`, 1 first).
 */
export async function verifyQueueOrder(
  audit: PreQueueAudit,
  ticket?: string,
): Promise<LotteryVerdict & { position?: number }> {
  if ((await sha256(audit.seed)) !== audit.seedHash)
    return { ok: false, reason: 'the seed does not match the published hash' };
  const order = await drawLottery(audit.seed, audit.entrants, audit.entrants.length, sha256);
  if (order.length !== audit.order.length || order.some((id, i) => id !== audit.order[i]))
    return { ok: false, reason: 'the order is not the one the seed gives' };
  if (ticket === undefined) return { ok: true };
  const publicId = (await sha256(`${audit.roomId}:${ticket}`)).slice(0, 32);
  const at = order.indexOf(publicId);
  if (at < 0) return { ok: false, reason: 'your ticket is not listed' };
  return { ok: true, position: at + 1 };
}

/**
 * Checks a giveaway's draw on this device: the revealed seed hashes to the hash published when it
 * opened, and `winners` (the tickets announced, prize by prize) are exactly the ones the seed
 * picks from the eligible entries, re-draws included. Given `userId`, it also checks that user's
 * ticket (`"<giveawayId>:<userId>"`, hashed as a lottery ticket) is among the entries.
 */
export async function verifyGiveaway(
  draw: GiveawayDraw & { winnerTickets: readonly string[] },
  userId?: string,
): Promise<LotteryVerdict & { won?: boolean }> {
  if ((await sha256(draw.seed)) !== draw.seedHash)
    return { ok: false, reason: 'the seed does not match the published hash' };
  const winners = await giveawayWinners(draw, sha256);
  const announced = draw.winnerTickets;
  if (winners.length !== announced.length || winners.some((w, i) => w !== announced[i]))
    return { ok: false, reason: 'the winners are not the ones the seed picks' };
  if (userId === undefined) return { ok: true };
  const ticket = await lotteryTicket(draw.giveawayId, userId, sha256);
  if (!draw.entries.some((e) => e.ticket === ticket))
    return { ok: false, reason: 'your ticket is not listed' };
  return { ok: true, won: winners.includes(ticket) };
}
