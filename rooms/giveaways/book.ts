import {
  giveawayWinners,
  type GiveawayDraw,
  type Sha256Hex,
} from '../../client-sdk/src/protocol/index.js';

/**
 * One giveaway as a pure state machine: an entry window, entries (one per person, by the route
 * they took), a commit-reveal draw among those eligible at the draw, a deadline to claim each
 * prize, and a re-draw for every prize not claimed in time. The engines keep its state; the draw
 * itself is the shared rule in client-sdk/src/protocol/giveaway.ts, so anyone can check it.
 */

export interface GiveawayTerms {
  id: string;
  roomId: string;
  hostId: string;
  /** Prizes to give. */
  winners: number;
  opensAt: number;
  /** The entry window's end; the host may draw earlier. */
  closesAt: number;
  /** How long a winner has to claim the prize before it is drawn again. */
  claimMs: number;
  /** Watched the stream at least this long by the draw (0: no minimum). */
  minWatchMs: number;
  /** Entry needs a purchase in the stream, unless by the free route ("no purchase necessary"). */
  purchaseRequired: boolean;
  /** The secret seed (revealed at the draw) and its hash (published when it opened). */
  seed: string;
  seedHash: string;
}

/** How a person entered: as the giveaway asks, or by the free route that needs no purchase. */
export type EntryRoute = 'standard' | 'free';

export type EntryAnswer =
  | { outcome: 'entered' | 'already_entered'; ticket: string }
  | { outcome: 'not_open' | 'closed' | 'purchase_required' | 'own_giveaway' };

/** What the room knows about a person at the draw. */
export interface DrawPresence {
  present: boolean;
  watchedMs: number;
}

export interface Prize {
  ticket: string;
  userId: string;
  /** When it lapses unless claimed. */
  claimBy: number;
  claimedAt: number | null;
}

export interface GiveawayBook {
  terms: GiveawayTerms;
  /** Entries in order: ticket → who. */
  entries: Map<string, { userId: string; route: EntryRoute }>;
  /** Once drawn: who was eligible, and the prizes as drawn and re-drawn. */
  drawn: { at: number; eligible: Set<string>; lapsed: string[]; prizes: Prize[] } | null;
}

export function newGiveaway(terms: GiveawayTerms): GiveawayBook {
  return { terms, entries: new Map(), drawn: null };
}

/**
 * An entry by `userId` (its ticket comes from the shared rule, `"<giveawayId>:<userId>"`): once
 * per person, while the window is open and nothing is drawn; a purchase, or the free route, when
 * the giveaway asks for one.
 */
export function enterGiveaway(
  book: GiveawayBook,
  userId: string,
  ticket: string,
  route: EntryRoute,
  purchased: boolean,
  now: number,
): EntryAnswer {
  const { terms } = book;
  if (userId === terms.hostId) return { outcome: 'own_giveaway' };
  const mine = book.entries.get(ticket);
  if (mine) return { outcome: 'already_entered', ticket };
  if (now < terms.opensAt) return { outcome: 'not_open' };
  if (book.drawn || now >= terms.closesAt) return { outcome: 'closed' };
  if (terms.purchaseRequired && route === 'standard' && !purchased)
    return { outcome: 'purchase_required' };
  book.entries.set(ticket, { userId, route });
  return { outcome: 'entered', ticket };
}

/**
 * Draws once (at the window's end or earlier by the host): an entry is eligible when its person is
 * present and has watched long enough. Each prize goes to the next eligible ticket of the seed's
 * ranking and must be claimed within `claimMs`. False when drawn before.
 */
export async function drawGiveaway(
  book: GiveawayBook,
  presence: (userId: string) => DrawPresence,
  now: number,
  sha256: Sha256Hex,
): Promise<boolean> {
  if (book.drawn) return false;
  const eligible = new Set<string>();
  for (const [ticket, { userId }] of book.entries) {
    const seen = presence(userId);
    if (seen.present && seen.watchedMs >= book.terms.minWatchMs) eligible.add(ticket);
  }
  book.drawn = { at: now, eligible, lapsed: [], prizes: [] };
  await fill(book, now, sha256);
  return true;
}

/** A winner claims their prize before it lapses (then: its zero-price hold, as a drop's). */
export function claimPrize(
  book: GiveawayBook,
  userId: string,
  now: number,
): 'claimed' | 'already_claimed' | 'lapsed' | 'not_a_winner' {
  const prize = book.drawn?.prizes.find((p) => p.userId === userId);
  if (!prize) {
    return book.drawn?.lapsed.some((t) => book.entries.get(t)?.userId === userId)
      ? 'lapsed'
      : 'not_a_winner';
  }
  if (prize.claimedAt !== null) return 'already_claimed';
  if (now >= prize.claimBy) return 'lapsed';
  prize.claimedAt = now;
  return 'claimed';
}

/**
 * Re-draws every prize whose claim time has run out at `now`: the lapsed winner is out, the next
 * eligible ticket of the same ranking wins, with a deadline of its own. Returns the new prizes.
 */
export async function redrawLapsed(
  book: GiveawayBook,
  now: number,
  sha256: Sha256Hex,
): Promise<Prize[]> {
  const drawn = book.drawn;
  if (!drawn) return [];
  const lapsing = drawn.prizes.filter((p) => p.claimedAt === null && now >= p.claimBy);
  if (lapsing.length === 0) return [];
  drawn.lapsed.push(...lapsing.map((p) => p.ticket));
  drawn.prizes = drawn.prizes.filter((p) => !lapsing.includes(p));
  return fill(book, now, sha256);
}

/** The draw as published once drawn: what `verifyGiveaway()` recomputes. */
export function publishedDraw(
  book: GiveawayBook,
): (GiveawayDraw & { winnerTickets: string[] }) | null {
  const drawn = book.drawn;
  if (!drawn) return null;
  const { id, seed, seedHash, winners } = book.terms;
  return {
    giveawayId: id,
    seed,
    seedHash,
    winners,
    entries: [...book.entries.keys()].map((ticket) => ({
      ticket,
      eligible: drawn.eligible.has(ticket),
    })),
    lapsed: [...drawn.lapsed],
    winnerTickets: drawn.prizes.map((p) => p.ticket),
  };
}

/** Gives every open prize to the rule's next winners (those not already holding one). */
async function fill(book: GiveawayBook, now: number, sha256: Sha256Hex): Promise<Prize[]> {
  const drawn = book.drawn;
  const published = publishedDraw(book);
  if (!drawn || !published) return [];
  const winners = await giveawayWinners(published, sha256);
  const holding = new Set(drawn.prizes.map((p) => p.ticket));
  const added: Prize[] = [];
  for (const ticket of winners) {
    if (holding.has(ticket)) continue;
    const userId = book.entries.get(ticket)?.userId ?? '';
    added.push({ ticket, userId, claimBy: now + book.terms.claimMs, claimedAt: null });
  }
  drawn.prizes.push(...added);
  return added;
}
