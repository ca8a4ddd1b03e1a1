import { drawLottery, type Sha256Hex } from './lottery.js';

/**
 * A giveaway's draw, shared by the server that draws and anyone who checks it. The lottery's rule
 * ranks every entry once by the seed (lowest SHA-256 of `"<seed>:<ticket>"` first). The winners
 * are the first `winners` entries of that ranking that were eligible at the draw. Each re-draw of
 * a prize not claimed in time takes the next eligible entry in the same ranking, so the seed fixes
 * every winner there will ever be, re-draws included.
 */

/** An entry as the draw saw it: its ticket, and whether it was eligible when drawn. */
export interface GiveawayEntry {
  ticket: string;
  /** Present in the room at the draw, and every condition met. */
  eligible: boolean;
}

/** What a giveaway's draw publishes once it is drawn: enough for anyone to recompute it. */
export interface GiveawayDraw {
  giveawayId: string;
  seed: string;
  /** The hash published when the giveaway opened. */
  seedHash: string;
  /** How many prizes. */
  winners: number;
  entries: readonly GiveawayEntry[];
  /** Winners who let their prize lapse, in the order they lapsed (each one re-drawn). */
  lapsed: readonly string[];
}

/**
 * The winning tickets, prize by prize: the first eligible tickets of the seed's ranking, each
 * lapsed one replaced by the next eligible ticket after all those already drawn.
 */
export async function giveawayWinners(
  draw: Pick<GiveawayDraw, 'seed' | 'winners' | 'entries' | 'lapsed'>,
  sha256: Sha256Hex,
): Promise<string[]> {
  const tickets = draw.entries.map((e) => e.ticket);
  const ranked = await drawLottery(draw.seed, tickets, tickets.length, sha256);
  const eligible = new Set(draw.entries.filter((e) => e.eligible).map((e) => e.ticket));
  const lapsed = new Set(draw.lapsed);
  // every eligible ticket, best first: the first `winners + lapsed` of them have been drawn
  const drawn = ranked.filter((t) => eligible.has(t)).slice(0, draw.winners + lapsed.size);
  return drawn.filter((t) => !lapsed.has(t)).slice(0, draw.winners);
}
