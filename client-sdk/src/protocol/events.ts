import { z } from 'zod';
import { ErrorBody, type Ack } from './errors.js';
import { plainText } from './text.js';
import {
  ChatMessage,
  ChatText,
  GlobalRole,
  HttpUrl,
  MAX_SLOW_MODE_SECONDS,
  Product,
  ProductId,
  ReactionKind,
  RoomEvent,
  RoomId,
  RoomSnapshot,
  StreamInfo,
} from './schemas.js';
import {
  CancelResult,
  CheckoutResult,
  ClaimResult,
  DropId,
  DropMode,
  DropStock,
  IdempotencyKey,
  LotteryDraw,
} from './drops.js';
import {
  DtlsParameters,
  Layers,
  MediaId,
  MediaKind,
  PublishedTrack,
  RtpCapabilities,
  RtpParameters,
  TransportOptions,
} from './media.js';

const Seq = z.number().int().nonnegative();
const roomRef = { roomId: RoomId };
const Empty = z.object({});
const Sequenced = z.object({ seq: Seq });

/** Text fields of a stream, as the host sets them. */
const StreamFields = {
  title: plainText(200),
  description: plainText(5000, { multiline: true, optional: true }).optional(),
  coverUrl: HttpUrl.optional(),
  /** Server epoch milliseconds. */
  scheduledAt: z.number().int().nonnegative().optional(),
};

/** The answer to `room:join`: the missed events when the resume worked, else a fresh snapshot. */
export const JoinResult = z.discriminatedUnion('recovered', [
  z.object({
    recovered: z.literal(true),
    /** Every event after the client's `lastSeq`, in order. */
    missed: z.array(RoomEvent),
    seq: Seq,
    viewers: z.number().int().nonnegative(),
    serverTime: z.number().int(),
  }),
  z.object({ recovered: z.literal(false), snapshot: RoomSnapshot }),
]);
export type JoinResult = z.infer<typeof JoinResult>;

/**
 * Client-to-server events. Each takes one payload and an ack callback that receives
 * `{ ok: true, ...response }` or `{ ok: false, error }`.
 */
export const clientEvents = {
  /** Join a room; with `resume`, get what was missed since `lastSeq` instead of a snapshot. */
  'room:join': {
    request: z.object({
      ...roomRef,
      resume: z.object({ epoch: z.string().max(64), lastSeq: Seq }).optional(),
    }),
    response: JoinResult,
  },
  'room:leave': { request: z.object(roomRef), response: Empty },
  /** Send a chat message. `clientMsgId` makes retries safe: the same id gets the same answer. */
  'chat:send': {
    request: z.object({
      ...roomRef,
      text: ChatText,
      clientMsgId: z.string().min(1).max(64).optional(),
    }),
    response: z.object({ id: z.string(), seq: Seq }),
  },
  'chat:delete': {
    request: z.object({ ...roomRef, messageId: z.string().max(64) }),
    response: Sequenced,
  },
  'chat:pin': {
    request: z.object({ ...roomRef, messageId: z.string().max(64) }),
    response: Sequenced,
  },
  'chat:unpin': {
    request: z.object({ ...roomRef, messageId: z.string().max(64) }),
    response: Sequenced,
  },
  /** 0 turns slow mode off. */
  'chat:set-slow-mode': {
    request: z.object({ ...roomRef, seconds: z.number().int().min(0).max(MAX_SLOW_MODE_SECONDS) }),
    response: Sequenced,
  },
  /** Reactions are summed per room tick; `count` lets a client send several taps at once. */
  'reaction:send': {
    request: z.object({
      ...roomRef,
      kind: ReactionKind,
      count: z.number().int().min(1).max(50).optional(),
    }),
    response: Empty,
  },
  /** Create (or, before it starts, edit) a stream room. Hosts only. */
  'stream:create': {
    request: z.object({ ...roomRef, ...StreamFields }),
    response: z.object({ seq: Seq, stream: StreamInfo }),
  },
  'stream:start': { request: z.object(roomRef), response: Sequenced },
  'stream:end': { request: z.object(roomRef), response: Sequenced },
  /** List a product in the stream, or change a listed one. Hosts (and the merchant's backend). */
  'product:upsert': { request: z.object({ ...roomRef, product: Product }), response: Sequenced },
  /** Take a product off the stream (drops already created keep their copy of it). */
  'product:remove': {
    request: z.object({ ...roomRef, productId: ProductId }),
    response: Sequenced,
  },
  /** Pin a listed product (at most three at once). */
  'product:pin': { request: z.object({ ...roomRef, productId: ProductId }), response: Sequenced },
  'product:unpin': { request: z.object({ ...roomRef, productId: ProductId }), response: Sequenced },
  /**
   * Create a drop of a product in the room: `quantity` units, at most `perBuyerCap` per buyer,
   * on sale from `startsAt` (server time; default now) for `durationSeconds`; a claim holds its
   * unit for `holdSeconds` until checkout. Hosts of the room only.
   */
  'drop:create': {
    request: z.object({
      ...roomRef,
      dropId: DropId,
      productId: z.string().min(1).max(64),
      quantity: z.number().int().min(1).max(1_000_000),
      perBuyerCap: z.number().int().min(1).max(100).default(1),
      startsAt: z.number().int().nonnegative().optional(),
      durationSeconds: z.number().int().min(1).max(86_400),
      holdSeconds: z.number().int().min(10).max(3600).default(120),
      /** Anti-scalping: seconds a buyer must have been in the room before a claim counts. */
      minPresenceSeconds: z.number().int().min(0).max(3600).default(0),
      /**
       * `lottery`: claims during the drop's window are entries; when it closes, `quantity`
       * winners are drawn from a seed whose hash is published now, and each gets a hold.
       */
      mode: DropMode.default('first_come'),
    }),
    response: z.object({ created: z.boolean(), stock: DropStock }),
  },
  /** Claim one unit: a hold until checkout, or why not. The same key always gets the same answer. */
  'drop:claim': {
    request: z.object({ ...roomRef, dropId: DropId, idempotencyKey: IdempotencyKey }),
    response: ClaimResult,
  },
  /** Turn a hold into an order. The same key (or the same hold) always gets the same order. */
  'drop:checkout': {
    request: z.object({
      ...roomRef,
      dropId: DropId,
      holdId: z.string().min(1).max(200),
      idempotencyKey: IdempotencyKey,
    }),
    response: CheckoutResult,
  },
  /** A lottery's draw: the tickets, the winners and the seed once drawn, and the caller's entry. */
  'drop:lottery': {
    request: z.object({ ...roomRef, dropId: DropId }),
    response: LotteryDraw,
  },
  /** Give a hold back before it expires. */
  'drop:cancel': {
    request: z.object({ ...roomRef, dropId: DropId, holdId: z.string().min(1).max(200) }),
    response: CancelResult,
  },
  /**
   * Media signalling (mediasoup), for a room the connection has joined. First: the router's RTP
   * capabilities (load them into a mediasoup-client Device) and the tracks the host publishes.
   */
  'media:capabilities': {
    request: z.object(roomRef),
    response: z.object({
      rtpCapabilities: RtpCapabilities,
      tracks: z.array(PublishedTrack),
    }),
  },
  /** Open a WebRTC transport: `send` for a host publishing, `recv` for watching. */
  'media:transport': {
    request: z.object({ ...roomRef, direction: z.enum(['send', 'recv']) }),
    response: TransportOptions,
  },
  /** Finish a transport's DTLS set-up (mediasoup-client's transport `connect` event). */
  'media:connect': {
    request: z.object({ ...roomRef, transportId: MediaId, dtlsParameters: DtlsParameters }),
    response: Empty,
  },
  /** Publish a track on a send transport. Hosts of the room only. */
  'media:produce': {
    request: z.object({
      ...roomRef,
      transportId: MediaId,
      kind: MediaKind,
      rtpParameters: RtpParameters,
    }),
    response: z.object({ producerId: MediaId }),
  },
  /** Receive a published track on a recv transport. The consumer starts paused: resume it. */
  'media:consume': {
    request: z.object({
      ...roomRef,
      transportId: MediaId,
      producerId: MediaId,
      rtpCapabilities: RtpCapabilities,
    }),
    response: z.object({
      consumerId: MediaId,
      producerId: MediaId,
      kind: MediaKind,
      rtpParameters: RtpParameters,
    }),
  },
  /** Start sending a consumer's media (once the client is ready); a keyframe follows at once. */
  'media:resume': { request: z.object({ ...roomRef, consumerId: MediaId }), response: Empty },
  /**
   * The simulcast layers a viewer would like. The server sends the best layers at or below them
   * that the viewer's bandwidth allows.
   */
  'media:layers': {
    request: z.object({ ...roomRef, consumerId: MediaId, ...Layers.shape }),
    response: Empty,
  },
  /**
   * Stop publishing (`send`) or watching (`recv`) in a room, or both (no direction): closes this
   * connection's transports there.
   */
  'media:close': {
    request: z.object({ ...roomRef, direction: z.enum(['send', 'recv']).optional() }),
    response: Empty,
  },
  /** Clock sync: the server's epoch milliseconds when it answered. */
  'time:sync': { request: Empty.optional(), response: z.object({ serverTime: z.number().int() }) },
} as const;

export type ClientEventName = keyof typeof clientEvents;
export type ClientRequest<E extends ClientEventName> = z.input<(typeof clientEvents)[E]['request']>;
export type ParsedRequest<E extends ClientEventName> = z.output<
  (typeof clientEvents)[E]['request']
>;
export type ClientResponse<E extends ClientEventName> = z.infer<
  (typeof clientEvents)[E]['response']
>;

/** The reaction counts of one tick. */
export const ReactionCounts = z.partialRecord(ReactionKind, z.number().int().positive());

/** The user a connection is authenticated as. */
export const SessionUser = z.object({
  id: z.string(),
  name: z.string(),
  /** The token's global role (a room's own role comes with its snapshot). */
  role: GlobalRole,
  anonymous: z.boolean(),
  region: z.string().nullable(),
  language: z.string().nullable(),
});
export type SessionUser = z.infer<typeof SessionUser>;

const liveEvent = <T extends RoomEvent['type']>(type: T) =>
  RoomEvent.options.find((o) => o.shape.type.value === type) as Extract<
    (typeof RoomEvent.options)[number],
    { shape: { type: z.ZodLiteral<T> } }
  >;

/** Server-to-client events and their payload schemas. */
export const serverEvents = {
  /** Sent once per connection, first. */
  'server:hello': z.object({
    protocol: z.number().int(),
    serverTime: z.number().int(),
    user: SessionUser,
  }),
  /** The server is shutting down: reconnect (the SDK does) after about `reconnectAfterMs`. */
  'server:draining': z.object({ reconnectAfterMs: z.number().int().nonnegative() }),
  /** An error for an event sent without an ack callback, or a frame the server could not read. */
  'server:error': ErrorBody.extend({ event: z.string().optional() }),
  /**
   * Chat messages of one room tick. `from`..`to` is the seq range covered: when the room was over
   * its per-tick budget, `skipped` messages of that range were left out (the history keeps them).
   */
  'chat:batch': z.object({
    roomId: z.string(),
    from: Seq,
    to: Seq,
    messages: z.array(ChatMessage),
    skipped: z.number().int().nonnegative(),
  }),
  'chat:deleted': liveEvent('chat:deleted'),
  'chat:pinned': liveEvent('chat:pinned'),
  'chat:unpinned': liveEvent('chat:unpinned'),
  'chat:slow-mode': liveEvent('chat:slow-mode'),
  'stream:updated': liveEvent('stream:updated'),
  'product:updated': liveEvent('product:updated'),
  'product:removed': liveEvent('product:removed'),
  'product:pinned': liveEvent('product:pinned'),
  'product:unpinned': liveEvent('product:unpinned'),
  /** Reactions summed over one tick. `seq` is the room's seq when sent (reactions have none of their own). */
  'reaction:batch': z.object({ roomId: z.string(), seq: Seq, counts: ReactionCounts }),
  /** Viewer count, at most once a second per room. `seq` as for reactions. */
  'room:viewers': z.object({ roomId: z.string(), seq: Seq, count: z.number().int().nonnegative() }),
  /**
   * The room restarted from its store (its events were lost, or this server fell too far behind):
   * seqs continue from `seq` in `epoch`. Join again with your resume point; the SDK does.
   */
  'room:reset': z.object({ roomId: z.string(), epoch: z.string(), seq: Seq }),
  /**
   * A drop's stock, on the control lane: at once when its state changes (live, sold out, ended),
   * else at most ten times a second while it sells.
   */
  'drop:stock': DropStock.extend({ roomId: z.string() }),
  /** The host published a track: consume it (sent to connections using media in the room). */
  'media:track': PublishedTrack.extend({ roomId: z.string() }),
  /** A consumer closed on the server (its track ended); close it on the client too. */
  'media:consumer-closed': z.object({ roomId: z.string(), consumerId: MediaId }),
  /** The simulcast layers a consumer now sends (they drop when the viewer's bandwidth does). */
  'media:layers': z.object({
    roomId: z.string(),
    consumerId: MediaId,
    layers: Layers.nullable(),
  }),
  /**
   * This connection's media in the room was lost on the server (a media worker died, or the
   * stream's router moved): set up publishing or watching again. The SDK does it by itself.
   */
  'media:restart': z.object({ roomId: z.string(), reason: z.string() }),
  /** The stream's media is over (it ended): stop publishing and watching. The SDK does. */
  'media:closed': z.object({ roomId: z.string(), reason: z.string() }),
} as const;

export type ServerEventName = keyof typeof serverEvents;
export type ServerPayload<E extends ServerEventName> = z.infer<(typeof serverEvents)[E]>;

/** socket.io event map for events the server emits (client listens). */
export type ServerToClientEvents = {
  [E in ServerEventName]: (payload: ServerPayload<E>) => void;
};

/**
 * socket.io event map for events the client emits (server listens). Every event can fail, so each
 * takes an ack; one sent without still gets its error, as `server:error`.
 */
export type ClientToServerEvents = {
  [E in ClientEventName]: (
    payload: ClientRequest<E>,
    ack: (res: Ack<ClientResponse<E>>) => void,
  ) => void;
};
