import type { GiveawayPhase, GiveawayState } from '../../client-sdk/src/protocol/index.js';
import { productNotFound } from '../products/decisions.js';
import type { ControlState } from '../model/control.js';
import type { DropDefinition } from '../ports/inventory.js';
import type {
  GiveawayDefinition,
  GiveawayDrawRecord,
  GiveawayRecord,
  GiveawaySummary,
} from '../ports/giveaways.js';
import type { GiveawayBook } from './book.js';

/**
 * Giveaways' pure decisions beside the book: a new giveaway's definition, its phase by the clock,
 * the prize drops, and the book a stored record stands for.
 */

/** A new giveaway's fields as the host gives them: a product of the stream by id (the prize). */
export interface GiveawayFields {
  id: string;
  productId: string;
  winners: number;
  durationMs: number;
  claimMs: number;
  minWatchMs: number;
  purchaseRequired: boolean;
}

/** An entrant counts as present when a node saw them this recently (nodes look every 2 s). */
export const PRESENT_WITHIN_MS = 6_000;

/** The fixed key of a winner's prize hold: taken once, from any node. */
export const PRIZE_KEY = 'giveaway-prize';

export function defineGiveaway(
  s: Pick<ControlState, 'products'>,
  roomId: string,
  fields: GiveawayFields,
  made: { hostId: string; now: number; nonce: string; seed: string; seedHash: string },
): GiveawayDefinition {
  const product = s.products.find((p) => p.id === fields.productId);
  if (!product) throw productNotFound(fields.productId);
  return {
    id: fields.id,
    roomId,
    hostId: made.hostId,
    winners: fields.winners,
    opensAt: made.now,
    closesAt: made.now + fields.durationMs,
    claimMs: fields.claimMs,
    minWatchMs: fields.minWatchMs,
    purchaseRequired: fields.purchaseRequired,
    seed: made.seed,
    seedHash: made.seedHash,
    product: structuredClone(product),
    createdAt: made.now,
    nonce: made.nonce,
  };
}

/** The phase by the giveaway's clock: drawn once a draw is committed. */
export function giveawayPhase(
  g: Pick<GiveawaySummary, 'giveaway' | 'closesAt' | 'clock' | 'drawn'>,
): GiveawayPhase {
  if (g.drawn) return 'drawn';
  if (g.clock < g.giveaway.opensAt) return 'scheduled';
  return g.clock < g.closesAt ? 'open' : 'closed';
}

/** The prize drop of a winning ticket: one unit of the prize at 0, held for the winner until `claimBy`. */
export function prizeDrop(
  giveaway: GiveawayDefinition,
  ticket: string,
  at: number,
  claimBy: number,
): DropDefinition {
  return {
    id: `giveaway-${giveaway.id}-${ticket.slice(0, 16)}`,
    roomId: giveaway.roomId,
    product: {
      ...structuredClone(giveaway.product),
      price: { ...giveaway.product.price, amountMinor: 0 },
    },
    quantity: 1,
    perBuyerCap: 1,
    startsAt: at,
    endsAt: claimBy,
    holdMs: Math.max(1, claimBy - at),
    minPresenceMs: 0,
    mode: 'first_come',
    nonce: giveaway.nonce,
    seed: null,
    seedHash: null,
  };
}

/** The book a stored record stands for (the draw's prizes claimed as `claimed` says). */
export function bookOf(
  record: GiveawayRecord,
  claimed: ReadonlySet<string> = new Set(),
): GiveawayBook {
  const { drawn } = record;
  return {
    terms: { ...record.giveaway, closesAt: record.closesAt },
    entries: new Map(record.entries.map((e) => [e.ticket, { userId: e.userId, route: e.route }])),
    drawn: drawn && {
      at: drawn.at,
      eligible: new Set(drawn.eligible),
      lapsed: [...drawn.lapsed],
      prizes: drawn.prizes.map((p) => ({
        ticket: p.ticket,
        userId: p.userId,
        claimBy: p.claimBy,
        claimedAt: claimed.has(p.ticket) ? drawn.at : null,
      })),
    },
  };
}

/** The record of a book's draw, its prizes' drops named. */
export function drawRecordOf(
  book: GiveawayBook,
  giveaway: GiveawayDefinition,
): GiveawayDrawRecord | null {
  const { drawn } = book;
  if (!drawn) return null;
  return {
    at: drawn.at,
    eligible: [...drawn.eligible],
    lapsed: [...drawn.lapsed],
    prizes: drawn.prizes.map((p) => ({
      ticket: p.ticket,
      userId: p.userId,
      claimBy: p.claimBy,
      dropId: prizeDrop(giveaway, p.ticket, drawn.at, p.claimBy).id,
    })),
  };
}

/** A giveaway as everyone sees it; `prizes` with each winner's hold as the inventory says. */
export function giveawayStateOf(
  g: GiveawaySummary,
  prizes: GiveawayState['prizes'],
): GiveawayState {
  const { giveaway } = g;
  return {
    giveawayId: giveaway.id,
    productId: giveaway.product.id,
    title: giveaway.product.title,
    imageUrl: giveaway.product.imageUrl,
    phase: giveawayPhase(g),
    winners: giveaway.winners,
    opensAt: giveaway.opensAt,
    closesAt: g.closesAt,
    entries: g.entries,
    seedHash: giveaway.seedHash,
    seed: g.drawn ? giveaway.seed : null,
    minWatchMs: giveaway.minWatchMs,
    purchaseRequired: giveaway.purchaseRequired,
    claimMs: giveaway.claimMs,
    prizes,
    lapsed: g.drawn?.lapsed.length ?? 0,
    version: g.version,
  };
}
