import { Emitter } from './emitter.js';
import { CodedError } from './protocol/error-codes.js';
import type {
  ClientEventName,
  ClientRequest,
  ClientResponse,
  ServerPayload,
} from './protocol/events.js';
import {
  reduceRoom,
  toChatMessage,
  viewOf,
  type RoomUpdate,
  type RoomView,
} from './protocol/fold.js';
import type { ChatMessage, RoomEvent, RoomSnapshot } from './protocol/schemas.js';
import type { LineWait } from './queue.js';
import { roomFeatures, type RoomFeatures } from './room-features.js';
import type { OwnHeld, RoomEventMap } from './room-events.js';

/** What a room needs of its client. */
export interface RoomLink {
  /** Resolves once connected (rejects with TIMEOUT, or DISCONNECTED once the client is closed). */
  connected(): Promise<void>;
  /** Sends a request once connected; rejects with a CodedError. */
  send<E extends ClientEventName>(event: E, payload: ClientRequest<E>): Promise<ClientResponse<E>>;
  /** Repeats an idempotent request through transient failures, with backoff. */
  retrying<T>(send: () => Promise<T>): Promise<T>;
  /** A failure no call waits for (the client's `error` event). */
  failed(error: CodedError): void;
  /** The room is no longer joined: the client forgets it. */
  forget(room: Room): void;
  /** Recent messages `room.state.chat` keeps. */
  readonly chatLimit: number;
  /** Who this client is signed in as (null before the first connect). */
  user(): { id: string; name: string } | null;
  /** The server's clock, as this client estimates it. */
  serverNow(): number;
  /** Waits in the room's line (a join refused with ROOM_FULL) for a ticket to join with. */
  line(roomId: string): LineWait;
}

/** How many of this client's own published messages a room remembers (to show them when withheld). */
const OWN_MESSAGES = 100;

/** A media publication or viewing attached to a room (see `liveshop/sdk/media`). */
export interface MediaHook {
  readonly direction: 'send' | 'recv';
  onTrack(event: ServerPayload<'media:track'>): void;
  onConsumerClosed(consumerId: string): void;
  /** Sets the media up again (after a reconnect, or when the server lost it). */
  restart(): void;
  close(): Promise<void>;
}

type Sequenced = { first: number; last: number; deliver: (afterSeq: number) => void };

/** Entrants fetch a drawn lottery's result spread over this long. */
const LOTTERY_FETCH_SPREAD_MS = 2000;

const CONTROL_TYPES = [
  'chat:deleted',
  'chat:pinned',
  'chat:unpinned',
  'chat:slow-mode',
  'room:shield',
  'room:admission',
  'stream:updated',
  'product:updated',
  'product:removed',
  'product:pinned',
  'product:unpinned',
  'room:role',
] as const satisfies readonly Exclude<RoomEvent['type'], 'chat:message' | 'chat:withheld'>[];

/**
 * A joined room: its state (kept by the protocol's own fold), its events, and its features'
 * commands. Events come once each and in seq order: a gap, a reconnect or a server restart makes
 * the room resume from the last event seen, or start again from a fresh snapshot.
 */
/** How to join a room. */
export interface JoinOptions {
  /**
   * The room's hosts and moderators: see the chat as a viewer with this region and language sees
   * it (their audience under the moderation policy), e.g. `{ region: 'CN', lang: 'zh-CN' }`.
   */
  seeAs?: ClientRequest<'room:join'>['seeAs'];
}

export class Room extends Emitter<RoomEventMap> implements RoomFeatures {
  readonly chat: RoomFeatures['chat'];
  readonly reactions: RoomFeatures['reactions'];
  readonly products: RoomFeatures['products'];
  readonly drops: RoomFeatures['drops'];
  readonly auctions: RoomFeatures['auctions'];
  readonly giveaways: RoomFeatures['giveaways'];
  readonly moderation: RoomFeatures['moderation'];
  readonly stream: RoomFeatures['stream'];
  private view: RoomView | null = null;
  private syncing: Promise<void> | null = null;
  private buffer: Sequenced[] = [];
  /** What arrived before the join's answer, replayed once the app holds the handle. */
  private early: (() => void)[] = [];
  /**
   * Stock and viewer counts that arrived before the join's answer: the snapshot is as new as they
   * are, so its figures are announced instead (an older figure must not overwrite a newer one).
   */
  private superseded: { viewers: boolean; drops: Set<string> } = {
    viewers: false,
    drops: new Set(),
  };
  private left = false;
  /** Lottery drops this client entered and whose draw it has not fetched yet. */
  private readonly entered = new Set<string>();
  private readonly media = new Set<MediaHook>();
  /** This client's own recent messages by seq: shown to it even where its audience withholds them. */
  private readonly own = new Map<number, ChatMessage>();
  private readonly heldByMe = new Map<string, OwnHeld>();
  /** The waiting room's pass (a room that has one): joins again with it without queueing. */
  private pass: string | undefined;

  constructor(
    readonly id: string,
    private readonly link: RoomLink,
    private readonly options: JoinOptions = {},
  ) {
    super();
    const features = roomFeatures(this, {
      request: (event, payload) => this.request(event, payload),
      retrying: (send) => link.retrying(send),
      entered: (dropId) => this.entered.add(dropId),
      result: (result) => this.emit('drop:result', result),
      sent: (text, result) => this.sent(text, result),
      auction: (auctionId) => this.view?.auctions.find((a) => a.auctionId === auctionId),
      serverNow: () => link.serverNow(),
    });
    this.chat = features.chat;
    this.reactions = features.reactions;
    this.products = features.products;
    this.drops = features.drops;
    this.auctions = features.auctions;
    this.giveaways = features.giveaways;
    this.moderation = features.moderation;
    this.stream = features.stream;
  }

  /** The room as last seen (throws before the join's answer). */
  get state(): RoomView {
    if (!this.view) throw new CodedError('NOT_IN_ROOM', `Room ${this.id} is still joining`);
    return this.view;
  }

  /** This user's messages held for review, waiting for a moderator (oldest first). */
  get held(): OwnHeld[] {
    return [...this.heldByMe.values()];
  }

  /** False once left (or gone). */
  get joined(): boolean {
    return !this.left && this.view !== null;
  }

  /** Leaves the room; its media closes. */
  async leave(): Promise<void> {
    if (this.left) return;
    this.close(null);
    await this.link.send('room:leave', { roomId: this.id });
  }

  /** Sends a request about this room once it is in sync (never between a gap and its replay). */
  async request<E extends ClientEventName>(
    event: E,
    payload: ClientRequest<E>,
  ): Promise<ClientResponse<E>> {
    // connected first: a reconnect starts the room's resume, which the request then waits for
    await this.link.connected();
    while (this.syncing) await this.syncing;
    return this.link.send(event, payload);
  }

  /**
   * Attaches a media session (used by `liveshop/sdk/media`): it gets the room's media events and
   * is set up again after reconnects. One per direction.
   * @internal
   */
  attachMedia(hook: MediaHook): () => void {
    for (const other of this.media)
      if (other.direction === hook.direction)
        throw new CodedError(
          'BAD_REQUEST',
          `Already ${hook.direction === 'send' ? 'publishing' : 'watching'} in ${this.id}; close that first`,
        );
    this.media.add(hook);
    return () => this.media.delete(hook);
  }

  /** @internal Reports a media failure no call waits for. */
  mediaFailed(error: CodedError): void {
    this.link.failed(error);
  }

  /**
   * @internal The first join: resolves once the snapshot is applied. What arrived meanwhile is
   * delivered just after, on a timer, so listeners the app adds right after `await join()` hear it.
   */
  async join(): Promise<void> {
    let settle = () => {};
    this.syncing = new Promise<void>((resolve) => (settle = resolve));
    const ready = () => {
      this.syncing = null;
      settle();
      const early = this.early;
      this.early = [];
      for (const replay of early) replay();
      this.announceSuperseded();
      this.drain();
    };
    try {
      const result = await this.firstJoin();
      if (result.recovered) throw new Error('unexpected resume answer to a fresh join');
      this.applySnapshot(result.snapshot, false);
    } catch (error) {
      this.early = [];
      this.superseded = { viewers: false, drops: new Set() };
      ready();
      throw error;
    }
    setTimeout(ready, 0);
  }

  /**
   * The join request: a full room (ROOM_FULL) is joined once this client's turn in its line came;
   * a server shedding new joins (OVERLOADED) is asked again after its wait.
   */
  private async firstJoin(): Promise<ClientResponse<'room:join'>> {
    for (let attempt = 1; ; attempt++) {
      try {
        const result = await this.link.send('room:join', this.joinRequest());
        if (result.pass !== undefined) this.pass = result.pass;
        return result;
      } catch (error) {
        if (error instanceof CodedError && error.code === 'ROOM_FULL' && attempt < 10) {
          this.pass = await this.link.line(this.id).turn;
          continue;
        }
        if (!(error instanceof CodedError) || error.code !== 'OVERLOADED' || attempt >= 10)
          throw error;
        const waitMs = (error.retryAfterMs ?? 1000) * (1 + Math.random() / 2);
        await new Promise((resolve) => setTimeout(resolve, waitMs));
      }
    }
  }

  /** @internal The connection came back: resume, and set the media up again. */
  reconnected(restartMedia: boolean): void {
    this.resync();
    if (restartMedia) for (const hook of this.media) hook.restart();
  }

  /** @internal An event from the server for this room. */
  receive<E extends keyof ServerPayloadMap>(event: E, payload: ServerPayloadMap[E]): void {
    if (this.left) return;
    if (!this.view) {
      if (event === 'room:viewers') this.superseded.viewers = true;
      else if (event === 'drop:stock')
        this.superseded.drops.add((payload as ServerPayload<'drop:stock'>).dropId);
      else this.early.push(() => this.receive(event, payload));
      return;
    }
    const p = payload as never;
    switch (event) {
      case 'chat:batch':
        return this.onBatch(p);
      case 'reaction:batch':
        return this.emit('reaction:batch', p);
      case 'room:viewers':
        return this.update({ type: 'room:viewers', ...(p as ServerPayload<'room:viewers'>) }, () =>
          this.emit('room:viewers', p),
        );
      case 'drop:stock':
        return this.onStock(p);
      case 'auction:update':
        return this.onAuction(p);
      case 'auction:outbid':
        return this.emit('auction:outbid', p);
      case 'giveaway:update':
        return this.onGiveaway(p);
      case 'room:reset':
        return this.onReset(p);
      case 'chat:reviewed':
        return this.onReviewed(p);
      case 'room:removed': {
        const removed = p as ServerPayload<'room:removed'>;
        return this.close(new CodedError(removed.code, removed.message));
      }
      case 'media:track':
        for (const hook of this.media) hook.onTrack(p);
        return;
      case 'media:consumer-closed':
        for (const hook of this.media)
          hook.onConsumerClosed((p as ServerPayload<'media:consumer-closed'>).consumerId);
        return;
      case 'media:layers':
        return this.emit('media:layers', p);
      case 'media:restart':
        for (const hook of this.media) hook.restart();
        return;
      case 'media:closed':
        for (const hook of this.media) void hook.close();
        return;
      default: {
        const control = payload as RoomEvent;
        this.sequenced(control.seq, control.seq, () => this.dispatch(control));
      }
    }
  }

  private onBatch(batch: ServerPayload<'chat:batch'>): void {
    this.sequenced(batch.from, batch.to, (after) => {
      let shown = 0;
      const withheld = (batch.withheld ?? []).filter((seq) => seq > after);
      let w = 0;
      for (const m of batch.messages) {
        if (m.seq <= after) continue;
        // placeholders and messages in seq order
        for (; w < withheld.length && (withheld[w] ?? 0) < m.seq; w++)
          shown += this.withheld(withheld[w] ?? 0, 0);
        shown++;
        // this client's own message as it wrote it (its audience may see it masked)
        const message = this.own.get(m.seq) ?? m;
        this.update({ type: 'chat:message', roomId: this.id, ...message }, () =>
          this.emit('chat:message', message),
        );
      }
      for (; w < withheld.length; w++) shown += this.withheld(withheld[w] ?? 0, 0);
      // a batch's range is its chat only: what it does not carry (and was not seen) was skipped
      const from = Math.max(batch.from, after + 1);
      const skipped = batch.to - from + 1 - shown;
      if (batch.skipped > 0 && skipped > 0)
        this.emit('chat:skipped', { from, to: batch.to, skipped });
      // the batch's last seq counts as seen even when sampling left it out
      if (this.view && this.view.seq < batch.to) this.view = { ...this.view, seq: batch.to };
    });
  }

  private onAuction(state: ServerPayload<'auction:update'>): void {
    const before = this.view?.auctions.find((a) => a.auctionId === state.auctionId);
    this.update({ type: 'auction:update', ...state }, () => undefined);
    const after = this.view?.auctions.find((a) => a.auctionId === state.auctionId);
    // an update older than one already seen changes nothing and is not announced
    if (after === before) return;
    this.emit('auction:update', state);
    if (
      after?.settlement &&
      !before?.settlement &&
      after.settlement.winnerId === this.link.user()?.id
    )
      this.emit('auction:won', state);
  }

  private onGiveaway(state: ServerPayload<'giveaway:update'>): void {
    const find = () => this.view?.giveaways.find((g) => g.giveawayId === state.giveawayId);
    const before = find();
    this.update({ type: 'giveaway:update', ...state }, () => undefined);
    const after = find();
    if (after === before) return;
    this.emit('giveaway:update', state);
    const me = this.link.user()?.id;
    const won = (g: typeof after) => g?.prizes.some((p) => p.userId === me && p.holdId !== null);
    if (me !== undefined && won(after) && !won(before)) this.emit('giveaway:won', state);
  }

  private onStock(stock: ServerPayload<'drop:stock'>): void {
    this.update({ type: 'drop:stock', ...stock }, () => this.emit('drop:stock', stock));
    // a lottery this client entered was drawn: fetch the draw (and this buyer's result) once
    if (!stock.lottery?.drawn || !this.entered.delete(stock.dropId)) return;
    // entrants fetch at random moments over a second or two, not all at once
    setTimeout(() => {
      this.drops.lottery(stock.dropId).then(
        (draw) => this.emit('drop:lottery', draw),
        (error: unknown) => {
          this.entered.add(stock.dropId); // the next stock update tries again
          this.link.failed(
            error instanceof CodedError
              ? error
              : new CodedError('INTERNAL', `lottery: ${String(error)}`),
          );
        },
      );
    }, Math.random() * LOTTERY_FETCH_SPREAD_MS);
  }

  private onReset(event: ServerPayload<'room:reset'>): void {
    const stale = () => !this.view || this.view.epoch !== event.epoch || this.view.seq < event.seq;
    // a reset during a re-sync may have raced its answer: check again once it is done
    if (this.syncing) void this.syncing.then(() => stale() && this.resync());
    else if (stale()) this.resync();
  }

  /** Delivers a sequenced item once and in order; a gap triggers a resume, buffering what follows. */
  private sequenced(first: number, last: number, deliver: (afterSeq: number) => void): void {
    if (this.syncing || !this.view) {
      this.buffer.push({ first, last, deliver });
      return;
    }
    const seen = this.view.seq;
    if (last <= seen) return;
    if (first > seen + 1) {
      this.buffer.push({ first, last, deliver });
      this.resync();
      return;
    }
    deliver(seen);
  }

  /**
   * A message this viewer's audience does not see: this client's own is shown as sent (an author
   * always sees what they wrote); another's is a placeholder, `chat:withheld`. Returns 1.
   */
  private withheld(seq: number, ts: number): 1 {
    const mine = this.own.get(seq);
    if (mine)
      this.update({ type: 'chat:message', roomId: this.id, ...mine }, () =>
        this.emit('chat:message', mine),
      );
    else
      this.update({ type: 'chat:withheld', roomId: this.id, seq, ts }, () =>
        this.emit('chat:withheld', { roomId: this.id, seq }),
      );
    return 1;
  }

  /** This client's send was answered: remember its own message, or that it is held. */
  private sent(text: string, result: ClientResponse<'chat:send'>): void {
    if (result.status === 'held') {
      const held: OwnHeld = { id: result.id, text, reason: result.reason };
      this.heldByMe.set(result.id, held);
      this.emit('chat:held', held);
      return;
    }
    this.rememberOwn(result.id, result.seq, text);
  }

  /** One of this client's messages, published at `seq`: shown to it as written. */
  private rememberOwn(id: string, seq: number, text: string): void {
    const user = this.link.user();
    if (!user || !this.view) return;
    const author = { id: user.id, name: user.name, role: this.view.role };
    this.own.set(seq, { id, seq, ts: this.link.serverNow(), author, text });
    if (this.own.size > OWN_MESSAGES) {
      const oldest = this.own.keys().next();
      if (!oldest.done) this.own.delete(oldest.value);
    }
  }

  private onReviewed(review: ServerPayload<'chat:reviewed'>): void {
    const held = this.heldByMe.get(review.messageId);
    this.heldByMe.delete(review.messageId);
    // approved: it is published under its id, with a new seq, which may come to this viewer withheld
    if (held && review.seq !== undefined) this.rememberOwn(held.id, review.seq, held.text);
    this.emit('chat:reviewed', review);
  }

  /** Applies a room event to the state and tells the app. */
  private dispatch(event: RoomEvent): void {
    if (event.type === 'chat:withheld') {
      this.withheld(event.seq, event.ts);
      return;
    }
    if (event.type === 'chat:message') {
      const message = this.own.get(event.seq) ?? toChatMessage(event);
      this.update({ ...event, ...message }, () => this.emit('chat:message', message));
      return;
    }
    // the payload of each control event's listener is exactly that event
    this.update(event, () => this.emit(event.type, event));
  }

  /** Folds an update into the state, then tells the app: the event, then `room:state`. */
  private update(update: RoomUpdate, tell: () => void): void {
    if (!this.view) return;
    this.view = reduceRoom(this.view, update, this.link.chatLimit);
    tell();
    this.emit('room:state', this.view);
  }

  /** Asks the server for everything after the last seq seen; falls back to a snapshot. */
  private resync(): void {
    if (this.syncing || this.left || !this.view) return;
    const { epoch, seq } = this.view;
    this.syncing = (async () => {
      try {
        const result = await this.link.send('room:join', {
          ...this.joinRequest(),
          resume: { epoch, lastSeq: seq },
        });
        if (result.pass !== undefined) this.pass = result.pass;
        if (result.recovered) {
          let replayed = 0;
          for (const event of result.missed) {
            if (!this.view || event.seq <= this.view.seq) continue;
            replayed++;
            this.dispatch(event);
          }
          // stock is not in the log: where each drop stands now
          for (const stock of result.drops) this.onStock({ roomId: this.id, ...stock });
          // nor are bids
          for (const auction of result.auctions)
            this.onAuction({ roomId: this.id, serverTime: result.serverTime, ...auction });
          for (const giveaway of result.giveaways)
            this.onGiveaway({ roomId: this.id, serverTime: result.serverTime, ...giveaway });
          this.emit('room:resumed', { missed: replayed });
          this.update(
            { type: 'room:viewers', roomId: this.id, seq: result.seq, count: result.viewers },
            () =>
              this.emit('room:viewers', {
                roomId: this.id,
                seq: result.seq,
                count: result.viewers,
              }),
          );
        } else {
          this.applySnapshot(result.snapshot, true);
        }
      } catch (error) {
        if (error instanceof CodedError && error.code === 'ROOM_FULL') this.queueToResume();
        else if (error instanceof CodedError) this.link.failed(error);
        if (error instanceof CodedError && error.code === 'ROOM_NOT_FOUND') this.close(error);
      } finally {
        this.syncing = null;
        this.drain();
      }
    })();
  }

  private joinRequest(): ClientRequest<'room:join'> {
    const { seeAs } = this.options;
    return {
      roomId: this.id,
      ...(this.pass === undefined ? {} : { ticket: this.pass }),
      ...(seeAs === undefined ? {} : { seeAs }),
    };
  }

  /** Came back to a full room without a good pass: waits in line, then resumes. */
  private queueToResume(): void {
    this.link.line(this.id).turn.then(
      (ticket) => {
        this.pass = ticket;
        this.resync();
      },
      (error: unknown) => {
        if (error instanceof CodedError) this.close(error);
      },
    );
  }

  /** The snapshot's own figures for what came before it (see {@link superseded}). */
  private announceSuperseded(): void {
    const { viewers, drops } = this.superseded;
    this.superseded = { viewers: false, drops: new Set() };
    const view = this.view;
    if (!view) return;
    if (viewers) this.emit('room:viewers', { roomId: this.id, seq: view.seq, count: view.viewers });
    for (const stock of view.drops)
      if (drops.has(stock.dropId)) this.emit('drop:stock', { roomId: this.id, ...stock });
  }

  private applySnapshot(snapshot: RoomSnapshot, announce: boolean): void {
    this.view = viewOf(snapshot);
    if (!announce) return;
    this.emit('room:snapshot', snapshot);
    this.emit('room:state', this.view);
  }

  /** Replays what arrived while the room was syncing. */
  private drain(): void {
    const pending = this.buffer;
    this.buffer = [];
    for (const item of pending) this.sequenced(item.first, item.last, item.deliver);
  }

  private close(error: CodedError | null): void {
    if (this.left) return;
    this.left = true;
    this.buffer = [];
    for (const hook of this.media) void hook.close();
    this.media.clear();
    this.link.forget(this);
    this.emit('room:closed', { error });
  }
}

/** The server events a room handles: the client routes each to the room its `roomId` names. */
export const ROOM_EVENTS = [
  'chat:batch',
  'reaction:batch',
  'room:viewers',
  'drop:stock',
  'auction:update',
  'auction:outbid',
  'giveaway:update',
  'room:reset',
  'chat:reviewed',
  'room:removed',
  'media:track',
  'media:consumer-closed',
  'media:layers',
  'media:restart',
  'media:closed',
  ...CONTROL_TYPES,
] as const;

export type ServerPayloadMap = { [E in (typeof ROOM_EVENTS)[number]]: ServerPayload<E> };
