import {
  SNAPSHOT_CHAT_LIMIT,
  toChatMessage,
  type ChatMessage,
  type RoomEvent,
  type StreamInfo,
} from '../client-sdk/src/protocol/index.js';

/** How many recent messages a room remembers for snapshots, deletes and pins. */
export const RECENT_MESSAGES = 500;

/** A room's state: a fold over its events, so every node applying the same events agrees. */
export interface RoomState {
  seq: number;
  stream: StreamInfo;
  slowModeSeconds: number;
  /** Recent messages not deleted, by id, oldest first (a Map keeps insertion order). */
  recent: Map<string, ChatMessage>;
  pinned: ChatMessage[];
}

export function initialState(stream: StreamInfo, seq = 0): RoomState {
  return { seq, stream, slowModeSeconds: 0, recent: new Map(), pinned: [] };
}

/** Applies one event in place. Events must arrive in seq order. */
export function applyEvent(state: RoomState, event: RoomEvent): void {
  state.seq = event.seq;
  switch (event.type) {
    case 'chat:message':
      state.recent.set(event.id, toChatMessage(event));
      if (state.recent.size > RECENT_MESSAGES) {
        const oldest = state.recent.keys().next();
        if (!oldest.done) state.recent.delete(oldest.value);
      }
      return;
    case 'chat:deleted':
      state.recent.delete(event.messageId);
      state.pinned = state.pinned.filter((m) => m.id !== event.messageId);
      return;
    case 'chat:pinned':
      state.pinned = [...state.pinned.filter((m) => m.id !== event.message.id), event.message];
      return;
    case 'chat:unpinned':
      state.pinned = state.pinned.filter((m) => m.id !== event.messageId);
      return;
    case 'chat:slow-mode':
      state.slowModeSeconds = event.seconds;
      return;
    case 'stream:updated':
      state.stream = event.stream;
      return;
  }
}

/** The newest `limit` messages, oldest first. */
export function recentChat(state: RoomState, limit = SNAPSHOT_CHAT_LIMIT): ChatMessage[] {
  const all = [...state.recent.values()];
  return all.slice(Math.max(0, all.length - limit));
}
