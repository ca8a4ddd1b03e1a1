import { describe, expect, it } from 'vitest';
import {
  MAX_PINNED_MESSAGES,
  type ChatMessage,
  type Role,
} from '../../client-sdk/src/protocol/index.js';
import { initialControl, type RoomState } from '../model/room-state.js';
import { newStream } from '../stream/decisions.js';
import * as chat from './decisions.js';

const author = (role: Role = 'viewer') => ({ id: 'u1', name: 'Ann', role });
const message = (n: number): ChatMessage => ({
  id: `m${n}`,
  seq: n,
  ts: n,
  author: author(),
  text: `hi ${n}`,
});

function room(messages: ChatMessage[], changes: Partial<RoomState> = {}): RoomState {
  return {
    ...initialControl(newStream({ title: 'Show' }, 'h1')),
    seq: messages.length,
    recent: new Map(messages.map((m) => [m.id, m])),
    ...changes,
  };
}

describe('chat decisions', () => {
  it('a post is a chat:message with its author', () => {
    expect(chat.chatMessage('r', 'id1', author(), 'hello')).toEqual({
      type: 'chat:message',
      roomId: 'r',
      id: 'id1',
      author: author(),
      text: 'hello',
    });
  });

  it('slow mode limits viewers to one message per period and never staff', () => {
    expect(chat.slowModeRule(0, author())).toBeNull();
    expect(chat.slowModeRule(10, author())).toEqual({ capacity: 1, refillPerSecond: 0.1 });
    expect(chat.slowModeRule(10, author('moderator'))).toBeNull();
    expect(chat.slowModeRule(10, author('host'))).toBeNull();
  });

  it('a refused rate says how long to wait, rounded up to seconds in words and exact in ms', () => {
    expect(chat.rateRefusal({ allowed: true }, 'RATE_LIMITED')).toBeNull();
    const slow = chat.rateRefusal({ allowed: false, retryAfterMs: 4200.5 }, 'SLOW_MODE');
    expect(slow).toMatchObject({ code: 'SLOW_MODE', retryAfterMs: 4201, retryable: true });
    expect(slow?.message).toBe('Slow mode is on: wait 5s');
    expect(chat.rateRefusal({ allowed: false, retryAfterMs: 1 }, 'RATE_LIMITED')?.message).toBe(
      'Too many requests: wait 1s',
    );
  });

  it('deletes a recent message, and refuses an unknown one', () => {
    const s = room([message(1)]);
    expect(chat.deleteMessage(s, 'r', 'm1', 'mod')).toEqual({
      type: 'chat:deleted',
      roomId: 'r',
      messageId: 'm1',
      by: 'mod',
    });
    expect(() => chat.deleteMessage(s, 'r', 'm9', 'mod')).toThrow(
      expect.objectContaining({ code: 'MESSAGE_NOT_FOUND' }),
    );
    expect(chat.maybeNotYetSeen(chat.messageNotFound('m9'))).toBe(true);
  });

  it('pins up to the limit, once each; unpins only what is pinned', () => {
    const all = Array.from({ length: MAX_PINNED_MESSAGES + 1 }, (_, i) => message(i + 1));
    const pinned = all.slice(0, MAX_PINNED_MESSAGES);
    const full = room(all, { pinned });
    expect(chat.pinMessage(room(all), 'r', 'm1')).toEqual({
      type: 'chat:pinned',
      roomId: 'r',
      message: all[0],
    });
    expect(chat.pinMessage(full, 'r', 'm1')).toBeNull();
    expect(() => chat.pinMessage(full, 'r', `m${all.length}`)).toThrow(
      expect.objectContaining({ code: 'PIN_LIMIT' }),
    );
    expect(() => chat.pinMessage(full, 'r', 'nope')).toThrow(
      expect.objectContaining({ code: 'MESSAGE_NOT_FOUND' }),
    );
    expect(chat.unpinMessage(full, 'r', 'm1')).toEqual({
      type: 'chat:unpinned',
      roomId: 'r',
      messageId: 'm1',
    });
    expect(chat.unpinMessage(room(all), 'r', 'm1')).toBeNull();
  });

  it('slow mode changes only when it differs', () => {
    expect(chat.setSlowMode(room([]), 'r', 0)).toBeNull();
    expect(chat.setSlowMode(room([]), 'r', 30)).toEqual({
      type: 'chat:slow-mode',
      roomId: 'r',
      seconds: 30,
    });
  });
});
