import type { RoomEventInput } from '../../client-sdk/src/protocol/index.js';

/**
 * A feature's answer to a command, decided on a room's state without side effects: the event to
 * append, `null` when the room already is as asked, or a thrown CodedError when it is refused.
 */
export type Decision = RoomEventInput | null;
