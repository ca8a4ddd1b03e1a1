import {
  CodedError,
  type RoomAdmission,
  type RoomEventInput,
} from '../../client-sdk/src/protocol/index.js';
import type { RoomScope } from '../core/scope.js';
import { assertRole, type Identity } from '../model/identity.js';
import type { ControlState } from '../model/control.js';

/** What setting a waiting room asks for. */
export interface AdmissionRequest {
  capacity: number | null;
  admitPerSecond: number | null;
  /** A drop whose arrivals before its start are shuffled at the start (null or absent: none). */
  preQueueDropId?: string | null | undefined;
}

/** The event that sets the room's waiting room; null when it already is so. */
export function setAdmission(
  s: ControlState,
  roomId: string,
  admission: RoomAdmission | null,
): RoomEventInput | null {
  if (JSON.stringify(s.admission) === JSON.stringify(admission)) return null;
  return { type: 'room:admission', roomId, admission };
}

/** What the waiting room feature needs besides the room: the drops' stock and a seed's makings. */
export interface AdmissionDeps {
  startsAt(dropId: string): Promise<number | undefined>;
  sha256(text: string): string;
  randomHex(bytes: number): string;
}

/**
 * A room's waiting room as its host sets it: capacity, admission rate, and a pre-queue for a drop
 * (its seed drawn here and kept by the engine; its hash published in the room's state). The
 * line itself is the engine's waiting room port; the server admits from it.
 */
export class RoomAdmissionSettings {
  constructor(
    private readonly room: RoomScope,
    private readonly deps: AdmissionDeps,
  ) {}

  get current(): RoomAdmission | null {
    return this.room.state.admission;
  }

  async set(
    identity: Identity,
    req: AdmissionRequest,
  ): Promise<{ seq: number; admission: RoomAdmission | null }> {
    const { room } = this;
    assertRole(identity, room, 'host', 'set the waiting room');
    const now = room.now();
    const current = room.state.admission?.preQueue ?? null;
    let preQueue: RoomAdmission['preQueue'] = null;
    const dropId = req.preQueueDropId ?? null;
    if (dropId !== null && current?.dropId === dropId && current.until > now) {
      preQueue = current; // the same pre-queue: its seed stays the one committed
    } else if (dropId !== null) {
      const until = await this.deps.startsAt(dropId);
      if (until === undefined)
        throw new CodedError('DROP_NOT_FOUND', `No drop ${dropId} in this room`);
      if (until <= now)
        throw new CodedError(
          'INVALID_STATE',
          'The drop has started: a pre-queue is for those who arrive before its start',
        );
      const seed = this.deps.randomHex(32);
      const seedHash = this.deps.sha256(seed);
      await room.engine.waitingRoom.setPreQueue(room.id, { until, seed, seedHash, dropId });
      preQueue = { dropId, until, seedHash };
    } else if (current && current.until > now) {
      await room.engine.waitingRoom.setPreQueue(room.id, null);
    }
    const admission =
      req.capacity === null && req.admitPerSecond === null && preQueue === null
        ? null
        : { capacity: req.capacity, admitPerSecond: req.admitPerSecond, preQueue };
    const { seq } = await room.control((s) => setAdmission(s, room.id, admission));
    return { seq, admission: room.state.admission };
  }
}
