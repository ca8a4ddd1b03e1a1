import type { AuctionPort } from '../ports/auctions.js';
import type { ClaimAnswer, DropDefinition, InventoryPort } from '../ports/inventory.js';

/**
 * An auction's winner pays through the drops' order path: at the end, the auction becomes a
 * one-unit drop of its product at the winning price, and the winner's hold on it is taken for
 * them. Both steps are idempotent (the drop by its id, the hold by a fixed key), so any node may
 * settle, as often as it likes, with one result. The drop's window is the winner's time to pay
 * and its hold lasts as long: nobody else can claim the unit while it is held, nor after.
 */

/** The drop an auction becomes (its prefix is reserved: see `isReservedDrop`). */
export const settlementDropId = (auctionId: string) => `auction-${auctionId}`;

export type Settlement =
  | { outcome: 'not_ended' | 'unsold' }
  | { outcome: 'sold'; winnerId: string; priceMinor: number; dropId: string; hold: ClaimAnswer };

/** The one-unit drop a sold auction becomes, from its end on (the same for every node). */
export function settlementDrop(
  auction: Parameters<AuctionPort['createAuction']>[0],
  endedAt: number,
  priceMinor: number,
  payMs: number,
): DropDefinition {
  return {
    id: settlementDropId(auction.id),
    roomId: auction.roomId,
    product: {
      ...structuredClone(auction.product),
      price: { ...auction.product.price, amountMinor: priceMinor },
    },
    quantity: 1,
    perBuyerCap: 1,
    startsAt: endedAt,
    endsAt: endedAt + payMs,
    holdMs: payMs,
    minPresenceMs: 0,
    mode: 'first_come',
    nonce: auction.nonce,
    seed: null,
    seedHash: null,
  };
}

/** Settles an auction that has ended: its winner holds its unit at the winning price. */
export async function settleAuction(
  ports: { auctions: AuctionPort; inventory: InventoryPort },
  auctionId: string,
  now: number,
  payMs: number,
): Promise<Settlement> {
  const view = await ports.auctions.auctionView(auctionId, now);
  if (!view || view.endsAt === null || (view.phase !== 'sold' && view.phase !== 'unsold'))
    return { outcome: 'not_ended' };
  if (view.phase === 'unsold' || view.leaderId === null || view.priceMinor === null)
    return { outcome: 'unsold' };
  const drop = settlementDrop(view.auction, view.endsAt, view.priceMinor, payMs);
  // the auction's clock, not a lagging node's: the drop has begun by then
  const at = Math.max(now, view.at);
  await ports.inventory.createDrop(drop, at);
  const hold = await ports.inventory.claim(drop.id, view.leaderId, 'auction-settlement', at);
  return {
    outcome: 'sold',
    winnerId: view.leaderId,
    priceMinor: view.priceMinor,
    dropId: drop.id,
    hold,
  };
}
