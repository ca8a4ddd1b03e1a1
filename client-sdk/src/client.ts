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
import type { QueueStatus } from './protocol/queue.js';
import { waitInLine, type LineWait } from './queue.js';
import { roomFeatures, type RoomFeatures } from './room-features.js';
import { Room, ROOM_EVENTS, type JoinOptions, type RoomLink } from './room.js';

export interface ClientOptions {
  /** The server's base URL, e.g. `http://127.0.0.1:3000`. */
  url: string;
  /** A JWT, or a function returning one (called on every (re)connect, so it can refresh). Omit to watch anonymously. */
  token?: string | (() => string | Promise<string>);
  /** How long a request waits for its answer (and for a connection) before failing with TIMEOUT. Default 10 s. */
  requestTimeoutMs?: number;
  /** Default `['websocket', 'polling']`: WebSocket first, long-polling where WebSockets are blocked. */
  transports?: ('websocket' | 'polling')[];
  /**
   * Extra socket.io-client options. Reconnection is the SDK's own: `reconnection: false` turns it
   * off, `reconnectionDelay` (default 1 s) and `reconnectionDelayMax` (default 30 s) set its full
   * jitter backoff (each wait is uniform between 0 and min(max, delay × 2^attempt)), added to any
   * wait the server asks for, and `reconnectionAttempts` bounds it.
   */
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
  /** `retryAfterMs`: the server shed this connection and asked to be left alone that long. */
  disconnected: (info: { reason: string; retryAfterMs?: number }) => void;
  /** The server is shutting down; the client reconnects by itself. */
  draining: (info: ServerPayload<'server:draining'>) => void;
  /** A server error that no request was waiting for (or a refused connection). */
  error: (error: CodedError) => void;
  /**
   * Where this client stands in a full room's waiting room while `join` waits: its place, the
   * estimate, the pre-queue (and its seed once revealed), drops that sold out meanwhile.
   */
  queue: (status: QueueStatus) => void;
  /**
   * The connection is down and the client tries again in `delayMs`: the server's wait
   * (`retryAfterMs`, when it asked for one) plus the backoff's jitter. `attempt` counts from 1.
   */
  reconnecting: (info: { attempt: number; delayMs: number; retryAfterMs: number }) => void;
}

/** Failures an idempotent request retries (with the same key, so it never takes effect twice). */
const SEND_RETRY = new Set<string>([
  'TIMEOUT',
  'DISCONNECTED',
  'UNAVAILABLE',
  'SERVER_DRAINING',
  'OVERLOADED',
]);
const SEND_ATTEMPTS = 6;

/**
 * A connection to a live-shopping server. It reconnects by itself and, for every joined room,
 * resumes from the last event it saw, so each room sees its events once and in order.
 */
export class LiveShopClient extends Emitter<ClientEventMap> {
  private readonly socket: Socket<ServerToClientEvents, ClientToServerEvents>;
  private readonly rooms = new Map<string, Room>();
  private readonly joining = new Map<string, Promise<Room>>();
  /** Waits in rooms' lines, and who follows each room's `queue:update`. */
  private readonly lines = new Map<string, LineWait>();
  private readonly queueListeners = new Map<string, Set<(status: QueueStatus) => void>>();
  private readonly timeoutMs: number;
  private readonly localNow: () => number;
  private readonly link: RoomLink;
  /** Whole milliseconds to add to the local clock to read the server's. */
  private offset = 0;
  /** When the transport last opened (the socket.io CONNECT leaves then): the hello answers it. */
  private openedAt: number | undefined;
  private me: SessionUser | null = null;
  private closed = false;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private everConnected = false;
  /** Null: the app turned reconnection off. */
  private readonly backoff: { baseMs: number; maxMs: number; attempts: number } | null;
  /** Reconnection attempts since the last connection. */
  private attempt = 0;

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
      line: (roomId) => this.line(roomId),
    };
    const { token, socketOptions = {} } = options;
    this.backoff =
      socketOptions.reconnection === false
        ? null
        : {
            baseMs: socketOptions.reconnectionDelay ?? 1000,
            maxMs: socketOptions.reconnectionDelayMax ?? 30_000,
            attempts: socketOptions.reconnectionAttempts ?? Number.POSITIVE_INFINITY,
          };
    this.socket = io(options.url, {
      transports: options.transports ?? ['websocket', 'polling'],
      tryAllTransports: true,
      ...socketOptions,
      // socket.io-client's own backoff brings a whole audience back within seconds of each other
      reconnection: false,
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
   * already joined returns the same handle (the options of the first join stay).
   */
  join(roomId: string, options: JoinOptions = {}): Promise<Room> {
    if (!ID_PATTERN.test(roomId))
      return Promise.reject(
        new CodedError('BAD_REQUEST', 'roomId: must be 1-64 letters, digits, "_" or "-"'),
      );
    // a join in progress is shared (its handle is not the caller's until the snapshot is in)
    const pending = this.joining.get(roomId);
    if (pending) return pending;
    const joined = this.rooms.get(roomId);
    if (joined) return Promise.resolve(joined);
    const joining = this.enter(roomId, options).finally(() => this.joining.delete(roomId));
    this.joining.set(roomId, joining);
    return joining;
  }

  private async enter(roomId: string, options: JoinOptions): Promise<Room> {
    const room = new Room(roomId, this.link, options);
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
        auction: () => undefined,
        serverNow: () => this.serverNow(),
      },
    );
  }

  /** Creates a stream room (or edits it before it ends). Hosts; join it (or `manage` it) next. */
  createStream(roomId: string, fields: StreamFields): Promise<{ seq: number; stream: StreamInfo }> {
    return this.request('stream:create', { roomId, ...fields });
  }

  /** A shuffled pre-queue's audit, to check with `verifyQueueOrder` (NOT_FOUND before its end). */
  async queueAudit(roomId: string): Promise<ClientResponse<'queue:audit'>['audit']> {
    return (await this.request('queue:audit', { roomId })).audit;
  }

  /** Gives up a place in a room's line: the `join` waiting for it rejects with ROOM_FULL. */
  leaveQueue(roomId: string): void {
    this.lines.get(roomId)?.cancel();
  }

  private line(roomId: string): LineWait {
    const existing = this.lines.get(roomId);
    if (existing) return existing;
    const wait = waitInLine(
      {
        send: (event, payload) => this.request(event, payload),
        updates: (id, listener) => {
          let set = this.queueListeners.get(id);
          if (!set) this.queueListeners.set(id, (set = new Set()));
          set.add(listener);
          return () => set.delete(listener);
        },
        reconnects: (listener) => {
          this.socket.on('connect', listener);
          return () => this.socket.off('connect', listener);
        },
        told: (status) => this.emit('queue', status),
      },
      roomId,
    );
    this.lines.set(roomId, wait);
    const done = () => {
      if (this.lines.get(roomId) === wait) this.lines.delete(roomId);
    };
    wait.turn.then(done, done);
    return wait;
  }

  /** Measures the clock offset again, with `samples` round trips (the client takes one on every connect). */
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
    clearTimeout(this.retryTimer);
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
    s.io.on('open', () => {
      this.openedAt = this.localNow();
    });
    s.on('connect', () => {
      this.attempt = 0;
      clearTimeout(this.retryTimer);
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
      // the hello is the connect's answer: a clock sample whose round trip began at the open, so
      // a connect costs the server no extra request (a flash crowd's every one counts);
      // syncTime() takes more samples
      const received = this.localNow();
      const sent = this.openedAt ?? received;
      this.offset = clockOffset(
        [{ sent, received, serverTime: hello.serverTime }],
        hello.serverTime - received,
      );
      this.emit('connected', { user: hello.user, serverTime: hello.serverTime });
    });
    s.on('disconnect', (reason, details) => {
      const shed = refusalIn(details);
      const retryAfterMs = shed?.retryAfterMs;
      this.emit('disconnected', retryAfterMs === undefined ? { reason } : { reason, retryAfterMs });
      // the app closed it, or the SDK did (draining schedules its own return)
      if (reason !== 'io client disconnect') this.reconnectLater(retryAfterMs ?? 0);
    });
    s.on('connect_error', (err: Error & { data?: ErrorBody }) => this.onConnectError(err));
    s.on('server:draining', (info) => this.onDraining(info));
    s.on('server:error', (body) => this.emit('error', CodedError.from(body)));
    s.on('queue:update', (status) => {
      for (const listener of this.queueListeners.get(status.roomId) ?? []) listener(status);
    });
    for (const event of ROOM_EVENTS) {
      s.on(event, (payload: { roomId: string }) =>
        this.rooms.get(payload.roomId)?.receive(event, payload as never),
      );
    }
  }

  private onConnectError(err: Error & { data?: ErrorBody }): void {
    // socket.io's refusal (CONNECT_ERROR), or a refused long-polling handshake's body
    const refusal = err.data ?? refusalIn(err);
    if (!refusal) {
      this.reconnectLater(0); // the server is unreachable: back off and try again
      return;
    }
    this.emit('error', CodedError.from(refusal));
    if (refusal.retryable) this.reconnectLater(refusal.retryAfterMs ?? 0);
  }

  private onDraining(info: ServerPayload<'server:draining'>): void {
    this.emit('draining', info);
    this.socket.disconnect();
    this.reconnectLater(info.reconnectAfterMs);
  }

  /**
   * Reconnects after the server's wait (`hintMs`) plus a full jitter backoff: uniform between 0
   * and min(max, base × 2^attempt). Refused or shed together, an audience comes back spread out.
   */
  private reconnectLater(hintMs: number): void {
    const { backoff } = this;
    if (this.closed || !backoff || this.attempt >= backoff.attempts) return;
    const window = Math.min(backoff.maxMs, backoff.baseMs * 2 ** this.attempt);
    this.attempt += 1;
    const delayMs = hintMs + Math.random() * window;
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => {
      if (!this.closed && !this.socket.connected) this.socket.connect();
    }, delayMs);
    this.emit('reconnecting', { attempt: this.attempt, delayMs, retryAfterMs: hintMs });
  }
}

/**
 * The coded refusal a failed connection carried, if any: the JSON reason of a 1013 close (a shed
 * connection), or the error envelope of a refused long-polling handshake (429 or 503).
 */
function refusalIn(details: unknown): ErrorBody | undefined {
  if (typeof details !== 'object' || details === null) return undefined;
  const { context, description } = details as { context?: unknown; description?: unknown };
  if (typeof context !== 'object' || context === null) return undefined;
  const close = context as { code?: unknown; reason?: unknown };
  if (close.code === TRY_AGAIN_LATER && typeof close.reason === 'string') {
    const reason = parseJson(close.reason) as
      { code?: unknown; retryAfterMs?: unknown } | undefined;
    if (typeof reason?.code !== 'string') return undefined;
    return {
      code: reason.code as ErrorBody['code'],
      message: 'The server shed this connection; reconnecting later',
      retryable: true,
      ...(typeof reason.retryAfterMs === 'number' ? { retryAfterMs: reason.retryAfterMs } : {}),
    };
  }
  if (description !== 429 && description !== 503) return undefined;
  const { responseText } = context as { responseText?: unknown };
  if (typeof responseText !== 'string') return undefined;
  const body = parseJson(responseText) as { error?: ErrorBody } | undefined;
  return typeof body?.error?.code === 'string' ? body.error : undefined;
}

/** RFC 6455's "Try Again Later" close code. */
const TRY_AGAIN_LATER = 1013;

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Connects to a live-shopping server. */
export function createClient(options: ClientOptions): LiveShopClient {
  return new LiveShopClient(options);
}
