import type {
  ChatMessage,
  Product,
  RoomEvent,
  RoomEventInput,
  StreamInfo,
} from '../client-sdk/src/protocol/index.js';
import type { InventoryPort } from './inventory.js';
import type { MerchantOutboxPort } from './merchant-outbox.js';
import type { ReactionCounts } from './outbox.js';

/** The part of a room's state that control events change; stored whole with every control event. */
export interface ControlState {
  stream: StreamInfo;
  slowModeSeconds: number;
  pinned: ChatMessage[];
  /** The stream's products, in listing order. */
  products: Product[];
  /** Ids of pinned products, oldest pin first. */
  pinnedProducts: string[];
}

/** A room as the engine stores it. */
export interface RoomRecord {
  /** Fixed for the room's life; a room id used again gets a new epoch. */
  epoch: string;
  control: ControlState;
  /** How many control events the room has had; a conditional append names the one it expects. */
  version: number;
}

/** How long an append's dedupe key is remembered. */
export const DEDUPE_WINDOW_MS = 10 * 60_000;

/** A consistent read of a room: its record, last seq and newest events, taken at one instant. */
export interface RoomLoad {
  record: RoomRecord;
  seq: number;
  /** Up to the requested number of the newest events, oldest first, ending at `seq`. */
  tail: RoomEvent[];
}

export type AppendResult =
  | { ok: true; event: RoomEvent }
  /** The room no longer exists in this epoch (it expired, was replaced, or the store lost it). */
  | { ok: false; reason: 'gone' }
  /** Another control event came first; `version` is the room's current one. */
  | { ok: false; reason: 'conflict'; version: number };

/**
 * The rooms and their ordered logs. Appends assign the next seq atomically and publish the event
 * to the room's {@link BrokerPort} channel in the same step, so every subscriber sees the events of
 * a room in seq order, whichever node wrote them. Logs are bounded: old events are trimmed.
 */
export interface HistoryPort {
  /**
   * Creates a room with its first event, unless a room with this id exists and has not ended.
   * An ended room (kept for late viewers) is replaced only when `replaceEndedOf` is null or the
   * ended room's host (`control.stream.hostId`). `created` is false when a room stays there.
   */
  create(
    roomId: string,
    record: RoomRecord,
    first: RoomEventInput,
    replaceEndedOf?: string | null,
  ): Promise<{ created: boolean }>;
  /** Reads a room's record, last seq and newest `tail` events atomically; undefined when absent. */
  load(roomId: string, tail: number): Promise<RoomLoad | undefined>;
  /**
   * Appends a non-control event (chat) to the room of this epoch. With a `dedupeKey`, a second
   * append with the same key (a retry, from any node, within {@link DEDUPE_WINDOW_MS}) appends
   * nothing and returns the first one's event.
   */
  append(
    roomId: string,
    epoch: string,
    event: RoomEventInput,
    dedupeKey?: string,
  ): Promise<AppendResult>;
  /**
   * Appends a control event if the room's control version is still `version`, storing `control`
   * (the state after the event) and version + 1 with it.
   */
  appendControl(
    roomId: string,
    epoch: string,
    event: RoomEventInput,
    version: number,
    control: ControlState,
  ): Promise<AppendResult>;
  /** The event a dedupe key was first appended as, while the window remembers it. */
  sent(roomId: string, epoch: string, dedupeKey: string): Promise<RoomEvent | undefined>;
  /**
   * Events of the room's `epoch` with seq greater than `afterSeq`, oldest first, at most `limit`.
   * `complete` is false when the log no longer holds all of them (trimmed), more than `limit`
   * exist, or the room is not in that epoch any more (then `events` is empty).
   */
  since(
    roomId: string,
    afterSeq: number,
    limit: number,
    epoch: string,
  ): Promise<{ complete: boolean; events: RoomEvent[] }>;
  /** The last assigned seq, 0 for an unknown room. */
  lastSeq(roomId: string): Promise<number>;
  /** Keeps an ended room for `retainMs` more (late resumes still work), then forgets it. */
  retire(roomId: string, epoch: string, retainMs: number): Promise<void>;
}

/** What travels on a room's channel. */
export type BrokerMessage =
  | { kind: 'event'; epoch: string; event: RoomEvent }
  | { kind: 'reactions'; node: string; counts: ReactionCounts }
  /** A drop of the room changed: nodes re-read its stock. */
  | { kind: 'drop'; dropId: string };

export interface BrokerListener {
  /** A message on the room's channel; events arrive in seq order unless the link dropped. */
  message(message: BrokerMessage): void;
  /** The link to the broker came back: messages may have been lost, so catch up from history. */
  resync(): void;
}

/** Fan-out between nodes: one channel per room. */
export interface BrokerPort {
  /** This node's id, unique among the nodes sharing the engine. */
  readonly nodeId: string;
  /** Resolves once messages published after it will be delivered; returns the unsubscribe. */
  subscribe(roomId: string, listener: BrokerListener): Promise<() => void>;
  /** Publishes an unsequenced message (reaction sums) to every node's subscribers, this one's too. */
  publish(roomId: string, message: BrokerMessage): Promise<void>;
}

/**
 * Who is watching a room, summed over every node. Members are connections, so one user with two
 * tabs counts twice. A node that stops heartbeating stops counting within the engine's TTL.
 */
export interface PresencePort {
  add(roomId: string, memberId: string): Promise<void>;
  remove(roomId: string, memberId: string): Promise<void>;
  count(roomId: string): Promise<number>;
  /**
   * When a user was first seen in a room (recorded as `now` the first time), for drops that ask
   * for a minimum presence before a claim counts. Remembered for {@link ARRIVAL_MEMORY_MS}.
   */
  arrived(roomId: string, userId: string, now: number): Promise<number>;
}

/** How long a user's arrival in a room is remembered. */
export const ARRIVAL_MEMORY_MS = 12 * 3600_000;

/** A token bucket: `capacity` tokens, refilled at `refillPerSecond`. */
export interface RateRule {
  capacity: number;
  refillPerSecond: number;
}

/** The answer of a rate limiter: allowed, or when to retry. */
export type RateDecision = { allowed: true } | { allowed: false; retryAfterMs: number };

/** Token buckets keyed by string, shared by every node using the same engine. */
export interface RateLimitPort {
  /** Takes `cost` tokens from the bucket `key` if it has them; atomically. */
  take(key: string, rule: RateRule, cost?: number): Promise<RateDecision>;
  /**
   * Takes as many whole tokens as the bucket has, up to `max`, atomically: a node leases a few
   * at once and spends them locally. `granted` 0 comes with the wait until a token is back.
   */
  takeUpTo(key: string, rule: RateRule, max: number): Promise<RateGrant>;
}

/** What {@link RateLimitPort.takeUpTo} handed out. */
export interface RateGrant {
  granted: number;
  /** When granted is 0: milliseconds until the bucket has a token again. */
  retryAfterMs: number;
}

/** The engine's shared-state ports, handed to the rooms. */
export interface Engine {
  readonly name: string;
  readonly history: HistoryPort;
  readonly broker: BrokerPort;
  readonly presence: PresencePort;
  readonly rateLimits: RateLimitPort;
  readonly inventory: InventoryPort;
  readonly merchantOutbox: MerchantOutboxPort;
  /** True while every backing service is reachable. */
  isReady(): boolean;
  close(): Promise<void>;
}
