import { io, type ManagerOptions, type Socket, type SocketOptions } from 'socket.io-client';
import { clockOffset, serverTimeAt, type ClockSample } from './clock.js';
import { Emitter } from './emitter.js';
import { CodedError } from './protocol/index.js';
import {
  Publication,
  Viewing,
  type MediaChannel,
  type PublishOptions,
  type WatchOptions,
} from './media.js';
import {
  PROTOCOL_VERSION,
  RoomId,
  toChatMessage,
  type Ack,
  type ChatMessage,
  type ClientEventName,
  type ClientRequest,
  type ClientResponse,
  type ClientToServerEvents,
  type ErrorBody,
  type Product,
  type ReactionKind,
  type RoomEvent,
  type RoomSnapshot,
  type ServerPayload,
  type ServerToClientEvents,
  type SessionUser,
  type StreamInfo,
} from './protocol/index.js';

export interface ClientOptions {
  /** The server's base URL, e.g. `http://127.0.0.1:3000`. */
  url: string;
  /** A JWT, or a function returning one (called on every (re)connect, so it can refresh). Omit to watch anonymously. */
  token?: string | (() => string | Promise<string>);
  /** How long a request waits for its answer (and for a connection) before failing with TIMEOUT. Default 10 s. */
  requestTimeoutMs?: number;
  /** Default `['websocket', 'polling']`: WebSocket first, long-polling where WebSockets are blocked. */
  transports?: ('websocket' | 'polling')[];
  /** Extra socket.io-client options (reconnection delays and the like). */
  socketOptions?: Partial<ManagerOptions & SocketOptions>;
  /** The device's clock, epoch milliseconds (default `Date.now`); the server's is measured against it. */
  now?: () => number;
}

/** Events the client emits to the app. Payload types come from the protocol schemas. */
export interface ClientEventMap {
  /** Connected (again) and authenticated. */
  connected: (info: { user: SessionUser; serverTime: number }) => void;
  disconnected: (info: { reason: string }) => void;
  /** The server is shutting down; the client reconnects by itself. */
  draining: (info: ServerPayload<'server:draining'>) => void;
  /** A server error that no request was waiting for (or a refused connection). */
  error: (error: CodedError) => void;
  /** A room's full state, after `join` or after a resume that could not recover. */
  snapshot: (snapshot: RoomSnapshot) => void;
  /** After a reconnect or a gap: everything missed was replayed (through the events below). */
  resumed: (info: { roomId: string; missed: number }) => void;
  chat: (message: ChatMessage & { roomId: string }) => void;
  /**
   * A hot room's batch left out `skipped` messages of seqs `from`..`to` (sampling; the history
   * keeps them): show "+N more". Fired after the batch's own `chat` events.
   */
  chatSkipped: (info: { roomId: string; from: number; to: number; skipped: number }) => void;
  chatDeleted: (event: ServerPayload<'chat:deleted'>) => void;
  pinned: (event: ServerPayload<'chat:pinned'>) => void;
  unpinned: (event: ServerPayload<'chat:unpinned'>) => void;
  slowMode: (event: ServerPayload<'chat:slow-mode'>) => void;
  stream: (event: ServerPayload<'stream:updated'>) => void;
  /** A product was listed in the stream, or changed. */
  product: (event: ServerPayload<'product:updated'>) => void;
  productRemoved: (event: ServerPayload<'product:removed'>) => void;
  productPinned: (event: ServerPayload<'product:pinned'>) => void;
  productUnpinned: (event: ServerPayload<'product:unpinned'>) => void;
  reactions: (event: ServerPayload<'reaction:batch'>) => void;
  viewers: (event: ServerPayload<'room:viewers'>) => void;
  /** A drop's stock: on every change of state, and while it sells at most 10 times a second. */
  dropStock: (stock: ServerPayload<'drop:stock'>) => void;
  /** The answer to this client's claim, checkout or cancel (also returned by the call). */
  dropResult: (result: DropResult) => void;
  /** A lottery this client entered was drawn: the draw, with this buyer's result in `mine`. */
  lottery: (event: { roomId: string; draw: ClientResponse<'drop:lottery'> }) => void;
  /** The simulcast layers a watched video now arrives in (lower when bandwidth drops). */
  mediaLayers: (event: ServerPayload<'media:layers'>) => void;
}

/** What `dropResult` carries. */
export type DropResult = { roomId: string; dropId: string } & (
  | { action: 'claim'; result: ClientResponse<'drop:claim'> }
  | { action: 'checkout'; result: ClientResponse<'drop:checkout'> }
  | { action: 'cancel'; result: ClientResponse<'drop:cancel'> }
);

/** What a host sets when creating a drop. */
export type DropFields = Omit<ClientRequest<'drop:create'>, 'roomId'>;

/** Fields a host sets when creating (or editing) a stream. */
export type StreamFields = Omit<ClientRequest<'stream:create'>, 'roomId'>;

type Sequenced = { first: number; last: number; deliver: (afterSeq: number) => void };

/** What the client tracks of a joined room to keep its events whole and in order. */
interface Track {
  roomId: string;
  epoch: string;
  lastSeq: number;
  syncing: Promise<void> | null;
  buffer: Sequenced[];
}

/** Failures an idempotent request retries (with the same key, so it never takes effect twice). */
const SEND_RETRY = new Set<string>(['TIMEOUT', 'DISCONNECTED', 'UNAVAILABLE', 'SERVER_DRAINING']);
const SEND_ATTEMPTS = 6;
/** Entrants fetch a drawn lottery's result spread over this long. */
const LOTTERY_FETCH_SPREAD_MS = 2000;

const CONTROL_EVENTS = {
  'chat:deleted': 'chatDeleted',
  'chat:pinned': 'pinned',
  'chat:unpinned': 'unpinned',
  'chat:slow-mode': 'slowMode',
  'stream:updated': 'stream',
  'product:updated': 'product',
  'product:removed': 'productRemoved',
  'product:pinned': 'productPinned',
  'product:unpinned': 'productUnpinned',
} as const satisfies Record<Exclude<RoomEvent['type'], 'chat:message'>, keyof ClientEventMap>;

type ControlType = keyof typeof CONTROL_EVENTS;

/**
 * A key no other request will have: 128 crypto-random bits (getRandomValues works in browsers
 * on plain http too, where randomUUID does not).
 */
function idempotencyKey(): string {
  const bytes = globalThis.crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

const randomId = (): string => Math.random().toString(36).slice(2, 10) + Date.now().toString(36);

/**
 * A connection to a live-shopping server. It reconnects by itself and, for every joined room,
 * resumes from the last event it saw, so the app sees each room event once and in order.
 */
export class LiveShopClient extends Emitter<ClientEventMap> {
  private readonly socket: Socket<ServerToClientEvents, ClientToServerEvents>;
  private readonly rooms = new Map<string, Track>();
  private readonly timeoutMs: number;
  private readonly localNow: () => number;
  /** Whole milliseconds to add to the local clock to read the server's. */
  private offset = 0;
  /** Lottery drops this client entered and whose draw it has not fetched yet. */
  private readonly entered = new Set<string>();
  private me: SessionUser | null = null;
  private closed = false;
  private drainTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly media = new Set<Publication | Viewing>();
  private everConnected = false;

  constructor(options: ClientOptions) {
    super();
    this.timeoutMs = options.requestTimeoutMs ?? 10_000;
    this.localNow = options.now ?? Date.now;
    const { token } = options;
    this.socket = io(options.url, {
      transports: options.transports ?? ['websocket', 'polling'],
      tryAllTransports: true,
      ...options.socketOptions,
      auth: (cb: (data: object) => void) => {
        if (typeof token !== 'function') {
          cb(token === undefined ? {} : { token });
          return;
        }
        Promise.resolve(token()).then(
          (value) => cb({ token: value }),
          () => cb({}),
        );
      },
    });
    this.listen();
  }

  get connected(): boolean {
    return this.socket.connected;
  }

  /** The authenticated user, once connected. */
  get user(): SessionUser | null {
    return this.me;
  }

  /** Milliseconds (a whole number) to add to the device's clock to get the server's (for countdowns). */
  serverTimeOffset(): number {
    return this.offset;
  }

  /** The server's current time, in whole epoch milliseconds (usable as a `startsAt`). */
  serverNow(): number {
    return serverTimeAt(this.localNow(), this.offset);
  }

  /** Joins a room and returns its snapshot; its events arrive through `on(...)` from then on. */
  async join(roomId: string): Promise<RoomSnapshot> {
    RoomId.parse(roomId);
    const track: Track = { roomId, epoch: '', lastSeq: 0, syncing: null, buffer: [] };
    this.rooms.set(roomId, track);
    let settle = () => {};
    track.syncing = new Promise<void>((resolve) => (settle = resolve));
    try {
      const result = await this.request('room:join', { roomId });
      if (result.recovered) throw new Error('unexpected resume answer to a fresh join');
      this.applySnapshot(track, result.snapshot);
      return result.snapshot;
    } catch (error) {
      if (this.rooms.get(roomId) === track) this.rooms.delete(roomId);
      throw error;
    } finally {
      track.syncing = null;
      settle();
      this.drain(track);
    }
  }

  async leave(roomId: string): Promise<void> {
    this.rooms.delete(roomId);
    for (const session of this.mediaIn(roomId)) void session.close();
    await this.request('room:leave', { roomId });
  }

  /** Sends a chat message; safe to call while reconnecting (the same message is never posted twice). */
  sendChat(roomId: string, text: string): Promise<ClientResponse<'chat:send'>> {
    // one id for every attempt: the server answers a retry with the first attempt's message
    const payload = { roomId, text, clientMsgId: randomId() };
    return this.retrying(() => this.request('chat:send', payload, roomId));
  }

  /**
   * Claims one unit of a drop: a hold until `expiresAt` (check out before then), or why not.
   * Safe across reconnects: every attempt carries the same idempotency key, so one tap never
   * holds two units.
   */
  async claim(roomId: string, dropId: string): Promise<ClientResponse<'drop:claim'>> {
    const payload = { roomId, dropId, idempotencyKey: idempotencyKey() };
    const result = await this.retrying(() => this.request('drop:claim', payload, roomId));
    if (result.outcome === 'entered') this.entered.add(`${roomId}\n${dropId}`);
    this.emit('dropResult', { roomId, dropId, action: 'claim', result });
    return result;
  }

  /** Turns a hold into an order, once, however often the request has to be retried. */
  async checkout(
    roomId: string,
    dropId: string,
    holdId: string,
  ): Promise<ClientResponse<'drop:checkout'>> {
    const payload = { roomId, dropId, holdId, idempotencyKey: idempotencyKey() };
    const result = await this.retrying(() => this.request('drop:checkout', payload, roomId));
    this.emit('dropResult', { roomId, dropId, action: 'checkout', result });
    return result;
  }

  /**
   * A lottery drop's draw: every ticket, the winners and the seed once the window has closed, and
   * this buyer's entry (with its hold when it won). Check it with `verifyLottery()`.
   */
  lottery(roomId: string, dropId: string): Promise<ClientResponse<'drop:lottery'>> {
    return this.retrying(() => this.request('drop:lottery', { roomId, dropId }, roomId));
  }

  /** Gives a hold back; repeating it is harmless. */
  async cancel(
    roomId: string,
    dropId: string,
    holdId: string,
  ): Promise<ClientResponse<'drop:cancel'>> {
    const result = await this.retrying(() =>
      this.request('drop:cancel', { roomId, dropId, holdId }, roomId),
    );
    this.emit('dropResult', { roomId, dropId, action: 'cancel', result });
    return result;
  }

  /** Lists a product in the stream, or changes it. Hosts. */
  upsertProduct(roomId: string, product: Product): Promise<{ seq: number }> {
    return this.request('product:upsert', { roomId, product }, roomId);
  }

  removeProduct(roomId: string, productId: string): Promise<{ seq: number }> {
    return this.request('product:remove', { roomId, productId }, roomId);
  }

  /** Pins a listed product (at most three). Hosts. */
  pinProduct(roomId: string, productId: string): Promise<{ seq: number }> {
    return this.request('product:pin', { roomId, productId }, roomId);
  }

  unpinProduct(roomId: string, productId: string): Promise<{ seq: number }> {
    return this.request('product:unpin', { roomId, productId }, roomId);
  }

  /** Creates a drop of a listed product in a room. Hosts. */
  createDrop(roomId: string, drop: DropFields): Promise<ClientResponse<'drop:create'>> {
    return this.request('drop:create', { roomId, ...drop }, roomId);
  }

  /** Repeats an idempotent request through transient failures, with backoff. */
  private async retrying<T>(send: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await send();
      } catch (error) {
        if (!(error instanceof CodedError) || !SEND_RETRY.has(error.code)) throw error;
        if (attempt >= SEND_ATTEMPTS || this.closed) throw error;
        const backoff = error.retryAfterMs ?? Math.min(2000, 100 * 2 ** attempt);
        await new Promise((resolve) => setTimeout(resolve, backoff * (0.5 + Math.random() / 2)));
      }
    }
  }

  async react(roomId: string, kind: ReactionKind, count = 1): Promise<void> {
    await this.request('reaction:send', { roomId, kind, count }, roomId);
  }

  deleteMessage(roomId: string, messageId: string): Promise<{ seq: number }> {
    return this.request('chat:delete', { roomId, messageId }, roomId);
  }

  pin(roomId: string, messageId: string): Promise<{ seq: number }> {
    return this.request('chat:pin', { roomId, messageId }, roomId);
  }

  unpin(roomId: string, messageId: string): Promise<{ seq: number }> {
    return this.request('chat:unpin', { roomId, messageId }, roomId);
  }

  /** Sets slow mode (seconds between a viewer's messages); 0 turns it off. Hosts and moderators. */
  setSlowMode(roomId: string, seconds: number): Promise<{ seq: number }> {
    return this.request('chat:set-slow-mode', { roomId, seconds }, roomId);
  }

  /** Creates a stream room (or edits it before it ends). Hosts. */
  createStream(roomId: string, fields: StreamFields): Promise<{ seq: number; stream: StreamInfo }> {
    return this.request('stream:create', { roomId, ...fields });
  }

  startStream(roomId: string): Promise<{ seq: number }> {
    return this.request('stream:start', { roomId });
  }

  endStream(roomId: string): Promise<{ seq: number }> {
    return this.request('stream:end', { roomId });
  }

  /** Measures the clock offset again (the client does this on every connect). */
  async syncTime(samples = 3): Promise<number> {
    const taken: ClockSample[] = [];
    for (let i = 0; i < samples; i++) {
      const sent = this.localNow();
      const { serverTime } = await this.request('time:sync', {});
      taken.push({ sent, received: this.localNow(), serverTime });
    }
    this.offset = clockOffset(taken, this.offset);
    return this.offset;
  }

  /**
   * Publishes a host's camera and microphone in a joined room (video with simulcast). After a
   * reconnect, or if the server loses the stream, it publishes again by itself. `close()` stops.
   */
  async publish(
    roomId: string,
    stream: MediaStream,
    options?: PublishOptions,
  ): Promise<Publication> {
    return this.startMedia(new Publication(this.mediaChannel(), roomId, stream, options));
  }

  /**
   * Plays a joined room's video in `element` (pass null to handle `viewing.stream` yourself).
   * Tracks the host publishes later are added as they come; after a reconnect, or if the server
   * loses the stream, it reconnects the media by itself. `close()` stops.
   */
  async watch(
    roomId: string,
    element: HTMLVideoElement | null,
    options?: WatchOptions,
  ): Promise<Viewing> {
    return this.startMedia(new Viewing(this.mediaChannel(), roomId, element, options));
  }

  private async startMedia<S extends Publication | Viewing>(session: S): Promise<S> {
    // the server keeps one publishing and one watching side per connection and room
    if (this.mediaIn(session.roomId).some((other) => other.direction === session.direction))
      throw new CodedError(
        'BAD_REQUEST',
        `Already ${session.direction === 'send' ? 'publishing' : 'watching'} in ${session.roomId}; close that first`,
      );
    this.media.add(session);
    try {
      await session.start();
    } catch (error) {
      this.media.delete(session);
      await session.close();
      throw error;
    }
    const close = session.close.bind(session);
    session.close = async () => {
      this.media.delete(session);
      await close();
    };
    return session;
  }

  private mediaChannel(): MediaChannel {
    return {
      request: (event, payload, roomId) => this.request(event, payload, roomId),
      failed: (error) => this.emit('error', error),
    };
  }

  private mediaIn(roomId: string): (Publication | Viewing)[] {
    return [...this.media].filter((session) => session.roomId === roomId);
  }

  /** Closes the connection for good. */
  close(): void {
    for (const session of this.media) void session.close();
    this.media.clear();
    this.closed = true;
    clearTimeout(this.drainTimer);
    this.rooms.clear();
    this.socket.close();
  }

  /** Sends a request and resolves with its result, or rejects with a {@link CodedError}. */
  async request<E extends ClientEventName>(
    event: E,
    payload: ClientRequest<E>,
    roomId?: string,
  ): Promise<ClientResponse<E>> {
    await this.whenConnected();
    const syncing = roomId === undefined ? null : this.rooms.get(roomId)?.syncing;
    if (syncing) await syncing;
    return this.send(event, payload);
  }

  private async send<E extends ClientEventName>(
    event: E,
    payload: ClientRequest<E>,
  ): Promise<ClientResponse<E>> {
    const timed = this.socket.timeout(this.timeoutMs) as unknown as {
      emitWithAck(event: string, payload: unknown): Promise<Ack<ClientResponse<E>>>;
    };
    let ack: Ack<ClientResponse<E>>;
    try {
      ack = await timed.emitWithAck(event, payload);
    } catch {
      throw this.socket.connected
        ? new CodedError('TIMEOUT', `No answer to ${event} within ${this.timeoutMs} ms`)
        : new CodedError('DISCONNECTED', `The connection was lost before ${event} was answered`);
    }
    if (!ack.ok) throw CodedError.from(ack.error);
    const { ok: _, ...result } = ack;
    return result as unknown as ClientResponse<E>;
  }

  private whenConnected(): Promise<void> {
    if (this.closed) return Promise.reject(new CodedError('DISCONNECTED', 'The client is closed'));
    if (this.socket.connected) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.socket.off('connect', onConnect);
        reject(new CodedError('TIMEOUT', `Not connected within ${this.timeoutMs} ms`));
      }, this.timeoutMs);
      const onConnect = () => {
        clearTimeout(timer);
        resolve();
      };
      this.socket.once('connect', onConnect);
    });
  }

  private listen(): void {
    const s = this.socket;
    s.on('connect', () => {
      for (const track of this.rooms.values()) this.resync(track);
      // the server closed this connection's media when it dropped: set it up again
      if (this.everConnected) for (const session of this.media) session.restart();
      this.everConnected = true;
    });
    s.on('media:track', (event) => {
      for (const session of this.mediaIn(event.roomId)) session.onTrack(event);
    });
    s.on('media:consumer-closed', (event) => {
      for (const session of this.mediaIn(event.roomId)) session.onConsumerClosed(event.consumerId);
    });
    s.on('media:layers', (event) => this.emit('mediaLayers', event));
    s.on('media:restart', (event) => {
      for (const session of this.mediaIn(event.roomId)) session.restart();
    });
    s.on('media:closed', (event) => {
      for (const session of this.mediaIn(event.roomId)) void session.close();
    });
    s.on('server:hello', (hello) => {
      if (hello.protocol !== PROTOCOL_VERSION) {
        this.emit(
          'error',
          new CodedError(
            'BAD_REQUEST',
            `Server speaks protocol ${hello.protocol}, this SDK ${PROTOCOL_VERSION}`,
          ),
        );
      }
      this.me = hello.user;
      this.offset = clockOffset([], hello.serverTime - this.localNow());
      this.emit('connected', { user: hello.user, serverTime: hello.serverTime });
      this.syncTime().catch(() => undefined);
    });
    s.on('disconnect', (reason) => this.emit('disconnected', { reason }));
    s.on('connect_error', (err: Error & { data?: ErrorBody }) => this.onConnectError(err));
    s.on('server:draining', (info) => this.onDraining(info));
    s.on('server:error', (body) => this.emit('error', CodedError.from(body)));

    s.on('chat:batch', (batch) => {
      this.sequenced(batch.roomId, batch.from, batch.to, (after) => {
        let shown = 0;
        for (const m of batch.messages)
          if (m.seq > after) {
            shown++;
            this.emit('chat', { ...m, roomId: batch.roomId });
          }
        // a batch's range is its chat only: what it does not carry (and was not seen) was skipped
        const from = Math.max(batch.from, after + 1);
        const skipped = batch.to - from + 1 - shown;
        if (batch.skipped > 0 && skipped > 0)
          this.emit('chatSkipped', { roomId: batch.roomId, from, to: batch.to, skipped });
      });
    });
    for (const type of Object.keys(CONTROL_EVENTS) as ControlType[]) {
      s.on(type, (event: RoomEvent) => {
        this.sequenced(event.roomId, event.seq, event.seq, () => this.dispatch(event));
      });
    }
    s.on('reaction:batch', (event) => {
      if (this.rooms.has(event.roomId)) this.emit('reactions', event);
    });
    s.on('room:viewers', (event) => {
      if (this.rooms.has(event.roomId)) this.emit('viewers', event);
    });
    s.on('drop:stock', (stock) => {
      if (!this.rooms.has(stock.roomId)) return;
      this.emit('dropStock', stock);
      // a lottery this client entered was drawn: fetch the draw (and this buyer's result) once
      const entry = `${stock.roomId}\n${stock.dropId}`;
      if (stock.lottery?.drawn && this.entered.delete(entry)) {
        // entrants fetch at random moments over a second or two, not all at once
        const jitter = Math.random() * LOTTERY_FETCH_SPREAD_MS;
        setTimeout(() => {
          this.lottery(stock.roomId, stock.dropId).then(
            (draw) => this.emit('lottery', { roomId: stock.roomId, draw }),
            (error: unknown) => {
              this.entered.add(entry); // the next stock update tries again
              this.emit(
                'error',
                error instanceof CodedError
                  ? error
                  : new CodedError('INTERNAL', `lottery: ${String(error)}`),
              );
            },
          );
        }, jitter);
      }
    });
    s.on('room:reset', (event) => {
      const track = this.rooms.get(event.roomId);
      if (!track) return;
      const stale = () => track.epoch !== event.epoch || track.lastSeq < event.seq;
      // a reset during a re-sync may have raced its answer: check again once it is done
      if (track.syncing) void track.syncing.then(() => stale() && this.resync(track));
      else if (stale()) this.resync(track);
    });
  }

  private onConnectError(err: Error & { data?: ErrorBody }): void {
    if (!err.data) return; // transport-level failure: socket.io keeps retrying
    this.emit('error', CodedError.from(err.data));
    if (err.data.code === 'SERVER_DRAINING' && !this.closed) this.reconnectLater(1000);
  }

  private onDraining(info: ServerPayload<'server:draining'>): void {
    this.emit('draining', info);
    this.socket.disconnect();
    this.reconnectLater(info.reconnectAfterMs);
  }

  /** Reconnects after about `ms` (jittered, so a drained audience does not come back at once). */
  private reconnectLater(ms: number): void {
    clearTimeout(this.drainTimer);
    this.drainTimer = setTimeout(
      () => {
        if (!this.closed) this.socket.connect();
      },
      ms * (0.5 + Math.random()),
    );
  }

  /** Delivers a sequenced item once and in order; a gap triggers a resume, buffering what follows. */
  private sequenced(
    roomId: string,
    first: number,
    last: number,
    deliver: (afterSeq: number) => void,
  ): void {
    const track = this.rooms.get(roomId);
    if (!track) return;
    if (track.syncing) {
      track.buffer.push({ first, last, deliver });
      return;
    }
    if (last <= track.lastSeq) return;
    if (first > track.lastSeq + 1) {
      track.buffer.push({ first, last, deliver });
      this.resync(track);
      return;
    }
    const after = track.lastSeq;
    track.lastSeq = last;
    deliver(after);
  }

  private dispatch(event: RoomEvent): void {
    if (event.type === 'chat:message') {
      this.emit('chat', { ...toChatMessage(event), roomId: event.roomId });
      return;
    }
    // CONTROL_EVENTS maps each type to the event whose payload is exactly that type
    this.emit(CONTROL_EVENTS[event.type], event);
  }

  /** Asks the server for everything after the last seq seen; falls back to a snapshot. */
  private resync(track: Track): void {
    if (track.syncing || this.rooms.get(track.roomId) !== track) return;
    track.syncing = (async () => {
      try {
        const result = await this.send('room:join', {
          roomId: track.roomId,
          resume: { epoch: track.epoch, lastSeq: track.lastSeq },
        });
        if (result.recovered) {
          let replayed = 0;
          for (const event of result.missed) {
            if (event.seq <= track.lastSeq) continue;
            track.lastSeq = event.seq;
            replayed++;
            this.dispatch(event);
          }
          this.emit('resumed', { roomId: track.roomId, missed: replayed });
          this.emit('viewers', { roomId: track.roomId, seq: track.lastSeq, count: result.viewers });
        } else {
          this.applySnapshot(track, result.snapshot);
        }
      } catch (error) {
        if (error instanceof CodedError && error.code === 'ROOM_NOT_FOUND')
          this.rooms.delete(track.roomId);
        if (error instanceof CodedError) this.emit('error', error);
      } finally {
        track.syncing = null;
        this.drain(track);
      }
    })();
  }

  private applySnapshot(track: Track, snapshot: RoomSnapshot): void {
    track.epoch = snapshot.epoch;
    track.lastSeq = snapshot.seq;
    this.emit('snapshot', snapshot);
  }

  /** Replays what arrived while a room was syncing. */
  private drain(track: Track): void {
    const pending = track.buffer;
    track.buffer = [];
    for (const item of pending) this.sequenced(track.roomId, item.first, item.last, item.deliver);
  }
}

/** Connects to a live-shopping server. */
export function createClient(options: ClientOptions): LiveShopClient {
  return new LiveShopClient(options);
}
