import { CodedError, type AuctionState } from '../../client-sdk/src/protocol/index.js';
import type { ControlState } from '../model/control.js';
import type { AuctionDefinition, AuctionView } from '../ports/auctions.js';
import { productNotFound } from '../products/decisions.js';
import { DEFAULT_INCREMENTS, validIncrements, type IncrementStep } from './increments.js';

/** A new auction's fields as the host gives them: a product of the stream by id. */
export interface AuctionFields {
  id: string;
  productId: string;
  startingMinor: number;
  durationMs: number;
  counterBidMs: number;
  suddenDeath: boolean;
  /** Absent: Whatnot's table ({@link DEFAULT_INCREMENTS}). */
  increments?: readonly IncrementStep[] | undefined;
  payMs: number;
  /** Start it at once. */
  start: boolean;
}

/**
 * The definition of a new auction: it copies the listed product, so the winner's order is of the
 * item as it was offered (at the winning price). Refused when the stream does not list the
 * product, or the increment table is not one (from 0, rising, whole positive steps).
 */
export function defineAuction(
  s: Pick<ControlState, 'products'>,
  roomId: string,
  fields: AuctionFields,
  made: { hostId: string; now: number; nonce: string },
): AuctionDefinition {
  const product = s.products.find((p) => p.id === fields.productId);
  if (!product) throw productNotFound(fields.productId);
  const increments = fields.increments ?? DEFAULT_INCREMENTS;
  if (!validIncrements(increments))
    throw new CodedError(
      'BAD_REQUEST',
      'increments: the first step must be from 0 and each next from a higher amount',
    );
  return {
    id: fields.id,
    roomId,
    hostId: made.hostId,
    startingMinor: fields.startingMinor,
    increments: increments.map((step) => ({ ...step })),
    durationMs: fields.durationMs,
    counterBidMs: fields.suddenDeath ? 0 : fields.counterBidMs,
    suddenDeath: fields.suddenDeath,
    product: structuredClone(product),
    createdAt: made.now,
    nonce: made.nonce,
    payMs: fields.payMs,
  };
}

/** An auction as everyone sees it: its price, leader and clock, never a maximum. */
export function stateOf(view: AuctionView): AuctionState {
  const { auction, settlement } = view;
  const won =
    settlement?.winnerId != null &&
    settlement.dropId !== null &&
    settlement.holdId !== null &&
    settlement.priceMinor !== null &&
    settlement.holdExpiresAt !== null;
  return {
    auctionId: auction.id,
    productId: auction.product.id,
    title: auction.product.title,
    imageUrl: auction.product.imageUrl,
    currency: auction.product.price.currency,
    phase: view.phase,
    settled: settlement !== null,
    startingMinor: auction.startingMinor,
    priceMinor: view.priceMinor,
    leader:
      view.leaderId === null ? null : { id: view.leaderId, name: view.leaderName || view.leaderId },
    minimumMinor: view.minimumMinor,
    bids: view.bids,
    startedAt: view.startedAt,
    endsAt: view.endsAt,
    durationMs: auction.durationMs,
    counterBidMs: auction.counterBidMs,
    suddenDeath: auction.suddenDeath,
    increments: auction.increments.map((step) => ({ ...step })),
    settlement: won
      ? {
          winnerId: settlement.winnerId ?? '',
          priceMinor: settlement.priceMinor ?? 0,
          dropId: settlement.dropId ?? '',
          holdId: settlement.holdId ?? '',
          expiresAt: settlement.holdExpiresAt ?? 0,
        }
      : null,
  };
}
