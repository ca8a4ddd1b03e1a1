import * as z from 'zod';

/** An auction id: 1-64 characters of letters, digits, `_` and `-`. */
export const AuctionId = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1-64 letters, digits, "_" or "-"');

/** An amount in the currency's minor units (cents): a whole number. */
const Minor = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);

/** One row of a bid-increment table: from `fromMinor` on, bids go up by `incrementMinor`. */
export const BidIncrement = z.object({
  fromMinor: Minor,
  incrementMinor: z.number().int().positive().max(Number.MAX_SAFE_INTEGER),
});
export type BidIncrement = z.infer<typeof BidIncrement>;

/**
 * An auction's life: `scheduled` until the host starts it (max bids placed then are pre-bids),
 * `live` until its end, then `sold` (to the leader) or `unsold` (no bid). A started auction cannot
 * be cancelled. `settled` turns true once the winner holds the item at the winning price.
 */
export const AuctionPhase = z.enum(['scheduled', 'live', 'sold', 'unsold']);
export type AuctionPhase = z.infer<typeof AuctionPhase>;

/** The winner's hold on the item (checked out with `drop:checkout` on `dropId`, as drops are). */
export const AuctionSettlement = z.object({
  winnerId: z.string(),
  priceMinor: Minor,
  dropId: z.string(),
  holdId: z.string(),
  expiresAt: z.number().int(),
});

/**
 * Where an auction stands, as everyone sees it: the public price and its leader, never anyone's
 * maximum. Times are server epoch milliseconds.
 */
export const AuctionState = z
  .object({
    auctionId: AuctionId,
    productId: z.string(),
    title: z.string(),
    imageUrl: z.string().nullable(),
    currency: z.string(),
    phase: AuctionPhase,
    settled: z.boolean(),
    startingMinor: Minor,
    /** The price the leader pays now; null before the first bid. */
    priceMinor: Minor.nullable(),
    leader: z.object({ id: z.string(), name: z.string() }).nullable(),
    /** The least bid taken now. */
    minimumMinor: Minor,
    bids: z.number().int().nonnegative(),
    startedAt: z.number().int().nullable(),
    endsAt: z.number().int().nullable(),
    durationMs: z.number().int().positive(),
    /** A bid with less than this left sets the time left back to it (0: never). */
    counterBidMs: z.number().int().nonnegative(),
    /** No extension: the last valid bid before the end wins. */
    suddenDeath: z.boolean(),
    increments: z.array(BidIncrement),
    /** Sold and settled: the winner's hold. */
    settlement: AuctionSettlement.nullable(),
  })
  .meta({ id: 'AuctionState' });
export type AuctionState = z.infer<typeof AuctionState>;

/**
 * The answer to a bid. `leading`: you lead at `priceMinor`; `outbid`: it was taken but another
 * buyer's maximum is higher (they lead at `priceMinor`); `too_low`: bid at least `minimumMinor`;
 * `not_live`: the auction has ended (or not begun and takes no pre-bids). Before the start, a
 * taken bid is a pre-bid: `endsAt` is null and it is placed when the auction starts.
 */
export const BidResult = z.discriminatedUnion('outcome', [
  z.object({
    outcome: z.enum(['leading', 'outbid']),
    priceMinor: Minor,
    endsAt: z.number().int().nullable(),
    bids: z.number().int().nonnegative(),
  }),
  z.object({ outcome: z.literal('too_low'), minimumMinor: Minor }),
  z.object({ outcome: z.literal('not_live'), phase: AuctionPhase }),
]);
export type BidResult = z.infer<typeof BidResult>;
