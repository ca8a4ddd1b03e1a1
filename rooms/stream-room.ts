import {
  MAX_PINNED_MESSAGES,
  toChatMessage,
  type ReactionKind,
  type RoomEvent,
  type RoomEventInput,
  type RoomSnapshot,
  type StreamInfo,
} from '../client-sdk/src/protocol/index.js';
import { RoomError } from './errors.js';
import {
  assertCanWrite,
  assertRole,
  authorOf,
  isStaff,
  roleIn,
  type Identity,
} from './identity.js';
import { RoomOutbox, type ChatBatch, type ReactionCounts } from './outbox.js';
import type { Engine, RateRule } from './ports.js';
import { applyEvent, initialState, recentChat, type RoomState } from './room-state.js';

/** One connection in a room. */
export interface Member {
  /** The connection id: unique per connection, so a user's two tabs are two members. */
  readonly id: string;
  readonly identity: Identity;
}

/** Where a room's output goes. The server turns these into single-room broadcasts. */
export interface RoomOutput {
  /** Control lane: sent at once, never sampled. */
  control(event: RoomEvent): void;
  /** Batch lane: the chat of one tick. */
  chat(roomId: string, batch: ChatBatch): void;
  reactions(roomId: string, seq: number, counts: ReactionCounts): void;
  viewers(roomId: string, seq: number, count: number): void;
  /** Asks the tick loop to visit the room at its next tick. */
  wake(room: StreamRoom): void;
}

export interface RoomLimits {
  /** Chat messages a room sends per tick before it samples. */
  chatBudgetPerTick: number;
  /** Per user, across rooms. */
  chatRate: RateRule;
  /** Per user, across rooms; a reaction with `count` n costs n. */
  reactionRate: RateRule;
  viewerCountIntervalMs: number;
  /** Most events a resume replays; beyond that the client gets a snapshot. */
  replayLimit: number;
}

/** What a room needs from its surroundings. */
export interface RoomContext {
  readonly engine: Pick<Engine, 'history' | 'presence' | 'rateLimits'>;
  readonly output: RoomOutput;
  readonly limits: RoomLimits;
  now(): number;
  newId(): string;
  /** Called when the room may be disposable (empty, or just ended). */
  release(room: StreamRoom): void;
}

/** The fields a host sets on a stream. */
export interface StreamFields {
  title: string;
  description?: string | undefined;
  coverUrl?: string | undefined;
  scheduledAt?: number | undefined;
}

export type JoinOutcome =
  | { recovered: true; missed: RoomEvent[]; seq: number; viewers: number; serverTime: number }
  | { recovered: false; snapshot: RoomSnapshot };

export interface ResumePoint {
  epoch: string;
  lastSeq: number;
}

const MAX_REMEMBERED_SENDS = 1000;

/**
 * A live-stream room: the stream's state, chat, reactions and audience. Lifecycle hooks run in
 * order onCreate → (onJoin | onLeave)* → onDispose; the {@link RoomRegistry} drives them.
 */
export class StreamRoom {
  readonly members = new Map<string, Member>();
  private state: RoomState;
  private readonly outbox: RoomOutbox;
  private disposed = false;
  private viewersDirty = false;
  private viewersSentAt = Number.NEGATIVE_INFINITY;
  private viewersSent = -1;
  private queue: Promise<unknown> = Promise.resolve();
  private readonly sends = new Map<string, Promise<{ id: string; seq: number }>>();

  constructor(
    readonly id: string,
    readonly epoch: string,
    private readonly ctx: RoomContext,
  ) {
    this.outbox = new RoomOutbox(ctx.limits.chatBudgetPerTick);
    this.state = initialState(this.streamInfo({ title: id }, ''));
  }

  get isDisposed(): boolean {
    return this.disposed;
  }

  get seq(): number {
    return this.state.seq;
  }

  get stream(): StreamInfo {
    return this.state.stream;
  }

  /** True when nobody is here and the stream has ended. */
  get isDisposable(): boolean {
    return this.members.size === 0 && this.state.stream.state === 'ended';
  }

  /** Lifecycle: the host created the stream. Runs once, before anyone can join. */
  async onCreate(fields: StreamFields, host: Identity): Promise<void> {
    this.state.seq = await this.ctx.engine.history.lastSeq(this.id);
    await this.append({
      type: 'stream:updated',
      roomId: this.id,
      stream: this.streamInfo(fields, host.id),
    });
  }

  /** Lifecycle: a connection joined. */
  protected onJoin(_member: Member): Promise<void> | void {
    this.markViewers();
  }

  /** Lifecycle: a connection left. */
  protected onLeave(_member: Member): Promise<void> | void {
    this.markViewers();
    this.ctx.release(this);
  }

  /** Lifecycle: the room is going away; it sends nothing more. */
  async onDispose(): Promise<void> {
    this.disposed = true;
    this.members.clear();
    this.sends.clear();
    await this.ctx.engine.history.clear(this.id);
  }

  /** Joins (or re-joins) a connection; a valid resume point gets the missed events. */
  async join(member: Member, resume?: ResumePoint): Promise<JoinOutcome> {
    this.assertOpen();
    if (!this.members.has(member.id)) {
      this.members.set(member.id, member);
      await this.ctx.engine.presence.add(this.id, member.id);
      await this.onJoin(member);
    }
    if (resume?.epoch === this.epoch && resume.lastSeq <= this.state.seq) {
      const { complete, events } = await this.ctx.engine.history.since(
        this.id,
        resume.lastSeq,
        this.ctx.limits.replayLimit,
      );
      if (complete) {
        const viewers = await this.ctx.engine.presence.count(this.id);
        return {
          recovered: true,
          missed: events,
          seq: this.state.seq,
          viewers,
          serverTime: this.ctx.now(),
        };
      }
    }
    return { recovered: false, snapshot: await this.snapshot(roleIn(member.identity, this.id)) };
  }

  async leave(memberId: string): Promise<boolean> {
    const member = this.members.get(memberId);
    if (!member) return false;
    this.members.delete(memberId);
    await this.ctx.engine.presence.remove(this.id, memberId);
    await this.onLeave(member);
    return true;
  }

  async snapshot(role: RoomSnapshot['role']): Promise<RoomSnapshot> {
    const viewers = await this.ctx.engine.presence.count(this.id);
    const s = this.state;
    return {
      roomId: this.id,
      epoch: this.epoch,
      seq: s.seq,
      serverTime: this.ctx.now(),
      stream: s.stream,
      viewers,
      slowModeSeconds: s.slowModeSeconds,
      chat: recentChat(s),
      pinned: [...s.pinned],
      role,
    };
  }

  /** Sends a chat message; a repeated `clientMsgId` from the same user gets the first answer. */
  sendChat(
    member: Member,
    text: string,
    clientMsgId?: string,
  ): Promise<{ id: string; seq: number }> {
    assertCanWrite(member.identity);
    this.assertMember(member);
    if (clientMsgId === undefined) return this.postChat(member, text);
    const key = `${member.identity.id}\n${clientMsgId}`;
    const earlier = this.sends.get(key);
    if (earlier) return earlier;
    const sending = this.postChat(member, text);
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
    this.assertMember(member);
    await this.take(
      `react:${member.identity.id}`,
      this.ctx.limits.reactionRate,
      count,
      'RATE_LIMITED',
    );
    this.outbox.addReaction(kind, count);
    this.ctx.output.wake(this);
  }

  deleteMessage(identity: Identity, messageId: string): Promise<{ seq: number }> {
    assertRole(identity, this.id, 'moderator', 'delete messages');
    return this.serial(async () => {
      if (!this.state.recent.has(messageId)) throw notFound(messageId);
      return this.publish({ type: 'chat:deleted', roomId: this.id, messageId, by: identity.id });
    });
  }

  pin(identity: Identity, messageId: string): Promise<{ seq: number }> {
    assertRole(identity, this.id, 'moderator', 'pin messages');
    return this.serial(async () => {
      const message = this.state.recent.get(messageId);
      if (!message) throw notFound(messageId);
      if (this.state.pinned.some((m) => m.id === messageId)) return { seq: this.state.seq };
      if (this.state.pinned.length >= MAX_PINNED_MESSAGES) {
        throw new RoomError(
          'PIN_LIMIT',
          `At most ${MAX_PINNED_MESSAGES} messages can be pinned; unpin one first`,
        );
      }
      return this.publish({ type: 'chat:pinned', roomId: this.id, message });
    });
  }

  unpin(identity: Identity, messageId: string): Promise<{ seq: number }> {
    assertRole(identity, this.id, 'moderator', 'unpin messages');
    return this.serial(async () => {
      if (!this.state.pinned.some((m) => m.id === messageId)) return { seq: this.state.seq };
      return this.publish({ type: 'chat:unpinned', roomId: this.id, messageId });
    });
  }

  setSlowMode(identity: Identity, seconds: number): Promise<{ seq: number }> {
    assertRole(identity, this.id, 'moderator', 'set slow mode');
    return this.serial(async () => {
      if (this.state.slowModeSeconds === seconds) return { seq: this.state.seq };
      return this.publish({ type: 'chat:slow-mode', roomId: this.id, seconds });
    });
  }

  /** Edits the stream's fields; allowed until it ends. */
  updateStream(
    identity: Identity,
    fields: StreamFields,
  ): Promise<{ seq: number; stream: StreamInfo }> {
    assertRole(identity, this.id, 'host', 'edit the stream');
    return this.serial(async () => {
      if (this.state.stream.state === 'ended')
        throw new RoomError('INVALID_STATE', 'The stream has ended');
      const current = this.state.stream;
      const stream: StreamInfo = {
        ...current,
        title: fields.title,
        description: fields.description ?? current.description,
        coverUrl: fields.coverUrl ?? current.coverUrl,
        scheduledAt: fields.scheduledAt ?? current.scheduledAt,
      };
      const { seq } = await this.publish({ type: 'stream:updated', roomId: this.id, stream });
      return { seq, stream };
    });
  }

  start(identity: Identity): Promise<{ seq: number }> {
    assertRole(identity, this.id, 'host', 'start the stream');
    return this.serial(async () => {
      const { stream } = this.state;
      if (stream.state === 'live') return { seq: this.state.seq };
      if (stream.state === 'ended') throw new RoomError('INVALID_STATE', 'The stream has ended');
      const live: StreamInfo = { ...stream, state: 'live', startedAt: this.ctx.now() };
      return this.publish({ type: 'stream:updated', roomId: this.id, stream: live });
    });
  }

  async end(identity: Identity): Promise<{ seq: number }> {
    assertRole(identity, this.id, 'host', 'end the stream');
    const result = await this.serial(async () => {
      const { stream } = this.state;
      if (stream.state === 'ended') return { seq: this.state.seq };
      const ended: StreamInfo = { ...stream, state: 'ended', endedAt: this.ctx.now() };
      return this.publish({ type: 'stream:updated', roomId: this.id, stream: ended });
    });
    this.ctx.release(this);
    return result;
  }

  /**
   * Called by the tick loop: sends the tick's chat batch and reaction sums, and the viewer count
   * when it changed and the interval allows. Returns true when the room wants another tick.
   */
  tick(now: number): boolean {
    if (this.disposed) return false;
    this.flushChat();
    const counts = this.outbox.takeReactions();
    if (counts) this.ctx.output.reactions(this.id, this.state.seq, counts);
    if (!this.viewersDirty) return false;
    if (now - this.viewersSentAt < this.ctx.limits.viewerCountIntervalMs) return true;
    this.viewersDirty = false;
    this.viewersSentAt = now;
    void this.sendViewers();
    return false;
  }

  private async sendViewers(): Promise<void> {
    try {
      const count = await this.ctx.engine.presence.count(this.id);
      if (this.disposed || count === this.viewersSent) return;
      this.viewersSent = count;
      this.ctx.output.viewers(this.id, this.state.seq, count);
    } catch {
      this.markViewers();
    }
  }

  private markViewers(): void {
    this.viewersDirty = true;
    this.ctx.output.wake(this);
  }

  private async postChat(member: Member, text: string): Promise<{ id: string; seq: number }> {
    const { identity } = member;
    const slow = this.state.slowModeSeconds;
    if (slow > 0 && !isStaff(roleIn(identity, this.id))) {
      const rule = { capacity: 1, refillPerSecond: 1 / slow };
      await this.take(`slow:${this.id}:${identity.id}`, rule, 1, 'SLOW_MODE');
    }
    await this.take(`chat:${identity.id}`, this.ctx.limits.chatRate, 1, 'RATE_LIMITED');
    const event = await this.append({
      type: 'chat:message',
      roomId: this.id,
      id: this.ctx.newId(),
      author: authorOf(identity, this.id),
      text,
    });
    if (event.type !== 'chat:message') throw new Error('history returned another event type');
    this.outbox.pushChat(toChatMessage(event));
    this.ctx.output.wake(this);
    return { id: event.id, seq: event.seq };
  }

  private async take(
    key: string,
    rule: RateRule,
    cost: number,
    code: 'RATE_LIMITED' | 'SLOW_MODE',
  ): Promise<void> {
    const decision = await this.ctx.engine.rateLimits.take(key, rule, cost);
    if (decision.allowed) return;
    const wait = Math.ceil(decision.retryAfterMs / 1000);
    const message =
      code === 'SLOW_MODE' ? `Slow mode is on: wait ${wait}s` : `Too many requests: wait ${wait}s`;
    throw new RoomError(code, message, decision.retryAfterMs);
  }

  /** Appends an event, applies it, and sends it on the control lane after any pending chat. */
  private async publish(input: RoomEventInput): Promise<{ seq: number }> {
    const event = await this.append(input);
    this.flushChat();
    this.ctx.output.control(event);
    return { seq: event.seq };
  }

  private async append(input: RoomEventInput): Promise<RoomEvent> {
    this.assertOpen();
    const event = await this.ctx.engine.history.append(this.id, input);
    if (event.seq !== this.state.seq + 1) {
      throw new Error(`room ${this.id}: event ${event.seq} arrived after ${this.state.seq}`);
    }
    applyEvent(this.state, event);
    return event;
  }

  private flushChat(): void {
    const batch = this.outbox.takeChat();
    if (batch) this.ctx.output.chat(this.id, batch);
  }

  private serial<T>(task: () => Promise<T>): Promise<T> {
    const run = this.queue.then(task, task);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private assertOpen(): void {
    if (this.disposed) throw new RoomError('ROOM_NOT_FOUND', `Room ${this.id} has closed`);
  }

  private assertMember(member: Member): void {
    if (!this.members.has(member.id))
      throw new RoomError('NOT_IN_ROOM', `Join room ${this.id} first`);
  }

  private streamInfo(fields: StreamFields, hostId: string): StreamInfo {
    return {
      state: 'scheduled',
      hostId,
      title: fields.title,
      description: fields.description ?? '',
      coverUrl: fields.coverUrl ?? null,
      scheduledAt: fields.scheduledAt ?? null,
      startedAt: null,
      endedAt: null,
    };
  }
}

const notFound = (messageId: string) =>
  new RoomError('MESSAGE_NOT_FOUND', `No recent message ${messageId} in this room`);
