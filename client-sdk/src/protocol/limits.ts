/**
 * The protocol's limits and id pattern: plain constants, no schema library, so the SDK can use
 * them at run time without bundling zod.
 */

/** Longest chat message, in code points after normalisation (see `plainText`). */
export const CHAT_MAX_LENGTH = 500;
/** Chat messages kept in a join snapshot. */
export const SNAPSHOT_CHAT_LIMIT = 50;
/** Most messages a room may have pinned at once. */
export const MAX_PINNED_MESSAGES = 3;
/** Most products a stream may list. */
export const MAX_PRODUCTS = 50;
/** Most products a stream may have pinned at once. */
export const MAX_PINNED_PRODUCTS = 3;
/** Longest slow mode a moderator may set, in seconds. */
export const MAX_SLOW_MODE_SECONDS = 3600;

/**
 * Drops an auction (`auction-<auctionId>`, the winner's item at the winning price) or a giveaway
 * (`giveaway-<giveawayId>-…`, a prize at 0) became: no host makes them by hand, and apps show them
 * with their auction or giveaway rather than as drops.
 */
export const isReservedDrop = (dropId: string): boolean =>
  dropId.startsWith('auction-') || dropId.startsWith('giveaway-');

/** Room and product ids: 1-64 characters of letters, digits, `_` and `-`. */
export const ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
