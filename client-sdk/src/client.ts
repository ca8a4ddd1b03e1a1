import { io, type ManagerOptions, type Socket, type SocketOptions } from 'socket.io-client';
import { clockOffset, serverTimeAt, type ClockSample } from './clock.js';
import { Emitter } from './emitter.js';
import { CodedError, type Ack, type ErrorBody } from './protocol/error-codes.js';
import type {
  ClientEventName,
  ClientRequest,
  ClientResponse,
  ClientToServerEvents,
  ServerPayload,
  ServerToClientEvents,
  SessionUser,
} from './protocol/events.js';
import { VIEW_CHAT_LIMIT } from './protocol/fold.js';
import { ID_PATTERN } from './protocol/limits.js';
import type { StreamInfo } from './protocol/schemas.js';
import { PROTOCOL_VERSION } from './protocol/version.js';
import type { StreamFields } from './room-events.js';
import { roomFeatures, type RoomFeatures } from './room-features.js';
import { Room, ROOM_EVENTS, type RoomLink } from './room.js';

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
  /** Recent messages each room's `state.chat` keeps (default 100). */
  chatLimit?: number;
}

/** The connection's own events; each room has its own (see `RoomEventMap`). */
export interface ClientEventMap {
  /** Connected (again) and authenticated. */
  connected: (info: { user: SessionUser; serverTime: number }) => void;
  disconnected: (info: { reason: string }) => void;
  /** The server is shutting down; the client reconnects by itself. */
  draining: (info: ServerPayload<'server:draining'>) => void;
  /** A server error that no request was waiting for (or a refused connection). */
  error: (error: CodedError) => void;
}

/** Failures an idempotent request retries (with the same key, so it never takes effect twice). */
const SEND_RETRY = new Set<string>(['TIMEOUT', 'DISCONNECTED', 'UNAVAILABLE', 'SERVER_DRAINING']);
const SEND_ATTEMPTS = 6;

/**
 * A connection to a live-shopping server. It reconnects by itself and, for every joined room,
 * resumes from the last event it saw, so each room sees its events once and in order.
 */
export class LiveShopClient extends Emitter<ClientEventMap> {
  private readonly socket: Socket<ServerToClientEvents, ClientToServerEvents>;
  private readonly rooms = new Map<string, Room>();
  private readonly joining = new Map<string, Promise<Room>>();
  private readonly timeoutMs: number;
  private readonly localNow: () => number;
  private readonly link: RoomLink;
  /** Whole milliseconds to add to the local clock to read the server's. */
  private offset = 0;
  private me: SessionUser | null = null;
  private closed = false;
  private drainTimer: ReturnType<typeof setTimeout> | undefined;
  private everConnected = false;

  constructor(options: ClientOptions) {
    super();
    this.timeoutMs = options.requestTimeoutMs ?? 10_000;
    this.localNow = options.now ?? Date.now;
    this.link = {
      connected: () => this.whenConnected(),
      send: (event, payload) => this.request(event, payload),
      retrying: (send) => this.retrying(send),
      failed: (error) => this.emit('error', error),
      forget: (room) => {
        if (this.rooms.get(room.id) === room) this.rooms.delete(room.id);
      },
      chatLimit: options.chatLimit ?? VIEW_CHAT_LIMIT,
      user: () => this.me,
      serverNow: () => this.serverNow(),
    };
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

  /**
   * Joins a room and returns its handle, with its state and events from then on. Joining a room
   * already joined returns the same handle.
   */
  join(roomId: string): Promise<Room> {
    if (!ID_PATTERN.test(roomId))
      return Promise.reject(
        new CodedError('BAD_REQUEST', 'roomId: must be 1-64 letters, digits, "_" or "-"'),
      );
    // a join in progress is shared (its handle is not the caller's until the snapshot is in)
    const pending = this.joining.get(roomId);
    if (pending) return pending;
    const joined = this.rooms.get(roomId);
    if (joined) return Promise.resolve(joined);
    const joining = this.enter(roomId).finally(() => this.joining.delete(roomId));
    this.joining.set(roomId, joining);
    return joining;
  }

  private async enter(roomId: string): Promise<Room> {
    const room = new Room(roomId, this.link);
    this.rooms.set(roomId, room);
    try {
      await room.join();
      return room;
    } catch (error) {
      this.link.forget(room);
      throw error;
    }
  }

  /** The handle of a joined room. */
  room(roomId: string): Room | undefined {
    const room = this.rooms.get(roomId);
    return room?.joined ? room : undefined;
  }

  /**
   * A room's commands without joining it, for a host's console or a backend that runs a show
   * without watching it (so it does not count as a viewer): stream, products, drop creation and
   * moderation. Claims, checkouts and chat need the room joined (`join`).
   */
  manage(roomId: string): RoomFeatures {
    return roomFeatures(
      { id: roomId },
      {
        request: (event, payload) => this.request(event, payload),
        retrying: (send) => this.retrying(send),
        entered: () => undefined,
        result: () => undefined,
        sent: () => undefined,
      },
    );
  }

  /** Creates a stream room (or edits it before it ends). Hosts; join it (or `manage` it) next. */
  createStream(roomId: string, fields: StreamFields): Promise<{ seq: number; stream: StreamInfo }> {
    return this.request('stream:create', { roomId, ...fields });
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

  /** Closes the connection for good. */
  close(): void {
    this.closed = true;
    for (const room of [...this.rooms.values()]) void room.leave().catch(() => undefined);
    this.rooms.clear();
    clearTimeout(this.drainTimer);
    this.socket.close();
  }

  /**
   * Sends any request (once connected) and resolves with its result, or rejects with a
   * {@link CodedError}. Room handles and their features are the usual way; this is the protocol's.
   */
  async request<E extends ClientEventName>(
    event: E,
    payload: ClientRequest<E>,
  ): Promise<ClientResponse<E>> {
    await this.whenConnected();
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
      // the server closed this connection's media when it dropped: rooms set it up again
      for (const room of this.rooms.values()) room.reconnected(this.everConnected);
      this.everConnected = true;
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
    for (const event of ROOM_EVENTS) {
      s.on(event, (payload: { roomId: string }) =>
        this.rooms.get(payload.roomId)?.receive(event, payload as never),
      );
    }
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
}

/** Connects to a live-shopping server. */
export function createClient(options: ClientOptions): LiveShopClient {
  return new LiveShopClient(options);
}
