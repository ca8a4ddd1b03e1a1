// model: room state and its fold, identities and roles, pure token buckets
export * from './model/control.js';
export * from './model/decision.js';
export * from './model/identity.js';
export * from './model/room-state.js';
export * from './model/token-bucket.js';
// ports: what the engines implement
export * from './ports/auctions.js';
export * from './ports/giveaways.js';
export * from './ports/broker.js';
export * from './ports/engine.js';
export * from './ports/history.js';
export * from './ports/inventory.js';
export * from './ports/merchant-outbox.js';
export * from './ports/moderation.js';
export * from './ports/policy-store.js';
export * from './ports/presence.js';
export * from './ports/rate-limits.js';
export * from './ports/waiting-room.js';
// features
export * from './auctions/book.js';
export * from './auctions/increments.js';
export * from './auctions/settle.js';
export * from './chat/batch.js';
export * from './chat/room-chat.js';
export * from './drops/decisions.js';
export * from './giveaways/book.js';
export * from './drops/drop-feed.js';
export * from './drops/room-drops.js';
export * from './products/room-products.js';
export * from './stream/room-stream.js';
export * from './merchant/relay.js';
export * from './queue/room-admission.js';
export * from './shield/decisions.js';
export * from './shield/room-shield.js';
export * from './shield/rule.js';
// moderation
export * from './moderation/hooks.js';
export * from './moderation/policy.js';
export * from './moderation/reports.js';
export * from './moderation/room-moderation.js';
export * from './moderation/screen.js';
export * from './moderation/stamp.js';
// the kernel
export type { JoinOutcome, Member, ResumePoint, RoomLimits, StreamFields } from './core/context.js';
export * from './core/audience.js';
export * from './core/registry.js';
export * from './core/stream-room.js';
