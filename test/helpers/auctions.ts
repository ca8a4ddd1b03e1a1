import { DEFAULT_INCREMENTS, type AuctionDefinition } from '../../rooms/index.js';

/**
 * An auction for tests: a $10 card, Whatnot's increments, 20 s with a 10-s counter-bid window,
 * two minutes to pay; `changes` say what a test needs otherwise.
 */
export const sampleAuction = (changes: Partial<AuctionDefinition> = {}): AuctionDefinition => ({
  id: 'lot',
  roomId: 'show',
  hostId: 'host',
  startingMinor: 1_000,
  increments: DEFAULT_INCREMENTS,
  durationMs: 20_000,
  counterBidMs: 10_000,
  suddenDeath: false,
  product: {
    id: 'p1',
    title: 'Card',
    price: { amountMinor: 1_000, currency: 'USD' },
    imageUrl: null,
    sku: 'CARD-1',
  },
  createdAt: 0,
  nonce: 'n',
  payMs: 120_000,
  ...changes,
});
