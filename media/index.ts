export { MediaService } from './media-service.js';
export type { MediaStats } from './telemetry.js';
export type { MediaBusPort, MediaOrigin } from './bus.js';
export type { MediaLog, MediaOptions, PeerLink, MediaEventName } from './types.js';
