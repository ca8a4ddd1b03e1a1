import type { AuctionPort } from './auctions.js';
import type { BrokerPort } from './broker.js';
import type { GiveawayPort } from './giveaways.js';
import type { HistoryPort } from './history.js';
import type { InventoryPort } from './inventory.js';
import type { MerchantOutboxPort } from './merchant-outbox.js';
import type { ModerationStore } from './moderation.js';
import type { PolicyStore } from './policy-store.js';
import type { PresencePort } from './presence.js';
import type { RateLimitPort } from './rate-limits.js';
import type { WaitingRoomPort } from './waiting-room.js';

/** The engine's shared-state ports, handed to the rooms. */
export interface Engine {
  readonly name: string;
  readonly history: HistoryPort;
  readonly broker: BrokerPort;
  readonly presence: PresencePort;
  readonly rateLimits: RateLimitPort;
  readonly inventory: InventoryPort;
  readonly merchantOutbox: MerchantOutboxPort;
  readonly moderation: ModerationStore;
  /** Each room's waiting room (capacity, admission rate, pre-queue). */
  readonly waitingRoom: WaitingRoomPort;
  /** Auctions: their books, bids and clocks. */
  readonly auctions: AuctionPort;
  /** Giveaways: entries, windows and draws. */
  readonly giveaways: GiveawayPort;
  /** The moderation policy every node applies. */
  readonly policies: PolicyStore;
  /** True while every backing service is reachable. */
  isReady(): boolean;
  /** Why the engine should not take traffic though connected (restoring lost data), if so. */
  notReadyReason?(): string | null;
  close(): Promise<void>;
}
