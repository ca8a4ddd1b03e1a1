export {
  createClient,
  LiveShopClient,
  type ClientEventMap,
  type ClientOptions,
  type DropFields,
  type DropResult,
  type StreamFields,
} from './client.js';
export { LiveShopError } from './errors.js';
export {
  Publication,
  Viewing,
  type PublishOptions,
  type VideoStats,
  type WatchOptions,
} from './media.js';
export { verifyLottery, type LotteryVerdict } from './lottery.js';
export * from './protocol/index.js';
