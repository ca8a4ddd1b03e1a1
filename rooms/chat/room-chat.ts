import { CodedError, type ReactionKind } from '../../client-sdk/src/protocol/index.js';
import type { Member } from '../core/context.js';
import type { RoomScope } from '../core/scope.js';
import { assertCanWrite, assertRole, authorOf, type Identity } from '../model/identity.js';
import type { RateRule } from '../ports/rate-limits.js';
import type { TickBuffer } from './batch.js';
import * as decide from './decisions.js';

const MAX_REMEMBERED_SENDS = 1000;

/**
 * A room's chat: posting (the sender's rate, slow mode, dedupe of retries), reactions (summed in
 * the tick's buffer), and the moderators' deletes, pins and slow mode.
 */
export class RoomChat {
  private readonly sends = new Map<string, Promise<{ id: string; seq: number }>>();

  constructor(
    private readonly room: RoomScope,
    private readonly buffer: TickBuffer,
  ) {}

  /**
   * Sends a chat message; a repeated `clientMsgId` from the same user gets the first answer, here
   * at once and on any node through the engine.
   */
  send(member: Member, text: string, clientMsgId?: string): Promise<{ id: string; seq: number }> {
    assertCanWrite(member.identity);
    this.room.assertMember(member);
    if (clientMsgId === undefined) return this.room.holding(() => this.post(member, text));
    const key = `${member.identity.id}:${clientMsgId}`;
    const earlier = this.sends.get(key);
    if (earlier) return earlier;
    const sending = this.room.holding(() => this.post(member, text, key));
    this.sends.set(key, sending);
    sending.catch(() => this.sends.delete(key));
    if (this.sends.size > MAX_REMEMBERED_SENDS) {
      const oldest = this.sends.keys().next();
      if (!oldest.done) this.sends.delete(oldest.value);
    }
    return sending;
  }

  async react(member: Member, kind: ReactionKind, count: number): Promise<void> {
    assertCanWrite(member.identity);
    this.room.assertMember(member);
    await this.take(
      `react:${member.identity.id}`,
      this.room.limits.reactionRate,
      count,
      'RATE_LIMITED',
    );
    this.buffer.addReaction(kind, count);
    this.room.wake();
  }

  delete(identity: Identity, messageId: string): Promise<{ seq: number }> {
    assertRole(identity, this.room, 'moderator', 'delete messages');
    return this.room.control((s) => decide.deleteMessage(s, this.room.id, messageId, identity.id));
  }

  pin(identity: Identity, messageId: string): Promise<{ seq: number }> {
    assertRole(identity, this.room, 'moderator', 'pin messages');
    return this.room.control((s) => decide.pinMessage(s, this.room.id, messageId));
  }

  unpin(identity: Identity, messageId: string): Promise<{ seq: number }> {
    assertRole(identity, this.room, 'moderator', 'unpin messages');
    return this.room.control((s) => decide.unpinMessage(s, this.room.id, messageId));
  }

  setSlowMode(identity: Identity, seconds: number): Promise<{ seq: number }> {
    assertRole(identity, this.room, 'moderator', 'set slow mode');
    return this.room.control((s) => decide.setSlowMode(s, this.room.id, seconds));
  }

  /** Forgets remembered sends (the room is let go here). */
  clear(): void {
    this.sends.clear();
  }

  /** `dedupeKey`: a retry of the same send, on this node or another, gets the first answer. */
  private async post(
    member: Member,
    text: string,
    dedupeKey?: string,
  ): Promise<{ id: string; seq: number }> {
    const { identity } = member;
    const { room } = this;
    const author = authorOf(identity, room);
    try {
      const slow = decide.slowModeRule(room.state.slowModeSeconds, author);
      if (slow) await this.take(`slow:${room.id}:${identity.id}`, slow, 1, 'SLOW_MODE');
      await this.take(`chat:${identity.id}`, room.limits.chatRate, 1, 'RATE_LIMITED');
    } catch (error) {
      // a retry of a message that was posted (its answer lost) is not a new message to limit
      const prior =
        dedupeKey !== undefined && error instanceof CodedError
          ? await room.engine.history.sent(room.id, room.epoch, dedupeKey)
          : undefined;
      if (prior?.type === 'chat:message') return { id: prior.id, seq: prior.seq };
      throw error;
    }
    room.assertOpen();
    const event = await room.append(
      decide.chatMessage(room.id, room.newId(), author, text),
      dedupeKey,
    );
    if (event.type !== 'chat:message') throw new Error('history returned another event type');
    return { id: event.id, seq: event.seq };
  }

  private async take(
    key: string,
    rule: RateRule,
    cost: number,
    code: 'RATE_LIMITED' | 'SLOW_MODE',
  ): Promise<void> {
    const refusal = decide.rateRefusal(
      await this.room.engine.rateLimits.take(key, rule, cost),
      code,
    );
    if (refusal) throw refusal;
  }
}
