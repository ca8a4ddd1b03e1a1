export * from './version.js';
export * from './errors.js';
export * from './schemas.js';
export * from './events.js';
export * from './drops.js';
export * from './lottery.js';
export * from './media.js';
export * from './text.js';
