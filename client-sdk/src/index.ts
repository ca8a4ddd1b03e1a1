export {
  createClient,
  LiveShopClient,
  type ClientEventMap,
  type ClientOptions,
  type StreamFields,
} from './client.js';
export { LiveShopError } from './errors.js';
export * from './protocol/index.js';
