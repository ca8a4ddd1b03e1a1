import * as z from 'zod';

/** A giveaway id: 1-64 characters of letters, digits, `_` and `-`. */
export const GiveawayId = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1-64 letters, digits, "_" or "-"');

/**
 * A giveaway's life: `scheduled` until its window opens, `open` for entries, `closed` once the
 * window ended (the draw follows at once), `drawn` once the winners are known.
 */
export const GiveawayPhase = z.enum(['scheduled', 'open', 'closed', 'drawn']);
export type GiveawayPhase = z.infer<typeof GiveawayPhase>;

/** How a viewer enters: as the giveaway asks, or by the free route ("no purchase necessary"). */
export const EntryRoute = z.enum(['standard', 'free']);

/** A prize as drawn: its winner's zero-price hold, checked out (claimed) with `drop:checkout`. */
export const GiveawayPrize = z.object({
  userId: z.string(),
  /** Claim before this (server time) or it is drawn again. */
  claimBy: z.number().int(),
  dropId: z.string(),
  holdId: z.string().nullable(),
  claimed: z.boolean(),
});

/** Where a giveaway stands, as everyone sees it. */
export const GiveawayState = z
  .object({
    giveawayId: GiveawayId,
    productId: z.string(),
    title: z.string(),
    imageUrl: z.string().nullable(),
    phase: GiveawayPhase,
    /** Prizes to give. */
    winners: z.number().int().positive(),
    opensAt: z.number().int(),
    closesAt: z.number().int(),
    entries: z.number().int().nonnegative(),
    /** Published at creation: SHA-256 of the seed. */
    seedHash: z.string(),
    /** Revealed at the draw (`verifyGiveaway()` checks it). */
    seed: z.string().nullable(),
    minWatchMs: z.number().int().nonnegative(),
    purchaseRequired: z.boolean(),
    claimMs: z.number().int().positive(),
    prizes: z.array(GiveawayPrize),
    /** Winners who let their prize lapse (each prize was drawn again). */
    lapsed: z.number().int().nonnegative(),
    /** How often a draw was committed (the draw, then each re-draw). */
    version: z.number().int().nonnegative(),
  })
  .meta({ id: 'GiveawayState' });
export type GiveawayState = z.infer<typeof GiveawayState>;

/** The answer to an entry. */
export const EntryResult = z.discriminatedUnion('outcome', [
  z.object({ outcome: z.enum(['entered', 'already_entered']), ticket: z.string() }),
  z.object({ outcome: z.enum(['not_open', 'closed', 'purchase_required']) }),
]);

/**
 * A drawn giveaway's audit: every entry's ticket and whether it was eligible at the draw, the
 * winners who lapsed, the seed; `verifyGiveaway()` recomputes `winnerTickets` from it.
 */
export const GiveawayAudit = z.object({
  giveawayId: GiveawayId,
  seed: z.string(),
  seedHash: z.string(),
  winners: z.number().int().positive(),
  entries: z.array(z.object({ ticket: z.string(), eligible: z.boolean() })),
  lapsed: z.array(z.string()),
  winnerTickets: z.array(z.string()),
  /** The caller's ticket, if they entered. */
  mine: z.string().nullable(),
});
