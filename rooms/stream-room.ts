import {
  MAX_PINNED_MESSAGES,
  toChatMessage,
  type CancelResult,
  type CheckoutResult,
  type ClaimResult,
  type DropStock,
  type LotteryDraw,
  type Product,
  type ReactionKind,
  type RoomEvent,
  type RoomEventInput,
  type RoomSnapshot,
  type StreamInfo,
} from '../client-sdk/src/protocol/index.js';
import { CodedError } from '../client-sdk/src/protocol/index.js';
import {
  assertCanWrite,
  assertRole,
  authorOf,
  isStaff,
  roleIn,
  type Identity,
} from './identity.js';
import { RoomOutbox, type ChatBatch, type ReactionCounts } from './outbox.js';
import type { DropDefinition } from './inventory.js';
import type { AppendResult, BrokerMessage, Engine, RateRule, RoomLoad } from './ports.js';
import { RoomReplica } from './replica.js';
import { RoomDrops } from './room-drops.js';
import * as products from './products.js';
import {
  applyControl,
  controlOf,
  initialControl,
  recentChat,
  RECENT_MESSAGES,
} from './room-state.js';

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
  /** A drop's stock (control lane). */
  dropStock(roomId: string, stock: DropStock): void;
  /** Something in the background failed (logged; nothing is lost, the next change retries). */
  failed(roomId: string, error: unknown): void;
  /** The room restarted from the store (new epoch or lost events): clients must join again. */
  reset(roomId: string, epoch: string, seq: number): void;
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
  /** Drop claims per buyer and drop (a retry of an answered claim gets its answer). */
  claimRate: RateRule;
  viewerCountIntervalMs: number;
  /** Most events a resume replays; beyond that the client gets a snapshot. */
  replayLimit: number;
  /** How long an ended room stays resumable before the store forgets it. */
  retainEndedMs: number;
}

/** What a room needs from its surroundings. */
export interface RoomContext {
  readonly engine: Pick<Engine, 'history' | 'broker' | 'presence' | 'rateLimits' | 'inventory'>;
  readonly output: RoomOutput;
  readonly limits: RoomLimits;
  now(): number;
  newId(): string;
  /** Called when the room may be disposable (no members here). */
  release(room: StreamRoom): void;
  /** Called when the room restarted from the store. */
  reloaded?(room: StreamRoom): void;
  /** A drop of the room changed here (its log may have grown). */
  dropLogged?(dropId: string): void;
  /** SHA-256, hex; and `bytes` random bytes, hex (lottery seeds). */
  sha256(text: string): string;
  randomHex(bytes: number): string;
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
const CONTROL_ATTEMPTS = 5;
/** How long a resume waits for this replica to reach the client's last seq. */
const CATCH_UP_WAIT_MS = 500;

/** A control change: the event to append, or `null` when the room already is as asked. */
type Decision = RoomEventInput | null;

const unavailable = () =>
  new CodedError('UNAVAILABLE', 'The room is being restored; retry shortly', 500);

/**
 * A live-stream room as this node sees it: a replica of the shared room (the engine holds the
 * truth), its members on this node, and what it sends them. Lifecycle hooks run in order
 * onCreate → onLoad → (onJoin | onLeave)* → onDispose; the {@link RoomRegistry} drives them.
 */
export class StreamRoom {
  readonly members = new Map<string, Member>();
  readonly drops: RoomDrops;
  private readonly replica: RoomReplica;
  private readonly outbox: RoomOutbox;
  private disposed = false;
  private viewersDirty = false;
  private viewersSentAt = Number.NEGATIVE_INFINITY;
  private viewersSent = -1;
  private queue: Promise<unknown> = Promise.resolve();
  private reloading: Promise<void> | undefined;
  /** Writes in progress: the room is not let go under them. */
  private busy = 0;
  /** The store forgot this ended room: it takes no more writes. */
  private gone = false;
  private unsubscribe: (() => void) | undefined;
  private readonly sends = new Map<string, Promise<{ id: string; seq: number }>>();
  /** When each signed-in user joined first, across nodes (for drops asking a minimum presence). */
  private readonly arrivals = new Map<string, number>();

  constructor(
    readonly id: string,
    private readonly ctx: RoomContext,
  ) {
    this.outbox = new RoomOutbox(ctx.limits.chatBudgetPerTick);
    this.drops = new RoomDrops(id, {
      inventory: ctx.engine.inventory,
      broker: ctx.engine.broker,
      now: () => ctx.now(),
      send: (stock) => ctx.output.dropStock(id, stock),
      failed: (error) => ctx.output.failed(id, error),
      logged: (dropId) => ctx.dropLogged?.(dropId),
      sha256: (text) => ctx.sha256(text),
    });
    this.replica = new RoomReplica(
      id,
      ctx.engine.history,
      {
        applied: (event) => this.applied(event),
        stale: () => void this.reload().catch(() => undefined),
      },
      ctx.limits.replayLimit,
    );
  }

  get isDisposed(): boolean {
    return this.disposed;
  }

  get epoch(): string {
    return this.replica.epoch;
  }

  get seq(): number {
    return this.state.seq;
  }

  /** The host who created the room (it belongs to them). */
  get hostId(): string {
    return this.state.stream.hostId;
  }

  get stream(): StreamInfo {
    return this.state.stream;
  }

  /** True when nobody is here and nothing is in progress: the shared room lives on in the engine. */
  get isDisposable(): boolean {
    return this.members.size === 0 && this.busy === 0;
  }

  private get state() {
    const { state } = this.replica;
    if (!state) throw new Error(`room ${this.id} used before it was loaded`);
    return state;
  }

  /** Lifecycle: creates the shared room unless one exists; true when this call created it. */
  static async create(
    roomId: string,
    fields: StreamFields,
    host: Identity,
    ctx: Pick<RoomContext, 'engine' | 'newId'>,
  ): Promise<boolean> {
    const stream = streamInfo(fields, host.id);
    const first: RoomEventInput = { type: 'stream:updated', roomId, stream };
    const record = { epoch: ctx.newId(), control: initialControl(stream), version: 1 };
    // an ended room kept for late viewers goes only to its own host (or whoever hosts any room)
    const hostsAny = roleIn(host, { id: roomId, hostId: '' }) === 'host';
    const { created } = await ctx.engine.history.create(
      roomId,
      record,
      first,
      hostsAny ? null : host.id,
    );
    return created;
  }

  /** Lifecycle: follows the shared room; false when the engine has no such room. */
  async onLoad(): Promise<boolean> {
    this.unsubscribe = await this.ctx.engine.broker.subscribe(this.id, {
      message: (message) => this.message(message),
      resync: () => void this.replica.catchUp().catch(() => undefined),
    });
    const load = await this.ctx.engine.history.load(this.id, RECENT_MESSAGES);
    if (!load) return false;
    this.replica.init(load);
    await this.drops.load();
    return true;
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

  /** Lifecycle: this node lets go of the room; it sends nothing more. Safe to call twice. */
  onDispose(): Promise<void> {
    this.disposed = true;
    this.drops.close();
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    this.members.clear();
    this.sends.clear();
    this.arrivals.clear();
    return Promise.resolve();
  }

  /** Joins (or re-joins) a connection; a valid resume point gets the missed events. */
  async join(member: Member, resume?: ResumePoint): Promise<JoinOutcome> {
    this.assertOpen();
    const added = !this.members.has(member.id);
    if (added) this.members.set(member.id, member);
    try {
      if (added) {
        await this.ctx.engine.presence.add(this.id, member.id);
        await this.noteArrival(member.identity);
        await this.onJoin(member);
      }
      return (
        (await this.resume(resume)) ?? {
          recovered: false,
          snapshot: await this.snapshot(roleIn(member.identity, this)),
        }
      );
    } catch (error) {
      // a join that failed leaves nothing behind: no member here, no count in presence
      if (added && this.members.get(member.id) === member) {
        this.members.delete(member.id);
        this.ctx.engine.presence.remove(this.id, member.id).catch(() => undefined);
        this.ctx.release(this);
      }
      throw error;
    }
  }

  /** The events after a resume point, when this room can still give all of them. */
  private async resume(point: ResumePoint | undefined): Promise<JoinOutcome | undefined> {
    const epoch = this.epoch;
    if (point?.epoch !== epoch) return undefined;
    // a client coming from another node may have seen events this replica is still receiving
    if (
      point.lastSeq > this.state.seq &&
      point.lastSeq <= (await this.ctx.engine.history.lastSeq(this.id))
    )
      await this.replica.waitForSeq(point.lastSeq, CATCH_UP_WAIT_MS).catch(() => undefined);
    const seq = this.state.seq;
    if (point.lastSeq > seq || this.epoch !== epoch) return undefined;
    const { complete, events } = await this.ctx.engine.history.since(
      this.id,
      point.lastSeq,
      this.ctx.limits.replayLimit,
      epoch,
    );
    if (!complete || this.epoch !== epoch) return undefined;
    const viewers = await this.ctx.engine.presence.count(this.id);
    if (this.epoch !== epoch) return undefined;
    const missed = events.filter((e) => e.seq <= seq);
    return { recovered: true, missed, seq, viewers, serverTime: this.ctx.now() };
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
      products: [...s.products],
      pinnedProducts: [...s.pinnedProducts],
      drops: await this.drops.current(),
      role,
    };
  }

  /**
   * Sends a chat message; a repeated `clientMsgId` from the same user gets the first answer, here
   * at once and on any node through the engine.
   */
  sendChat(
    member: Member,
    text: string,
    clientMsgId?: string,
  ): Promise<{ id: string; seq: number }> {
    assertCanWrite(member.identity);
    this.assertMember(member);
    if (clientMsgId === undefined) return this.holding(() => this.postChat(member, text));
    const key = `${member.identity.id}:${clientMsgId}`;
    const earlier = this.sends.get(key);
    if (earlier) return earlier;
    const sending = this.holding(() => this.postChat(member, text, key));
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
    assertRole(identity, this, 'moderator', 'delete messages');
    return this.control((s) => {
      if (!s.recent.has(messageId)) throw notFound(messageId);
      return { type: 'chat:deleted', roomId: this.id, messageId, by: identity.id };
    });
  }

  pin(identity: Identity, messageId: string): Promise<{ seq: number }> {
    assertRole(identity, this, 'moderator', 'pin messages');
    return this.control((s) => {
      const message = s.recent.get(messageId);
      if (!message) throw notFound(messageId);
      if (s.pinned.some((m) => m.id === messageId)) return null;
      if (s.pinned.length >= MAX_PINNED_MESSAGES) {
        throw new CodedError(
          'PIN_LIMIT',
          `At most ${MAX_PINNED_MESSAGES} messages can be pinned; unpin one first`,
        );
      }
      return { type: 'chat:pinned', roomId: this.id, message };
    });
  }

  unpin(identity: Identity, messageId: string): Promise<{ seq: number }> {
    assertRole(identity, this, 'moderator', 'unpin messages');
    return this.control((s) =>
      s.pinned.some((m) => m.id === messageId)
        ? { type: 'chat:unpinned', roomId: this.id, messageId }
        : null,
    );
  }

  setSlowMode(identity: Identity, seconds: number): Promise<{ seq: number }> {
    assertRole(identity, this, 'moderator', 'set slow mode');
    return this.control((s) =>
      s.slowModeSeconds === seconds ? null : { type: 'chat:slow-mode', roomId: this.id, seconds },
    );
  }

  /** Lists a product in the stream, or changes a listed one (hosts and the merchant's backend). */
  upsertProduct(identity: Identity, product: Product): Promise<{ seq: number }> {
    assertRole(identity, this, 'host', 'list products');
    return this.control((s) => products.upsertProduct(this.id, s, product));
  }

  removeProduct(identity: Identity, productId: string): Promise<{ seq: number }> {
    assertRole(identity, this, 'host', 'remove products');
    return this.control((s) => products.removeProduct(this.id, s, productId));
  }

  pinProduct(identity: Identity, productId: string): Promise<{ seq: number }> {
    assertRole(identity, this, 'host', 'pin products');
    return this.control((s) => products.pinProduct(this.id, s, productId));
  }

  unpinProduct(identity: Identity, productId: string): Promise<{ seq: number }> {
    assertRole(identity, this, 'host', 'unpin products');
    return this.control((s) => products.unpinProduct(this.id, s, productId));
  }

  /** The stream's products and the pinned ones' ids. */
  get products(): { products: Product[]; pinned: string[] } {
    return { products: [...this.state.products], pinned: [...this.state.pinnedProducts] };
  }

  /**
   * Creates a drop of a product the stream lists (hosts); the drop keeps a copy of the product, so
   * its orders are sold at the price of its creation. `created` is false when the id was taken.
   */
  createDrop(
    identity: Identity,
    drop: Omit<DropDefinition, 'roomId' | 'product' | 'seed' | 'seedHash' | 'nonce'> & {
      productId: string;
    },
  ): Promise<{ created: boolean; stock: DropStock }> {
    assertRole(identity, this, 'host', 'create drops');
    this.assertOpen();
    const { productId, ...rest } = drop;
    const product = this.state.products.find((p) => p.id === productId);
    if (!product) throw products.productNotFound(productId);
    // a lottery's seed is fixed now and only its hash shown, until the draw reveals it
    const seed = drop.mode === 'lottery' ? this.ctx.randomHex(32) : null;
    const seedHash = seed === null ? null : this.ctx.sha256(seed);
    const nonce = this.ctx.randomHex(4);
    return this.holding(() =>
      this.drops.create({ ...rest, product, roomId: this.id, seed, seedHash, nonce }),
    );
  }

  /** A lottery drop's draw, for audit, with the member's entry. */
  lottery(member: Member, dropId: string): Promise<LotteryDraw> {
    this.assertMember(member);
    return this.drops.lottery(dropId, member.identity.id);
  }

  /**
   * Claims a unit of a drop for a member: a hold, or why not. Each buyer's claims on a drop are
   * rate-limited in the same atomic step (a retry of an answered claim gets its answer).
   */
  claim(member: Member, dropId: string, key: string): Promise<ClaimResult> {
    this.assertBuyer(member);
    const buyer = member.identity.id;
    return this.drops.claim(
      dropId,
      buyer,
      key,
      this.arrivals.get(buyer),
      this.ctx.limits.claimRate,
    );
  }

  checkout(member: Member, dropId: string, holdId: string, key: string): Promise<CheckoutResult> {
    this.assertBuyer(member);
    return this.drops.checkout(dropId, holdId, member.identity.id, key);
  }

  cancelHold(member: Member, dropId: string, holdId: string): Promise<CancelResult> {
    this.assertBuyer(member);
    return this.drops.cancel(dropId, holdId, member.identity.id);
  }

  /** Edits the stream's fields; allowed until it ends. */
  async updateStream(
    identity: Identity,
    fields: StreamFields,
  ): Promise<{ seq: number; stream: StreamInfo }> {
    assertRole(identity, this, 'host', 'edit the stream');
    const { seq } = await this.control((s) => {
      if (s.stream.state === 'ended') throw new CodedError('INVALID_STATE', 'The stream has ended');
      const current = s.stream;
      const stream: StreamInfo = {
        ...current,
        title: fields.title,
        description: fields.description ?? current.description,
        coverUrl: fields.coverUrl ?? current.coverUrl,
        scheduledAt: fields.scheduledAt ?? current.scheduledAt,
      };
      return { type: 'stream:updated', roomId: this.id, stream };
    });
    return { seq, stream: this.state.stream };
  }

  start(identity: Identity): Promise<{ seq: number }> {
    assertRole(identity, this, 'host', 'start the stream');
    return this.control(({ stream }) => {
      if (stream.state === 'live') return null;
      if (stream.state === 'ended') throw new CodedError('INVALID_STATE', 'The stream has ended');
      const live: StreamInfo = { ...stream, state: 'live', startedAt: this.ctx.now() };
      return { type: 'stream:updated', roomId: this.id, stream: live };
    });
  }

  async end(identity: Identity): Promise<{ seq: number }> {
    assertRole(identity, this, 'host', 'end the stream');
    const result = await this.control(({ stream }) => {
      if (stream.state === 'ended') return null;
      const ended: StreamInfo = { ...stream, state: 'ended', endedAt: this.ctx.now() };
      return { type: 'stream:updated', roomId: this.id, stream: ended };
    });
    await this.ctx.engine.history.retire(this.id, this.epoch, this.ctx.limits.retainEndedMs);
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
    if (counts) {
      this.ctx.output.reactions(this.id, this.state.seq, counts);
      const message: BrokerMessage = {
        kind: 'reactions',
        node: this.ctx.engine.broker.nodeId,
        counts,
      };
      this.ctx.engine.broker.publish(this.id, message).catch(() => undefined);
    }
    if (!this.viewersDirty) return false;
    if (now - this.viewersSentAt < this.ctx.limits.viewerCountIntervalMs) return true;
    this.viewersDirty = false;
    this.viewersSentAt = now;
    void this.sendViewers();
    return false;
  }

  /** Asks for a fresh viewer count: other nodes' viewers come and go without telling this one. */
  refreshViewers(): void {
    if (!this.disposed && this.members.size > 0) this.markViewers();
  }

  /**
   * Starts again from the store: after the room's epoch changed or this node fell behind what the
   * log keeps. A room the store lost is put back (new epoch) from what this node knows.
   */
  reload(): Promise<void> {
    this.reloading ??= this.restore().finally(() => {
      this.reloading = undefined;
    });
    return this.reloading;
  }

  private async restore(): Promise<void> {
    let load = await this.ctx.engine.history.load(this.id, RECENT_MESSAGES);
    if (!load) {
      if (this.disposed || !this.replica.state) return;
      if (this.state.stream.state === 'ended') {
        // its retention passed: an ended show is not brought back
        this.gone = true;
        this.ctx.release(this);
        return;
      }
      const control = controlOf(this.state);
      const first: RoomEventInput = {
        type: 'stream:updated',
        roomId: this.id,
        stream: control.stream,
      };
      const record = { epoch: this.ctx.newId(), control, version: 1 };
      await this.ctx.engine.history.create(this.id, record, first);
      load = await this.ctx.engine.history.load(this.id, RECENT_MESSAGES);
      if (!load) return;
    }
    this.restart(load);
  }

  private restart(load: RoomLoad): void {
    this.outbox.takeChat();
    this.replica.init(load);
    this.ctx.output.reset(this.id, this.epoch, this.state.seq);
    this.ctx.reloaded?.(this);
    // events published while the load was on its way were refused as stale: fetch them
    this.replica.catchUp().catch(() => undefined);
  }

  private message(message: BrokerMessage): void {
    if (this.disposed) return;
    if (message.kind === 'drop') {
      this.drops.changed(message.dropId, false);
      return;
    }
    if (message.kind === 'reactions') {
      if (message.node === this.ctx.engine.broker.nodeId) return;
      for (const [kind, count] of Object.entries(message.counts))
        this.outbox.addReaction(kind as ReactionKind, count);
      this.ctx.output.wake(this);
      return;
    }
    this.replica.message(message);
  }

  /** An event reached this node's replica, in order: chat waits for the tick, the rest goes at once. */
  private applied(event: RoomEvent): void {
    if (this.disposed) return;
    if (event.type === 'chat:message') {
      this.outbox.pushChat(toChatMessage(event));
      this.ctx.output.wake(this);
      return;
    }
    this.flushChat();
    this.ctx.output.control(event);
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

  /** `dedupeKey`: a retry of the same send, on this node or another, gets the first answer. */
  private async postChat(
    member: Member,
    text: string,
    dedupeKey?: string,
  ): Promise<{ id: string; seq: number }> {
    const { identity } = member;
    try {
      const slow = this.state.slowModeSeconds;
      if (slow > 0 && !isStaff(roleIn(identity, this))) {
        const rule = { capacity: 1, refillPerSecond: 1 / slow };
        await this.take(`slow:${this.id}:${identity.id}`, rule, 1, 'SLOW_MODE');
      }
      await this.take(`chat:${identity.id}`, this.ctx.limits.chatRate, 1, 'RATE_LIMITED');
    } catch (error) {
      // a retry of a message that was posted (its answer lost) is not a new message to limit
      const prior =
        dedupeKey !== undefined && error instanceof CodedError
          ? await this.ctx.engine.history.sent(this.id, this.epoch, dedupeKey)
          : undefined;
      if (prior?.type === 'chat:message') return { id: prior.id, seq: prior.seq };
      throw error;
    }
    const input: RoomEventInput = {
      type: 'chat:message',
      roomId: this.id,
      id: this.ctx.newId(),
      author: authorOf(identity, this),
      text,
    };
    this.assertOpen();
    const event = this.appended(
      await this.ctx.engine.history.append(this.id, this.epoch, input, dedupeKey),
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
    const decision = await this.ctx.engine.rateLimits.take(key, rule, cost);
    if (decision.allowed) return;
    const wait = Math.ceil(decision.retryAfterMs / 1000);
    const message =
      code === 'SLOW_MODE' ? `Slow mode is on: wait ${wait}s` : `Too many requests: wait ${wait}s`;
    throw new CodedError(code, message, decision.retryAfterMs);
  }

  /**
   * Applies a control change everywhere: decides on this replica's state, appends only if no other
   * control event came first (else catches up and decides again), and returns once this replica
   * has applied it, so the next change decides on a state that includes it. One at a time per node.
   */
  private control(decide: (state: RoomStateView) => Decision): Promise<{ seq: number }> {
    const task = async () => {
      for (let attempt = 0; attempt < CONTROL_ATTEMPTS; attempt++) {
        this.assertOpen();
        let input: Decision;
        try {
          input = decide(this.state);
        } catch (error) {
          // a message just written (on this node or another) may not have reached this replica
          if (attempt > 0 || !(error instanceof CodedError) || error.code !== 'MESSAGE_NOT_FOUND')
            throw error;
          await this.replica.catchUp();
          continue;
        }
        if (!input) return { seq: this.state.seq };
        const version = this.replica.version;
        const result = await this.ctx.engine.history.appendControl(
          this.id,
          this.epoch,
          input,
          version,
          applyControl(controlOf(this.state), input),
        );
        if (result.ok) {
          // appended: answer even if this replica is slow to see it (the next change waits then)
          await this.replica.waitForSeq(result.event.seq).catch(() => undefined);
          return { seq: result.event.seq };
        }
        if (result.reason === 'conflict')
          await this.replica.waitForVersion(result.version).catch(() => {
            throw unavailable();
          });
        else await this.reload();
      }
      throw unavailable();
    };
    // held from the call, not from its turn in the queue
    const run = this.holding(() => {
      const turn = this.queue.then(task, task);
      this.queue = turn.catch(() => undefined);
      return turn;
    });
    return run;
  }

  private appended(result: AppendResult): RoomEvent {
    if (result.ok) return result.event;
    void this.reload().catch(() => undefined);
    throw unavailable();
  }

  private flushChat(): void {
    const batch = this.outbox.takeChat();
    if (batch) this.ctx.output.chat(this.id, batch);
  }

  private assertOpen(): void {
    if (this.disposed || this.gone)
      throw new CodedError('ROOM_NOT_FOUND', `Room ${this.id} has closed`);
  }

  /** Runs a write with the room held: the registry does not let it go meanwhile. */
  private async holding<T>(task: () => Promise<T>): Promise<T> {
    this.busy += 1;
    try {
      return await task();
    } finally {
      this.busy -= 1;
      if (this.busy === 0) this.ctx.release(this);
    }
  }

  private async noteArrival(identity: Identity): Promise<void> {
    if (identity.anonymous || this.arrivals.has(identity.id)) return;
    const at = await this.ctx.engine.presence.arrived(this.id, identity.id, this.ctx.now());
    this.arrivals.set(identity.id, at);
  }

  private assertBuyer(member: Member): void {
    assertCanWrite(member.identity);
    this.assertMember(member);
  }

  private assertMember(member: Member): void {
    if (!this.members.has(member.id))
      throw new CodedError('NOT_IN_ROOM', `Join room ${this.id} first`);
  }
}

type RoomStateView = NonNullable<RoomReplica['state']>;

function streamInfo(fields: StreamFields, hostId: string): StreamInfo {
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

const notFound = (messageId: string) =>
  new CodedError('MESSAGE_NOT_FOUND', `No recent message ${messageId} in this room`);
