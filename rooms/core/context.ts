import type {
  AuctionState,
  DropStock,
  GiveawayState,
  RoomEvent,
  RoomSnapshot,
} from '../../client-sdk/src/protocol/index.js';
import type { ChatBatch } from '../chat/batch.js';
import type { Identity } from '../model/identity.js';
import type { ModerationHooks } from '../moderation/hooks.js';
import type { ReactionCounts, UserNotice } from '../ports/broker.js';
import type { Engine } from '../ports/engine.js';
import type { RateRule } from '../ports/rate-limits.js';
import type { AutoShieldRule } from '../shield/rule.js';

/** One connection in a room. */
export interface Member {
  /** The connection id: unique per connection, so a user's two tabs are two members. */
  readonly id: string;
  readonly identity: Identity;
}

/**
 * Where a room's output goes. The server turns these into single-room broadcasts. `Room` is the
 * room class (the kernel's), kept generic so this file needs nothing from it.
 */
export interface Output<Room> {
  /** Control lane: sent at once, never sampled. */
  control(event: RoomEvent): void;
  /** Batch lane: the chat of one tick, cut for each audience partition present here. */
  chat(roomId: string, batches: ReadonlyMap<string, ChatBatch>): void;
  /** A notice for one user's connections in the room on this node (a ban removes them). */
  notice(room: Room, userId: string, notice: UserNotice): void;
  reactions(roomId: string, seq: number, counts: ReactionCounts): void;
  viewers(roomId: string, seq: number, count: number): void;
  /** A drop's stock (control lane). */
  dropStock(roomId: string, stock: DropStock): void;
  /** An auction's state (control lane), with the server's time when sent. */
  auctionState(roomId: string, state: AuctionState, serverTime: number): void;
  /** A giveaway's state (control lane), with the server's time when sent. */
  giveawayState(roomId: string, state: GiveawayState, serverTime: number): void;
  /** Something in the background failed (logged; nothing is lost, the next change retries). */
  failed(roomId: string, error: unknown): void;
  /** The room restarted from the store (new epoch or lost events): clients must join again. */
  reset(roomId: string, epoch: string, seq: number): void;
  /** Asks the tick loop to visit the room at its next tick. */
  wake(room: Room): void;
}

export interface RoomLimits {
  /** Chat messages a room sends per tick before it samples. */
  chatBudgetPerTick: number;
  /** Per user, across rooms. */
  chatRate: RateRule;
  /** Per user, across rooms; a reaction with `count` n costs n. */
  reactionRate: RateRule;
  /** Drop claims per buyer and drop (a retry of an answered claim gets its answer). */
  claimRate: RateRule;
  /** Bids per buyer and auction (a retry of an answered bid gets its answer); absent: unlimited. */
  bidRate?: RateRule;
  viewerCountIntervalMs: number;
  /** Most events a resume replays; beyond that the client gets a snapshot. */
  replayLimit: number;
  /** How long an ended room stays resumable before the store forgets it. */
  retainEndedMs: number;
  /** When the automatic shield switches shield mode on and off; null or absent: never. */
  autoShield?: AutoShieldRule | null;
}

/** The ports a room uses. */
export type RoomEngine = Pick<
  Engine,
  | 'history'
  | 'broker'
  | 'presence'
  | 'rateLimits'
  | 'inventory'
  | 'moderation'
  | 'waitingRoom'
  | 'auctions'
  | 'giveaways'
  | 'merchantOutbox'
>;

/** What a room needs from its surroundings. */
export interface Context<Room> {
  readonly engine: RoomEngine;
  readonly output: Output<Room>;
  readonly limits: RoomLimits;
  /** The policy, language detection and classifiers; absent: no policy (sanctions still apply). */
  readonly moderation?: ModerationHooks | undefined;
  now(): number;
  newId(): string;
  /** Called when the room may be disposable (no members here). */
  release(room: Room): void;
  /** Called when the room restarted from the store. */
  reloaded?(room: Room): void;
  /** A drop of the room changed here (its log may have grown). */
  dropLogged?(dropId: string): void;
  /** An event went into the merchant outbox here (the webhook sender may look now). */
  merchantAppended?(): void;
  /** SHA-256, hex; and `bytes` random bytes, hex (lottery seeds). */
  sha256(text: string): string;
  randomHex(bytes: number): string;
}

/** The fields a host sets on a stream. */
export interface StreamFields {
  title: string;
  description?: string | undefined;
  coverUrl?: string | undefined;
  scheduledAt?: number | undefined;
}

export type JoinOutcome =
  | {
      recovered: true;
      missed: RoomEvent[];
      seq: number;
      viewers: number;
      serverTime: number;
      drops: DropStock[];
      auctions: AuctionState[];
      giveaways: GiveawayState[];
    }
  | { recovered: false; snapshot: RoomSnapshot };

export interface ResumePoint {
  epoch: string;
  lastSeq: number;
}
