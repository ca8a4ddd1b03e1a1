import {
  applyControl,
  type RoomEvent,
  type StreamInfo,
} from '../../client-sdk/src/protocol/index.js';
import { keptOf, type KeptMessage } from '../moderation/stamp.js';
import type { RoomLoad } from '../ports/history.js';
import type { ControlState } from './control.js';

export { applyControl, isControl } from '../../client-sdk/src/protocol/index.js';

/** How many recent messages a room remembers for snapshots, deletes and pins. */
export const RECENT_MESSAGES = 500;

/** A room's state: a fold over its events, so every node applying the same events agrees. */
export interface RoomState extends ControlState {
  seq: number;
  /** Recent messages not deleted, by id, oldest first (a Map keeps insertion order), with their stamps. */
  recent: Map<string, KeptMessage>;
}

export function initialControl(stream: StreamInfo): ControlState {
  return {
    stream,
    slowModeSeconds: 0,
    pinned: [],
    products: [],
    pinnedProducts: [],
    moderators: [],
    shield: null,
    admission: null,
  };
}

/** Control state as stored: records written before products existed lack their fields. */
export type StoredControl = Omit<
  ControlState,
  'products' | 'pinnedProducts' | 'moderators' | 'shield' | 'admission'
> &
  Partial<
    Pick<ControlState, 'products' | 'pinnedProducts' | 'moderators' | 'shield' | 'admission'>
  >;

/** The control part of a room's state (fields a record stored before they existed get defaults). */
export const controlOf = (c: StoredControl): ControlState => ({
  stream: c.stream,
  slowModeSeconds: c.slowModeSeconds,
  pinned: c.pinned,
  products: c.products ?? [],
  pinnedProducts: c.pinnedProducts ?? [],
  moderators: c.moderators ?? [],
  shield: c.shield ?? null,
  admission: c.admission ?? null,
});

/** Applies one event in place. Events must arrive in seq order. */
export function applyEvent(state: RoomState, event: RoomEvent): void {
  state.seq = event.seq;
  if (event.type === 'chat:message') {
    remember(state.recent, keptOf(event));
    return;
  }
  if (event.type === 'chat:deleted') state.recent.delete(event.messageId);
  Object.assign(state, applyControl(controlOf(state), event));
}

/** The state a consistent {@link RoomLoad} describes: its control state plus the chat in its tail. */
export function stateFromLoad(load: RoomLoad): RoomState {
  const recent = new Map<string, KeptMessage>();
  for (const event of load.tail) {
    if (event.type === 'chat:message') remember(recent, keptOf(event));
    else if (event.type === 'chat:deleted') recent.delete(event.messageId);
  }
  return { ...controlOf(load.record.control), seq: load.seq, recent };
}

function remember(recent: Map<string, KeptMessage>, message: KeptMessage): void {
  recent.set(message.id, message);
  if (recent.size > RECENT_MESSAGES) {
    const oldest = recent.keys().next();
    if (!oldest.done) recent.delete(oldest.value);
  }
}
