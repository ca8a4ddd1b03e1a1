export * from './errors.js';
export * from './identity.js';
export * from './outbox.js';
export * from './ports.js';
export * from './registry.js';
export * from './room-state.js';
export * from './stream-room.js';
export * from './token-bucket.js';
