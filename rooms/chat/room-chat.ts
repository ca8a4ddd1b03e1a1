import {
  CodedError,
  type ClientResponse,
  type ReactionKind,
} from '../../client-sdk/src/protocol/index.js';
import type { Member } from '../core/context.js';
import type { RoomScope } from '../core/scope.js';
import { assertCanWrite, assertRole, authorOf, type Identity } from '../model/identity.js';
import type { RateRule } from '../ports/rate-limits.js';
import type { RoomModeration } from '../moderation/room-moderation.js';
import type { HeldEntry } from '../ports/moderation.js';
import type { RoomShield } from '../shield/room-shield.js';
import { shielded } from '../shield/screen.js';
import type { TickBuffer } from './batch.js';
import * as decide from './decisions.js';

const MAX_REMEMBERED_SENDS = 1000;

/** The answer to a send: published with its seq, or held for review. */
export type SendResult = ClientResponse<'chat:send'>;

/**
 * A room's chat: posting (the sender's rate, slow mode, dedupe of retries), reactions (summed in
 * the tick's buffer), and the moderators' deletes, pins and slow mode.
 */
export class RoomChat {
  private readonly sends = new Map<string, Promise<SendResult>>();

  constructor(
    private readonly room: RoomScope,
    private readonly buffer: TickBuffer,
    private readonly moderation: RoomModeration,
    private readonly shield: RoomShield,
  ) {}

  /**
   * Sends a chat message; a repeated `clientMsgId` from the same user gets the first answer, here
   * at once and on any node through the engine.
   */
  send(member: Member, text: string, clientMsgId?: string): Promise<SendResult> {
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

  async delete(identity: Identity, messageId: string): Promise<{ seq: number }> {
    assertRole(identity, this.room, 'moderator', 'delete messages');
    const author = this.room.state.recent.get(messageId)?.author.id;
    const done = await this.room.control((s) =>
      decide.deleteMessage(s, this.room.id, messageId, identity.id),
    );
    if (author !== undefined) this.moderation.deleted(identity, messageId, author);
    this.moderation.reports.resolved(messageId);
    return done;
  }

  /** Reports a message; enough distinct reporters remove it for everyone (`chat:deleted` by `reports`). */
  async report(
    identity: Identity,
    messageId: string,
    reason?: string,
  ): Promise<{ reporters: number; hidden: boolean }> {
    const { reporters, hide } = await this.moderation.reports.report(identity, messageId, reason);
    if (hide)
      await this.room
        .control((s) => decide.deleteMessage(s, this.room.id, messageId, 'reports'))
        .catch((error: unknown) => {
          // deleted meanwhile by a moderator: hidden all the same
          if (!(error instanceof CodedError && error.code === 'MESSAGE_NOT_FOUND')) throw error;
        });
    return { reporters, hidden: hide };
  }

  /** Deletes a user's recent messages (each a `chat:deleted`, recorded as a moderator action). */
  async purge(identity: Identity, userId: string): Promise<{ deleted: number }> {
    assertRole(identity, this.room, 'moderator', 'delete messages');
    const ids = [...this.room.state.recent.values()]
      .filter((m) => m.author.id === userId)
      .map((m) => m.id);
    let deleted = 0;
    for (const id of ids) {
      const result = await this.delete(identity, id).catch((error: unknown) => {
        if (error instanceof CodedError && error.code === 'MESSAGE_NOT_FOUND') return null;
        throw error;
      });
      if (result) deleted++;
    }
    return { deleted };
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
  private async post(member: Member, text: string, dedupeKey?: string): Promise<SendResult> {
    const { identity } = member;
    const { room } = this;
    const author = authorOf(identity, room);
    // read the sender's sanctions while the rate limits are taken (one round trip, not two)
    const standing = this.moderation.standingOf(identity);
    standing.catch(() => undefined);
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
      if (prior?.type === 'chat:message')
        return { status: 'published', id: prior.id, seq: prior.seq };
      throw error;
    }
    room.assertOpen();
    const group = this.moderation.partitionOf(identity);
    // shield mode's rules come first (a read-only newcomer is refused here, SHIELDED)
    const gate = this.shield.gate(identity, text, group);
    const id = room.newId();
    const screened = shielded(
      await this.moderation.screen(identity, id, text, await standing),
      gate,
      room,
      { roomId: room.id, messageId: id, userId: identity.id, userRegion: identity.region },
      group,
    );
    const { outcome } = screened;
    this.moderation.noted(outcome);
    if (outcome.kind === 'block') {
      this.moderation.keep(screened.records);
      throw new CodedError(
        'MESSAGE_BLOCKED',
        `Not posted: this room's rule "${outcome.verdict.rule}" does not allow it`,
      );
    }
    if (outcome.kind === 'hold') {
      const reason = `Held for review (rule "${outcome.verdict.rule}")`;
      await this.moderation.hold(
        {
          id,
          roomId: room.id,
          author,
          text,
          heldAt: room.now(),
          rule: outcome.verdict.rule,
          reason,
          ...(outcome.stamp ? { stamp: outcome.stamp } : {}),
        },
        screened,
      );
      return { status: 'held', id, reason };
    }
    const event = await room.append(
      decide.chatMessage(room.id, id, author, text, outcome.stamp),
      dedupeKey,
    );
    if (event.type !== 'chat:message') throw new Error('history returned another event type');
    this.moderation.keep(screened.records, event.seq);
    return { status: 'published', id: event.id, seq: event.seq };
  }

  /** Publishes an approved held message now, under its id, with a new seq. */
  async publishHeld(entry: HeldEntry): Promise<number> {
    this.room.assertOpen();
    const event = await this.room.append(
      decide.chatMessage(this.room.id, entry.id, entry.author, entry.text, entry.stamp),
    );
    return event.seq;
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
