export { MediaService, type MediaStats } from './media-service.js';
export { MediaError } from './errors.js';
export { MediaBusError, type MediaBusPort, type MediaOrigin } from './bus.js';
export type { MediaLog, MediaOptions, PeerLink, MediaEventName } from './types.js';
