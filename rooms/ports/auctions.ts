import type { Product } from '../../client-sdk/src/protocol/index.js';
import type { AuctionPhase, AuctionTerms, BidAnswer } from '../auctions/book.js';
import type { RateRule } from './rate-limits.js';

/** An auction as the engine keeps it: fixed once created. */
export interface AuctionDefinition extends AuctionTerms {
  /** The auction's own copy of the product: what its order is of (at the winning price). */
  product: Product;
  /** When the host created it. */
  createdAt: number;
  /** Random, fixed at creation: keeps order and event ids unique if the auction id is used again. */
  nonce: string;
  /** How long the winner has to pay: the settlement hold's length. */
  payMs: number;
}

/**
 * How an ended auction was settled, recorded once (the first record stands): its winner's hold
 * on the one-unit drop it became, or nobody (unsold).
 */
export interface AuctionSettlement {
  at: number;
  winnerId: string | null;
  priceMinor: number | null;
  dropId: string | null;
  holdId: string | null;
  holdExpiresAt: number | null;
}

/** How a bid is taken: the buyer's bid rate on this auction, and the name others see them by. */
export interface BidOptions {
  rate?: RateRule | undefined;
  name?: string | undefined;
}

/** An auction as everyone may see it: the leader's maximum stays secret. */
export interface AuctionView {
  auction: AuctionDefinition;
  phase: AuctionPhase;
  startedAt: number | null;
  endsAt: number | null;
  /** The public price, and who leads at it (null before the first bid). */
  priceMinor: number | null;
  leaderId: string | null;
  /** The leader's display name, as they last bid under it. */
  leaderName: string | null;
  bids: number;
  /** The least bid that would be taken now. */
  minimumMinor: number;
  /** The auction's clock when this was read. */
  at: number;
  /** Once settled, how (null before). */
  settlement: AuctionSettlement | null;
}

/** A bid's answer, or a refusal by the buyer's bid rate (a retryable error for the client). */
export type BidReply = BidAnswer | { outcome: 'rate_limited'; retryAfterMs: number };

/**
 * Auctions, shared by every node. Every operation is atomic and runs on the auction's own clock
 * (the latest time any node told it), so every node gets the same answer and none can have a bid
 * taken after the end another saw. Bids take a key: the same key always gets the same answer,
 * however often and wherever it is retried.
 */
export interface AuctionPort {
  /** Creates an auction unless one with this id exists. */
  createAuction(auction: AuctionDefinition, now: number): Promise<{ created: boolean }>;
  /** The auctions of a room (for snapshots), by creation, then id. */
  auctionsOf(roomId: string): Promise<AuctionDefinition[]>;
  /** Starts a scheduled auction (false: unknown, or started before; a start cannot be undone). */
  startAuction(auctionId: string, now: number): Promise<boolean>;
  /**
   * A bid (a max bid: `maxMinor` is the most the buyer pays; the engine bids for them one
   * increment at a time). With `rate`, each buyer's bids on this auction are limited by a token
   * bucket: over it, the bid is refused and not stored (a key answered before still gets its
   * answer). `name` is kept as the buyer's display name. Undefined for an unknown auction.
   */
  bid(
    auctionId: string,
    buyerId: string,
    maxMinor: number,
    key: string,
    now: number,
    options?: BidOptions,
  ): Promise<BidReply | undefined>;
  /**
   * Where the auction stands at `now` (or its clock, if later), moving its clock to `now`: an end
   * one node has seen holds for every node. Undefined for an unknown auction.
   */
  auctionView(auctionId: string, now: number): Promise<AuctionView | undefined>;
  /**
   * Records how the auction was settled unless it was before; returns the record that stands
   * (undefined for an unknown auction).
   */
  settle(auctionId: string, settlement: AuctionSettlement): Promise<AuctionSettlement | undefined>;
  /** The buyer's standing maximum, leading or placed before the start (theirs to see only), or null. */
  maxBidOf(auctionId: string, buyerId: string): Promise<number | null>;
}

/** How a room's auctions and giveaways are listed: by creation, then id. */
export const byCreation = (
  x: { createdAt: number; id: string },
  y: { createdAt: number; id: string },
): number => x.createdAt - y.createdAt || (x.id < y.id ? -1 : x.id > y.id ? 1 : 0);
