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
