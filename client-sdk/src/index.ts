export {
  createClient,
  LiveShopClient,
  type ClientEventMap,
  type ClientOptions,
  type DropFields,
  type DropResult,
  type StreamFields,
} from './client.js';
/** @deprecated The SDK rejects with {@link CodedError}; this is the same class under its old name. */
export { CodedError as LiveShopError } from './protocol/index.js';
export {
  Publication,
  Viewing,
  type PublishOptions,
  type VideoStats,
  type WatchOptions,
} from './media.js';
export { verifyLottery, type LotteryVerdict } from './lottery.js';
export * from './protocol/index.js';
