import type { RoomControl } from '../../client-sdk/src/protocol/index.js';

/** The part of a room's state that control events change (the protocol's fold defines it). */
export type ControlState = RoomControl;
