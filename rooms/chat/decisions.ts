import {
  CodedError,
  MAX_PINNED_MESSAGES,
  type Author,
  type RoomEventInput,
} from '../../client-sdk/src/protocol/index.js';
import type { Decision } from '../model/decision.js';
import { isStaff } from '../model/identity.js';
import { isRestricted, type KeptChatEvent, type Stamp } from '../moderation/stamp.js';
import type { RoomState } from '../model/room-state.js';
import type { RateDecision, RateRule } from '../ports/rate-limits.js';

/**
 * Chat's pure decisions: what a post, a delete, a pin or slow mode turns into, given the room's
 * state. The room appends what they return (see {@link Decision}).
 */

/** A message to append, with what each audience sees of it when moderation restricted it. */
export function chatMessage(
  roomId: string,
  id: string,
  author: Author,
  text: string,
  stamp?: Stamp,
): RoomEventInput {
  const event: Omit<KeptChatEvent, 'seq' | 'ts'> = {
    type: 'chat:message',
    roomId,
    id,
    author,
    text,
  };
  if (stamp) event.moderation = stamp;
  return event;
}

/** The bucket slow mode puts on a sender: one message per `slowModeSeconds`; none for staff. */
export function slowModeRule(slowModeSeconds: number, author: Author): RateRule | null {
  if (slowModeSeconds <= 0 || isStaff(author.role)) return null;
  return { capacity: 1, refillPerSecond: 1 / slowModeSeconds };
}

/** A refused rate decision as the error the sender sees; null when allowed. */
export function rateRefusal(
  decision: RateDecision,
  code: 'RATE_LIMITED' | 'SLOW_MODE',
): CodedError | null {
  if (decision.allowed) return null;
  const wait = Math.ceil(decision.retryAfterMs / 1000);
  const message =
    code === 'SLOW_MODE' ? `Slow mode is on: wait ${wait}s` : `Too many requests: wait ${wait}s`;
  return new CodedError(code, message, decision.retryAfterMs);
}

export function deleteMessage(
  s: RoomState,
  roomId: string,
  messageId: string,
  by: string,
): Decision {
  if (!s.recent.has(messageId)) throw messageNotFound(messageId);
  return { type: 'chat:deleted', roomId, messageId, by };
}

export function pinMessage(s: RoomState, roomId: string, messageId: string): Decision {
  const message = s.recent.get(messageId);
  if (!message) throw messageNotFound(messageId);
  if (s.pinned.some((m) => m.id === messageId)) return null;
  // a pin is shown to everyone alike: a message some audience does not see as written cannot be
  if (isRestricted(message))
    throw new CodedError(
      'FORBIDDEN',
      'Moderation restricts this message for some viewers, so it cannot be pinned',
    );
  if (s.pinned.length >= MAX_PINNED_MESSAGES)
    throw new CodedError(
      'PIN_LIMIT',
      `At most ${MAX_PINNED_MESSAGES} messages can be pinned; unpin one first`,
    );
  return { type: 'chat:pinned', roomId, message };
}

export function unpinMessage(s: RoomState, roomId: string, messageId: string): Decision {
  return s.pinned.some((m) => m.id === messageId)
    ? { type: 'chat:unpinned', roomId, messageId }
    : null;
}

export function setSlowMode(s: RoomState, roomId: string, seconds: number): Decision {
  return s.slowModeSeconds === seconds ? null : { type: 'chat:slow-mode', roomId, seconds };
}

/**
 * A message just written (on this node or another) may not have reached this replica yet: a
 * decision refused for that reason is worth one catch-up and a second try.
 */
export const maybeNotYetSeen = (error: unknown): boolean =>
  error instanceof CodedError && error.code === 'MESSAGE_NOT_FOUND';

export const messageNotFound = (messageId: string): CodedError =>
  new CodedError('MESSAGE_NOT_FOUND', `No recent message ${messageId} in this room`);
