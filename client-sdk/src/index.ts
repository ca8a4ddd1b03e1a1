/**
 * The LiveShop SDK (`liveshop/sdk`): a client, room handles with their state and events, and
 * the protocol's types. Live video is a separate entry point, `liveshop/sdk/media`; the zod
 * schemas are in `liveshop/protocol` (servers and tools validate with them; the SDK does not
 * need them at run time).
 */
export { createClient, LiveShopClient, type ClientEventMap, type ClientOptions } from './client.js';
export { Room, type JoinOptions, type MediaHook } from './room.js';
export type { RoomFeatures } from './room-features.js';
export type {
  AuctionFields,
  DropFields,
  DropResult,
  GiveawayFields,
  RoomEventMap,
  StreamFields,
} from './room-events.js';
export { verifyGiveaway, verifyLottery, verifyQueueOrder, type LotteryVerdict } from './lottery.js';
export {
  CodedError,
  ERROR_CODES,
  errorBody,
  toErrorBody,
  type Ack,
  type ErrorBody,
  type ErrorCode,
} from './protocol/error-codes.js';
/** @deprecated The SDK rejects with {@link CodedError}; this is the same class under its old name. */
export { CodedError as LiveShopError } from './protocol/error-codes.js';
export * from './protocol/limits.js';
export * from './protocol/fold.js';
export { PROTOCOL_VERSION } from './protocol/version.js';
export { drawLottery, lotteryTicket } from './protocol/lottery.js';
export { compareAuctionStates } from './protocol/auction-order.js';
export { compareGiveawayStates } from './protocol/giveaway-order.js';
export type * from './protocol/schemas.js';
export type * from './protocol/drops.js';
export type * from './protocol/auctions.js';
export type * from './protocol/giveaways.js';
export type * from './protocol/events.js';
export type * from './protocol/media.js';
export type * from './protocol/queue.js';
export type * from './protocol/moderation.js';
