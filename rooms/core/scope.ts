import type { RoomEvent, RoomEventInput } from '../../client-sdk/src/protocol/index.js';
import type { Decision } from '../model/decision.js';
import type { RoomRef } from '../model/identity.js';
import type { RoomState } from '../model/room-state.js';
import type { Member, RoomEngine, RoomLimits } from './context.js';

/**
 * What the room kernel lends its features (chat, products, stream, drops): the replica's state to
 * decide on, and the few ways to change the shared room. Features decide; the kernel appends.
 */
export interface RoomScope extends RoomRef {
  readonly hostId: string;
  readonly moderators: readonly string[];
  readonly engine: RoomEngine;
  readonly limits: RoomLimits;
  /** This replica's state (the room must be loaded). */
  readonly state: RoomState;
  readonly epoch: string;
  now(): number;
  newId(): string;
  /**
   * Applies a control decision everywhere: decides on this replica's state, appends only if no
   * other control event came first (else catches up and decides again), and resolves once this
   * replica has applied it. One at a time per node.
   */
  control(decide: (state: RoomState) => Decision): Promise<{ seq: number }>;
  /** Appends a non-control event (chat); a repeated `dedupeKey` gets the first one's event. */
  append(input: RoomEventInput, dedupeKey?: string): Promise<RoomEvent>;
  /** Runs a write with the room held: it is not let go meanwhile. */
  holding<T>(task: () => Promise<T>): Promise<T>;
  /** Throws ROOM_NOT_FOUND once the room closed here. */
  assertOpen(): void;
  /** Throws NOT_IN_ROOM unless the connection joined the room on this node. */
  assertMember(member: Member): void;
  /** When a signed-in user first arrived in the room, across nodes (undefined: not seen here). */
  arrivedAt(userId: string): number | undefined;
  /** Asks for the next tick (reactions were added to the tick's buffer). */
  wake(): void;
  /** Something in the background failed (logged; the caller has moved on). */
  failed(error: unknown): void;
}
