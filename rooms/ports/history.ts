import type { RoomEvent, RoomEventInput } from '../../client-sdk/src/protocol/index.js';
import type { ControlState } from '../model/control.js';

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
