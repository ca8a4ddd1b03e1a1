import type { AuctionSettlement, AuctionView } from '../ports/auctions.js';
import type { MerchantEvent } from '../ports/merchant-outbox.js';

/**
 * The merchant's `auction.settled` event: who won what at which price, and the hold their order
 * will come from (its `order.created` follows through the drop's log, as every order does). Its
 * id is fixed by the auction, so settling twice, on two nodes or after a crash, sends it once.
 */
export function settledEvent(view: AuctionView, settlement: AuctionSettlement): MerchantEvent {
  const { auction } = view;
  const { product } = auction;
  return {
    id: `auction-${auction.id}.${auction.nonce}:settled`,
    type: 'auction.settled',
    at: settlement.at,
    data: {
      auctionId: auction.id,
      roomId: auction.roomId,
      productId: product.id,
      sku: product.sku,
      title: product.title,
      winnerId: settlement.winnerId,
      price: { amountMinor: settlement.priceMinor, currency: product.price.currency },
      bids: view.bids,
      dropId: settlement.dropId,
      holdId: settlement.holdId,
      holdExpiresAt: settlement.holdExpiresAt,
    },
  };
}
