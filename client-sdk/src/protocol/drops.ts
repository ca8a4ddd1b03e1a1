import * as z from 'zod';

/** A drop id: 1-64 characters of letters, digits, `_` and `-`. */
export const DropId = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1-64 letters, digits, "_" or "-"');

/** A client-made key that makes a request safe to retry: the same key always gets the same answer. */
export const IdempotencyKey = z
  .string()
  .regex(/^[\x21-\x7e]{8,128}$/, 'must be 8-128 printable ASCII characters');

/**
 * A drop's life: `scheduled` until it starts, `live` while it sells, `sold_out` while no unit is
 * left to claim (units may come back when holds expire), `ended` after its deadline.
 */
export const DropState = z.enum(['scheduled', 'live', 'sold_out', 'ended']);

/** How a drop sells: first come, first served, or by a lottery drawn when its window closes. */
export const DropMode = z.enum(['first_come', 'lottery']);

/**
 * A lottery's public record. `seedHash` (SHA-256 of the seed, hex) is published when the drop is
 * created; once the window closes and winners are drawn, `seed` is revealed so anyone can check
 * the hash and recompute the winners (`verifyLottery()` in the SDK).
 */
export const LotteryInfo = z.object({
  seedHash: z.string(),
  entries: z.number().int().nonnegative(),
  drawn: z.boolean(),
  seed: z.string().nullable(),
});

/** Where a drop's stock stands. `remaining + held + sold === quantity` always. */
export const DropStock = z
  .object({
    dropId: DropId,
    state: DropState,
    productId: z.string(),
    quantity: z.number().int().nonnegative(),
    remaining: z.number().int().nonnegative(),
    held: z.number().int().nonnegative(),
    sold: z.number().int().nonnegative(),
    startsAt: z.number().int(),
    endsAt: z.number().int(),
    mode: DropMode,
    /** Lottery drops only. */
    lottery: LotteryInfo.nullable(),
  })
  .meta({ id: 'DropStock' });

/** The answer to a claim: a hold on one unit until `expiresAt`, or why not. */
export const ClaimResult = z.discriminatedUnion('outcome', [
  z.object({ outcome: z.literal('held'), holdId: z.string(), expiresAt: z.number().int() }),
  z.object({ outcome: z.literal('sold_out') }),
  /** The buyer already holds or bought `cap` units of this drop. */
  z.object({ outcome: z.literal('limit_reached'), cap: z.number().int().positive() }),
  z.object({ outcome: z.literal('not_live'), state: DropState, startsAt: z.number().int() }),
  /**
   * A lottery drop: the buyer is entered (once, whatever key) with this ticket; winners are drawn
   * when the window closes and get a hold (see `drop:lottery`).
   */
  z.object({ outcome: z.literal('entered'), ticket: z.string() }),
  /** The drop asks buyers to have been in the room a while first: claim again from `eligibleAt`. */
  z.object({ outcome: z.literal('not_eligible'), eligibleAt: z.number().int() }),
]);

/** How a hold ended, or that it has not yet. */
export const HoldStatus = z.enum(['active', 'ordered', 'cancelled', 'expired']);

/** The answer to a checkout: the order, or why the hold could not become one. */
export const CheckoutResult = z.discriminatedUnion('outcome', [
  z.object({ outcome: z.literal('ordered'), orderId: z.string(), holdId: z.string() }),
  z.object({ outcome: z.literal('expired') }),
  z.object({ outcome: z.literal('cancelled') }),
  z.object({ outcome: z.literal('not_found') }),
  /**
   * The server lost the hold with its store's data (a Redis that came back empty or stale) and
   * restored the drop from its order journal without it: its unit is back in stock; claim again.
   */
  z.object({ outcome: z.literal('hold_lost') }),
]);

/** The answer to a cancel: the hold's unit went back, or how the hold had already ended. */
export const CancelResult = z.discriminatedUnion('outcome', [
  z.object({ outcome: z.literal('cancelled') }),
  z.object({ outcome: z.literal('ordered'), orderId: z.string() }),
  z.object({ outcome: z.literal('expired') }),
  z.object({ outcome: z.literal('not_found') }),
  z.object({ outcome: z.literal('hold_lost') }),
]);

/** An order, as recorded for the merchant. */
export const Order = z.object({
  orderId: z.string(),
  dropId: DropId,
  holdId: z.string(),
  buyerId: z.string(),
  at: z.number().int(),
});

/**
 * A lottery's draw, for audit: every ticket entered, the winners in rank order, and once drawn the
 * seed. Winners are the `quantity` tickets with the lowest SHA-256 of `"<seed>:<ticket>"` (hex,
 * compared as strings). A ticket is the first 32 hex digits of SHA-256 of `"<dropId>:<buyerId>"`.
 */
export const LotteryDraw = z.object({
  dropId: DropId,
  quantity: z.number().int().positive(),
  seedHash: z.string(),
  seed: z.string().nullable(),
  drawn: z.boolean(),
  tickets: z.array(z.string()),
  winners: z.array(z.string()),
  /** The asking buyer's entry, and whether it won (with its hold). */
  mine: z
    .object({
      ticket: z.string(),
      won: z.boolean(),
      holdId: z.string().nullable(),
      expiresAt: z.number().int().nullable(),
    })
    .nullable(),
});

export type DropMode = z.infer<typeof DropMode>;
export type LotteryInfo = z.infer<typeof LotteryInfo>;
export type LotteryDraw = z.infer<typeof LotteryDraw>;
export type DropState = z.infer<typeof DropState>;
export type DropStock = z.infer<typeof DropStock>;
export type ClaimResult = z.infer<typeof ClaimResult>;
export type HoldStatus = z.infer<typeof HoldStatus>;
export type CheckoutResult = z.infer<typeof CheckoutResult>;
export type CancelResult = z.infer<typeof CancelResult>;
export type Order = z.infer<typeof Order>;
