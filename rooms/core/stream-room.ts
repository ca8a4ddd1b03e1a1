import {
  CodedError,
  type ReactionKind,
  type RoomEvent,
  type RoomEventInput,
  type RoomSnapshot,
} from '../../client-sdk/src/protocol/index.js';
import { TickBuffer } from '../chat/batch.js';
import { maybeNotYetSeen } from '../chat/decisions.js';
import { RoomChat } from '../chat/room-chat.js';
import type { RoomDrops } from '../drops/room-drops.js';
import type { RoomAuctions } from '../auctions/room-auctions.js';
import type { RoomGiveaways } from '../giveaways/room-giveaways.js';
import type { Decision } from '../model/decision.js';
import { assertRole, type Identity } from '../model/identity.js';
import { applyControl, controlOf, RECENT_MESSAGES, type RoomState } from '../model/room-state.js';
import { RoomModeration } from '../moderation/room-moderation.js';
import { keptOf } from '../moderation/stamp.js';
import type { BrokerMessage } from '../ports/broker.js';
import type { AppendResult, RoomLoad } from '../ports/history.js';
import { RoomProducts } from '../products/room-products.js';
import { RoomStream } from '../stream/room-stream.js';
import type { Context, JoinOutcome, Member, Output, ResumePoint } from './context.js';
import { recreateRoom } from './create.js';
import { Audience, type SeeAs } from './audience.js';
import { RoomReplica } from './replica.js';
import { resumeFrom } from './resume.js';
import { ViewerCount } from './viewers.js';
import { snapshotOf } from './snapshot.js';
import { RoomShield } from '../shield/room-shield.js';
import type { RoomAdmissionSettings } from '../queue/room-admission.js';
import { commerceOf } from './commerce.js';
import type { RoomScope } from './scope.js';

/** What a room needs from its surroundings. */
export type RoomContext = Context<StreamRoom>;
/** Where a room's output goes. */
export type RoomOutput = Output<StreamRoom>;

const CONTROL_ATTEMPTS = 5;

const unavailable = () =>
  new CodedError('UNAVAILABLE', 'The room is being restored; retry shortly', 500);

/**
 * A live-stream room as this node sees it: a replica of the shared room (the engine holds the
 * truth), its members on this node, and what it sends them. Lifecycle hooks run in order
 * createRoom (core/create.ts) → onLoad → (onJoin | onLeave)* → onDispose; the {@link RoomRegistry} drives them.
 */
export class StreamRoom implements RoomScope {
  readonly members = new Map<string, Member>();
  readonly chat: RoomChat;
  readonly products: RoomProducts;
  readonly stream: RoomStream;
  readonly drops: RoomDrops;
  readonly auctions: RoomAuctions;
  readonly giveaways: RoomGiveaways;
  readonly moderation: RoomModeration;
  readonly shield: RoomShield;
  /** The waiting room's settings (the line is the engine's; the server admits from it). */
  readonly admission: RoomAdmissionSettings;
  /** Who is here, by audience partition, and what each sees. */
  readonly audience: Audience;
  readonly engine: RoomContext['engine'];
  readonly limits: RoomContext['limits'];
  private readonly replica: RoomReplica;
  private readonly buffer: TickBuffer;
  private disposed = false;
  private readonly viewers: ViewerCount;
  private queue: Promise<unknown> = Promise.resolve();
  private reloading: Promise<void> | undefined;
  /** Writes in progress: the room is not let go under them. */
  private busy = 0;
  /** The store forgot this ended room: it takes no more writes. */
  private gone = false;
  private unsubscribe: (() => void) | undefined;
  /** When each signed-in user joined first, across nodes (for drops asking a minimum presence). */
  private readonly arrivals = new Map<string, number>();

  constructor(
    readonly id: string,
    private readonly ctx: RoomContext,
  ) {
    this.engine = ctx.engine;
    this.limits = ctx.limits;
    this.buffer = new TickBuffer();
    this.moderation = new RoomModeration(this, ctx.moderation);
    this.audience = new Audience((identity) => this.moderation.partitionOf(identity));
    this.shield = new RoomShield(this, ctx.limits.autoShield ?? null);
    this.chat = new RoomChat(this, this.buffer, this.moderation, this.shield);
    this.products = new RoomProducts(this);
    this.stream = new RoomStream(this);
    ({
      drops: this.drops,
      auctions: this.auctions,
      giveaways: this.giveaways,
      admission: this.admission,
    } = commerceOf(this, ctx, (identity) => this.moderation.assertMayAct(identity)));
    this.viewers = new ViewerCount(id, {
      presence: ctx.engine.presence,
      intervalMs: ctx.limits.viewerCountIntervalMs,
      send: (count) => ctx.output.viewers(id, this.state.seq, count),
      wake: () => this.wake(),
      closed: () => this.disposed,
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

  get moderators(): readonly string[] {
    return this.state.moderators;
  }

  /** True when nobody is here and nothing is in progress: the shared room lives on in the engine. */
  get isDisposable(): boolean {
    return this.members.size === 0 && this.busy === 0;
  }

  /** This replica's state (the room must be loaded). */
  get state(): RoomState {
    const { state } = this.replica;
    if (!state) throw new Error(`room ${this.id} used before it was loaded`);
    return state;
  }

  now(): number {
    return this.ctx.now();
  }

  newId(): string {
    return this.ctx.newId();
  }

  arrivedAt(userId: string): number | undefined {
    return this.arrivals.get(userId);
  }

  wake(): void {
    this.ctx.output.wake(this);
  }

  failed(error: unknown): void {
    this.ctx.output.failed(this.id, error);
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
    await Promise.all([this.drops.load(), this.auctions.load(), this.giveaways.load()]);
    return true;
  }

  /** Lifecycle: a connection joined. */
  protected onJoin(member: Member): Promise<void> | void {
    this.viewers.mark();
    this.giveaways.joined(member.identity);
  }

  /** Lifecycle: a connection left. */
  protected onLeave(member: Member): Promise<void> | void {
    this.viewers.mark();
    this.giveaways.left(member.identity);
    this.ctx.release(this);
  }

  /** Lifecycle: this node lets go of the room; it sends nothing more. Safe to call twice. */
  onDispose(): Promise<void> {
    this.disposed = true;
    this.drops.feed.close();
    this.auctions.close();
    this.giveaways.close();
    this.chat.clear();
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    this.members.clear();
    this.audience.forget();
    this.arrivals.clear();
    return Promise.resolve();
  }

  /**
   * Joins (or re-joins) a connection; a valid resume point gets the missed events. With `seeAs`
   * (the room's staff only) its chat is the one that region and language's audience sees.
   */
  async join(member: Member, resume?: ResumePoint, seeAs?: SeeAs): Promise<JoinOutcome> {
    this.assertOpen();
    await this.moderation.assertMayJoin(member.identity);
    if (seeAs) assertRole(member.identity, this, 'moderator', 'see the room as another audience');
    const added = !this.members.has(member.id);
    if (added) this.members.set(member.id, member);
    this.audience.add(member, seeAs);
    try {
      if (added) {
        await this.ctx.engine.presence.add(this.id, member.id);
        await this.noteArrival(member.identity);
        await this.onJoin(member);
      }
      return (
        (await resumeFrom(this, resume, member, (seq, ms) => this.replica.waitForSeq(seq, ms))) ?? {
          recovered: false,
          snapshot: await this.snapshot(member),
        }
      );
    } catch (error) {
      // a join that failed leaves nothing behind: no member here, no count in presence
      if (added && this.members.get(member.id) === member) {
        this.members.delete(member.id);
        this.audience.remove(member.id);
        this.ctx.engine.presence.remove(this.id, member.id).catch(() => undefined);
        this.ctx.release(this);
      }
      throw error;
    }
  }

  async leave(memberId: string): Promise<boolean> {
    const member = this.members.get(memberId);
    if (!member) return false;
    this.members.delete(memberId);
    this.audience.remove(memberId);
    await this.ctx.engine.presence.remove(this.id, memberId);
    await this.onLeave(member);
    return true;
  }

  /** The room as a member sees it now (their audience's chat). */
  snapshot(member: Member): Promise<RoomSnapshot> {
    return snapshotOf(this, member);
  }

  /**
   * Called by the tick loop: sends the tick's chat batch and reaction sums, and the viewer count
   * when it changed and the interval allows. Returns true when the room wants another tick.
   */
  tick(now: number): boolean {
    if (this.disposed) return false;
    this.flushChat();
    const counts = this.buffer.takeReactions();
    if (counts) {
      this.ctx.output.reactions(this.id, this.state.seq, counts);
      const message: BrokerMessage = {
        kind: 'reactions',
        node: this.ctx.engine.broker.nodeId,
        counts,
      };
      this.ctx.engine.broker.publish(this.id, message).catch(() => undefined);
    }
    return this.viewers.tick(now);
  }

  /** Asks for a fresh viewer count: other nodes' viewers come and go without telling this one. */
  refreshViewers(): void {
    if (!this.disposed && this.members.size > 0) this.viewers.mark();
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
      await recreateRoom(this.id, controlOf(this.state), this.ctx);
      load = await this.ctx.engine.history.load(this.id, RECENT_MESSAGES);
      if (!load) return;
    }
    this.restart(load);
  }

  private restart(load: RoomLoad): void {
    this.buffer.takeChat();
    this.replica.init(load);
    this.ctx.output.reset(this.id, this.epoch, this.state.seq);
    this.ctx.reloaded?.(this);
    // events published while the load was on its way were refused as stale: fetch them
    this.replica.catchUp().catch(() => undefined);
  }

  private message(message: BrokerMessage): void {
    if (this.disposed) return;
    if (message.kind === 'drop') return this.drops.feed.changed(message.dropId, false);
    if (message.kind === 'auction') return this.auctions.received(message.state);
    if (message.kind === 'giveaway') return this.giveaways.received(message.state);
    if (message.kind === 'user') {
      this.ctx.output.notice(this, message.userId, message.notice);
      return;
    }
    if (message.kind === 'reactions') {
      if (message.node === this.ctx.engine.broker.nodeId) return;
      for (const [kind, count] of Object.entries(message.counts))
        this.buffer.addReaction(kind as ReactionKind, count);
      this.ctx.output.wake(this);
      return;
    }
    this.replica.message(message);
  }

  /** An event reached this node's replica, in order: chat waits for the tick, the rest goes at once. */
  private applied(event: RoomEvent): void {
    if (this.disposed) return;
    if (event.type === 'chat:message') {
      this.buffer.pushChat(keptOf(event));
      this.ctx.output.wake(this);
      return;
    }
    this.flushChat();
    this.ctx.output.control(event);
  }

  /**
   * Applies a control change everywhere: decides on this replica's state, appends only if no other
   * control event came first (else catches up and decides again), and returns once this replica
   * has applied it, so the next change decides on a state that includes it. One at a time per node.
   */
  control(decide: (state: RoomState) => Decision): Promise<{ seq: number }> {
    const task = async () => {
      for (let attempt = 0; attempt < CONTROL_ATTEMPTS; attempt++) {
        this.assertOpen();
        let input: Decision;
        try {
          input = decide(this.state);
        } catch (error) {
          // what the decision needs may have been written (here or on another node) but not seen yet
          if (attempt > 0 || !maybeNotYetSeen(error)) throw error;
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

  async append(input: RoomEventInput, dedupeKey?: string): Promise<RoomEvent> {
    const result = await this.ctx.engine.history.append(this.id, this.epoch, input, dedupeKey);
    return this.appended(result);
  }

  private appended(result: AppendResult): RoomEvent {
    if (result.ok) return result.event;
    void this.reload().catch(() => undefined);
    throw unavailable();
  }

  private flushChat(): void {
    const tick = this.buffer.takeChat();
    if (tick)
      this.ctx.output.chat(this.id, this.audience.batches(tick, this.limits.chatBudgetPerTick));
  }

  assertOpen(): void {
    if (this.disposed || this.gone)
      throw new CodedError('ROOM_NOT_FOUND', `Room ${this.id} has closed`);
  }

  /** Runs a write with the room held: the registry does not let it go meanwhile. */
  async holding<T>(task: () => Promise<T>): Promise<T> {
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

  assertMember(member: Member): void {
    if (!this.members.has(member.id))
      throw new CodedError('NOT_IN_ROOM', `Join room ${this.id} first`);
  }
}
