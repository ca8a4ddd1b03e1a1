import type { RoomEvent, RoomEventInput } from '../client-sdk/src/protocol/index.js';

/**
 * The ordered log of a room's sequenced events. `append` assigns the next seq atomically, so two
 * writers never get the same seq and seqs have no gaps. The log is bounded: old events are trimmed.
 */
export interface HistoryPort {
  /** Appends an event and returns it with its seq and server time. */
  append(roomId: string, event: RoomEventInput): Promise<RoomEvent>;
  /**
   * Events with seq greater than `afterSeq`, oldest first, at most `limit`. `complete` is false when
   * the log no longer holds all of them (trimmed) or more than `limit` exist.
   */
  since(
    roomId: string,
    afterSeq: number,
    limit: number,
  ): Promise<{ complete: boolean; events: RoomEvent[] }>;
  /** The last assigned seq, 0 for a room with no events. */
  lastSeq(roomId: string): Promise<number>;
  /** Forgets the room's log (the next append starts again at 1). */
  clear(roomId: string): Promise<void>;
}

/** Who is watching a room. Members are connections, so one user with two tabs counts twice. */
export interface PresencePort {
  add(roomId: string, memberId: string): Promise<void>;
  remove(roomId: string, memberId: string): Promise<void>;
  count(roomId: string): Promise<number>;
}

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
}

/** The engine's shared-state ports, handed to the rooms. */
export interface Engine {
  readonly name: string;
  readonly history: HistoryPort;
  readonly presence: PresencePort;
  readonly rateLimits: RateLimitPort;
  /** True while every backing service is reachable. */
  isReady(): boolean;
  close(): Promise<void>;
}
