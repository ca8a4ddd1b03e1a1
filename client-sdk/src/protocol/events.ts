import * as z from 'zod';
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
  ShieldSettings,
  ShieldState,
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
import { Region } from './policy.js';
import { PreQueueAudit, QueueStatus, RoomAdmission } from './queue.js';
import { AuctionId, AuctionState, BidIncrement, BidResult } from './auctions.js';
import { EntryResult, EntryRoute, GiveawayAudit, GiveawayId, GiveawayState } from './giveaways.js';
import {
  HeldMessage,
  MAX_TIMEOUT_SECONDS,
  MIN_TIMEOUT_SECONDS,
  ReportedMessage,
  Sanction,
  SanctionKind,
} from './moderation.js';

const Seq = z.number().int().nonnegative();
const roomRef = { roomId: RoomId };

/** "See as": the room as a viewer of another region and language sees it. */
const SeeAs = z
  .strictObject({
    region: Region.nullable(),
    lang: z
      .string()
      .regex(/^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8}){0,3}$/, 'must be a language tag such as "zh-CN"')
      .nullable(),
  })
  .describe(
    "The room's hosts and moderators: see the chat as a viewer with this region and language " +
      '(their audience under the moderation policy) sees it, instead of as themselves',
  );
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

/** In a room with a waiting room: the pass to join again with (a reconnect) without queueing. */
const Pass = z.string().optional();

/** The answer to `room:join`: the missed events when the resume worked, else a fresh snapshot. */
export const JoinResult = z.discriminatedUnion('recovered', [
  z.object({
    recovered: z.literal(true),
    /** Every event after the client's `lastSeq`, in order. */
    missed: z.array(RoomEvent),
    seq: Seq,
    viewers: z.number().int().nonnegative(),
    serverTime: z.number().int(),
    /**
     * Where each drop of the room stands now (stock updates are not in the room's log: this
     * brings a client that was away up to date).
     */
    drops: z.array(DropStock),
    /** Where each auction of the room stands now (bids are not in the room's log either). */
    auctions: z.array(AuctionState),
    /** And each giveaway (entries are not in the log). */
    giveaways: z.array(GiveawayState),
    pass: Pass,
  }),
  z.object({ recovered: z.literal(false), snapshot: RoomSnapshot, pass: Pass }),
]);
export type JoinResult = z.infer<typeof JoinResult>;

/** An event's request (carrying the event's description) and the result its ack carries. */
function event<Req extends z.ZodType, Res extends z.ZodType>(
  doc: string,
  request: Req,
  response: Res,
) {
  return { request: request.describe(doc), response };
}

/**
 * Client-to-server events. Each takes one payload and an ack callback that receives
 * `{ ok: true, ...response }` or `{ ok: false, error }`.
 */
export const clientEvents = {
  'room:join': event(
    'Join a room. With `resume` (the epoch and the last seq seen), get every event missed since ' +
      'instead of a snapshot, or `recovered: false` and a fresh snapshot when that cannot be done.',
    z.object({
      ...roomRef,
      resume: z.object({ epoch: z.string().max(64), lastSeq: Seq }).optional(),
      ticket: z
        .string()
        .max(64)
        .optional()
        .describe(
          "A pass: the waiting room's, or one an earlier join gave (to come back without queueing)",
        ),
      seeAs: SeeAs.optional(),
    }),
    JoinResult,
  ),
  'room:leave': event('Leave a room.', z.object(roomRef), Empty),
  'chat:send': event(
    'Send a chat message (text rules apply). `clientMsgId` makes retries safe for ten minutes: ' +
      'the same id gets the first answer and posts nothing.',
    z.object({
      ...roomRef,
      text: ChatText,
      clientMsgId: z.string().min(1).max(64).optional(),
    }),
    z.discriminatedUnion('status', [
      z.object({ status: z.literal('published'), id: z.string(), seq: Seq }),
      z
        .object({ status: z.literal('held'), id: z.string(), reason: z.string() })
        .describe(
          'The moderation policy holds the message for review: a moderator approves it (it is ' +
            'then published under this id, with a new seq) or denies it; `chat:reviewed` tells you',
        ),
    ]),
  ),
  'chat:delete': event(
    'Delete a recent message. Hosts and moderators.',
    z.object({ ...roomRef, messageId: z.string().max(64) }),
    Sequenced,
  ),
  'chat:pin': event(
    'Pin a recent message (at most three at once). Hosts and moderators.',
    z.object({ ...roomRef, messageId: z.string().max(64) }),
    Sequenced,
  ),
  'chat:unpin': event(
    'Unpin a message. Hosts and moderators.',
    z.object({ ...roomRef, messageId: z.string().max(64) }),
    Sequenced,
  ),
  'room:shield': event(
    'Shield mode on (with a preset: slow mode, newcomers read-only or held, links blocked, ' +
      'strict moderation) or off (the settings it replaced come back). Hosts and moderators.',
    z.object({
      ...roomRef,
      on: z.boolean(),
      settings: ShieldSettings.optional(),
      reason: plainText(200).optional(),
    }),
    Sequenced.extend({ shield: ShieldState.nullable() }),
  ),
  'room:admission': event(
    "Set the room's waiting room: a viewer capacity, an admission rate, and a pre-queue for a drop " +
      '(arrivals before its start are shuffled at the start by a committed seed); all null takes it off. Hosts.',
    z.object({
      ...roomRef,
      capacity: z.number().int().positive().max(10_000_000).nullable(),
      admitPerSecond: z.number().positive().max(100_000).nullable(),
      preQueueDropId: DropId.nullable().optional(),
    }),
    Sequenced.extend({ admission: RoomAdmission.nullable() }),
  ),
  'queue:enter': event(
    "Take a place in the room's waiting room (the answer to a join refused with ROOM_FULL). The same " +
      'user gets the same place back, on any node; `queue:update` follows as it moves.',
    z.object(roomRef),
    QueueStatus,
  ),
  'queue:audit': event(
    "A shuffled pre-queue's audit: its seed, entrants and order, for anyone to recompute (NOT_FOUND before it is shuffled).",
    z.object(roomRef),
    z.object({ audit: PreQueueAudit }),
  ),
  'queue:leave': event(
    'Give up your place in line (or your pass).',
    z.object({ ...roomRef, ticket: z.string().max(64) }),
    Empty,
  ),
  'chat:set-slow-mode': event(
    'Set slow mode: seconds between two messages of a viewer; 0 turns it off. Hosts and moderators.',
    z.object({ ...roomRef, seconds: z.number().int().min(0).max(MAX_SLOW_MODE_SECONDS) }),
    Sequenced,
  ),
  'moderation:held': event(
    'The messages held for review in a room, oldest first. Hosts and moderators.',
    z.object(roomRef),
    z.object({ held: z.array(HeldMessage) }),
  ),
  'moderation:review': event(
    'Approve a held message (it is published now, with a new seq) or deny it (it is dropped). ' +
      'Either way its author is told. Hosts and moderators.',
    z.object({
      ...roomRef,
      messageId: z.string().max(64),
      approve: z.boolean(),
      reason: plainText(500, { optional: true }).optional(),
    }),
    z.object({ seq: Seq.nullable() }),
  ),
  'moderation:sanction': event(
    'Time out, ban or shadow-ban a user in this room, or in every room with `global` (global: ' +
      'admins and global moderators). A timeout takes `seconds` (10 s to 2 weeks); a ban or ' +
      'shadow ban lasts until lifted unless `seconds` is given. A ban removes the user from the ' +
      'room on every node. Hosts and moderators.',
    z.object({
      ...roomRef,
      userId: z.string().min(1).max(128),
      kind: SanctionKind,
      seconds: z.number().int().min(MIN_TIMEOUT_SECONDS).max(MAX_TIMEOUT_SECONDS).optional(),
      global: z.boolean().optional(),
      reason: plainText(500, { optional: true }).optional(),
    }),
    z.object({ sanction: Sanction }),
  ),
  'moderation:lift': event(
    'Lift a sanction (unban, end a timeout or a shadow ban). Hosts and moderators.',
    z.object({
      ...roomRef,
      userId: z.string().min(1).max(128),
      kind: SanctionKind,
      global: z.boolean().optional(),
    }),
    z.object({ lifted: z.boolean() }),
  ),
  'moderation:sanctions': event(
    'The sanctions in force in a room (and the global ones). Hosts and moderators.',
    z.object(roomRef),
    z.object({ sanctions: z.array(Sanction) }),
  ),
  'moderation:report': event(
    "Report a message (each viewer once). Enough distinct reports (the policy's `reports.hideAt`, " +
      'default 3) remove it for everyone, as `chat:deleted` by `reports`, and make its author a ' +
      'new account to the classifier fallback. Any signed-in viewer.',
    z.object({
      ...roomRef,
      messageId: z.string().max(64),
      reason: plainText(500, { optional: true }).optional(),
    }),
    z.object({ reporters: z.number().int().positive(), hidden: z.boolean() }),
  ),
  'moderation:reports': event(
    'The messages reported in a room over the last day that no moderator has dealt with, most ' +
      'recently reported first (at most 100). Deleting a message or dismissing its reports takes ' +
      'it off the list. Hosts and moderators.',
    z.object(roomRef),
    z.object({ reports: z.array(ReportedMessage) }),
  ),
  'moderation:dismiss': event(
    "Dismiss a message's reports: it leaves the list and stays in the chat (new reports bring it " +
      'back). Hosts and moderators.',
    z.object({ ...roomRef, messageId: z.string().max(64) }),
    z.object({ dismissed: z.boolean() }),
  ),
  'moderation:role': event(
    'Make a user a moderator of this room (it lasts with the room, on every node), or take it ' +
      "back with `viewer`. The room's hosts.",
    z.object({
      ...roomRef,
      userId: z.string().min(1).max(128),
      role: z.enum(['moderator', 'viewer']),
    }),
    Sequenced,
  ),
  'moderation:purge': event(
    "Delete a user's recent messages in a room. Hosts and moderators.",
    z.object({ ...roomRef, userId: z.string().min(1).max(128) }),
    z.object({ deleted: z.number().int().nonnegative() }),
  ),
  'reaction:send': event(
    'React. Reactions are summed per room tick; `count` sends several taps at once.',
    z.object({
      ...roomRef,
      kind: ReactionKind,
      count: z.number().int().min(1).max(50).optional(),
    }),
    Empty,
  ),
  'stream:create': event(
    'Create a stream room, or edit it before it ends. A global host (or admin, or a host the ' +
      "token's `rooms` claim names) may create; a room belongs to its creator.",
    z.object({ ...roomRef, ...StreamFields }),
    z.object({ seq: Seq, stream: StreamInfo }),
  ),
  'stream:start': event("Go live. The room's hosts.", z.object(roomRef), Sequenced),
  'stream:end': event("End the stream. The room's hosts.", z.object(roomRef), Sequenced),
  'product:upsert': event(
    "List a product in the stream, or change a listed one (at most 50). The room's hosts.",
    z.object({ ...roomRef, product: Product }),
    Sequenced,
  ),
  'product:remove': event(
    'Take a product off the stream (drops already created keep their copy of it).',
    z.object({ ...roomRef, productId: ProductId }),
    Sequenced,
  ),
  'product:pin': event(
    'Pin a listed product (at most three at once).',
    z.object({ ...roomRef, productId: ProductId }),
    Sequenced,
  ),
  'product:unpin': event(
    'Unpin a product.',
    z.object({ ...roomRef, productId: ProductId }),
    Sequenced,
  ),
  'drop:create': event(
    'Create a drop of a listed product: `quantity` units, at most `perBuyerCap` per buyer, on ' +
      'sale from `startsAt` (server time; default now) for `durationSeconds`; a claim holds its ' +
      'unit for `holdSeconds` until checkout. Drop ids are unique across the whole server: an id ' +
      "another room uses is refused. The room's hosts.",
    z.object({
      ...roomRef,
      dropId: DropId,
      productId: z.string().min(1).max(64),
      quantity: z.number().int().min(1).max(1_000_000),
      perBuyerCap: z.number().int().min(1).max(100).default(1),
      startsAt: z.number().int().nonnegative().optional(),
      durationSeconds: z.number().int().min(1).max(86_400),
      holdSeconds: z.number().int().min(10).max(3600).default(120),
      minPresenceSeconds: z
        .number()
        .int()
        .min(0)
        .max(3600)
        .default(0)
        .describe(
          'Anti-scalping: seconds a buyer must have been in the room before a claim counts',
        ),
      mode: DropMode.default('first_come').describe(
        '`lottery`: claims during the window are entries; when it closes, `quantity` winners are ' +
          'drawn from a seed whose hash is published now, and each gets a hold',
      ),
    }),
    z.object({ created: z.boolean(), stock: DropStock }),
  ),
  'drop:claim': event(
    'Claim one unit: a hold until checkout, or why not. The same key always gets the same answer.',
    z.object({ ...roomRef, dropId: DropId, idempotencyKey: IdempotencyKey }),
    ClaimResult,
  ),
  'drop:checkout': event(
    'Turn a hold into an order. The same key (or the same hold) always gets the same order.',
    z.object({
      ...roomRef,
      dropId: DropId,
      holdId: z.string().min(1).max(200),
      idempotencyKey: IdempotencyKey,
    }),
    CheckoutResult,
  ),
  'drop:lottery': event(
    "A lottery's draw: the tickets, the winners and the seed once drawn, and the caller's entry.",
    z.object({ ...roomRef, dropId: DropId }),
    LotteryDraw,
  ),
  'drop:cancel': event(
    'Give a hold back before it expires.',
    z.object({ ...roomRef, dropId: DropId, holdId: z.string().min(1).max(200) }),
    CancelResult,
  ),
  'auction:create': event(
    'Create an auction of a listed product (the auction keeps a copy of it): bids start at ' +
      '`startingMinor` and rise by the increment table (default: $1 steps from $1, $2 from $30, ' +
      '$3 from $50, $5 from $100, $10 from $300, $20 from $1,000, $50 from $2,000); once ' +
      'started it runs `durationSeconds`, and a bid with less than `counterBidSeconds` left sets ' +
      'the time left back to it, unless `suddenDeath`. The winner holds the item at the winning ' +
      "price for `paySeconds` and checks out as with drops. The room's hosts.",
    z.object({
      ...roomRef,
      auctionId: AuctionId,
      productId: z.string().min(1).max(64),
      startingMinor: z.number().int().min(1).max(1e12).default(100),
      durationSeconds: z.number().int().min(5).max(3600).default(20),
      counterBidSeconds: z.number().int().min(0).max(60).default(10),
      suddenDeath: z.boolean().default(false),
      increments: z
        .array(BidIncrement)
        .min(1)
        .max(32)
        .optional()
        .describe('The first step from 0, each next from a higher amount'),
      paySeconds: z
        .number()
        .int()
        .min(60)
        .max(7 * 86_400)
        .default(900),
      start: z.boolean().default(false).describe('Start it at once'),
    }),
    z.object({ created: z.boolean(), auction: AuctionState }),
  ),
  'auction:start': event(
    "Start a scheduled auction now (once; a started auction runs to its end). The room's hosts.",
    z.object({ ...roomRef, auctionId: AuctionId }),
    z.object({ auction: AuctionState }),
  ),
  'auction:bid': event(
    'Bid up to `maxMinor`: the server bids for you one increment at a time, never above it ' +
      '(a max bid; bid the current `minimumMinor` for a plain bid). Before the start, a pre-bid. ' +
      'Equal maxima go to the earlier one. The same key always gets the same answer.',
    z.object({
      ...roomRef,
      auctionId: AuctionId,
      maxMinor: z.number().int().min(1).max(1e12),
      idempotencyKey: IdempotencyKey,
    }),
    BidResult,
  ),
  'auction:get': event(
    'An auction as it stands, with your own maximum (secret to everyone else).',
    z.object({ ...roomRef, auctionId: AuctionId }),
    z.object({ auction: AuctionState, myMaxMinor: z.number().int().nullable() }),
  ),
  'giveaway:create': event(
    'Open a giveaway of a listed product (the prize) for `durationSeconds` (default 5 minutes), ' +
      'one at a time per room. Entrants must be in the room at the draw and, if asked, have ' +
      'watched `minWatchSeconds` and bought in the stream (or entered by the free route). The ' +
      "draw is commit-reveal: the seed's hash is published now, the seed at the draw. Each " +
      "winner holds the prize at price 0 for `claimSeconds`, then it is drawn again. The room's hosts.",
    z.object({
      ...roomRef,
      giveawayId: GiveawayId,
      productId: z.string().min(1).max(64),
      winners: z.number().int().min(1).max(100).default(1),
      durationSeconds: z.number().int().min(10).max(86_400).default(300),
      claimSeconds: z
        .number()
        .int()
        .min(30)
        .max(7 * 86_400)
        .default(600),
      minWatchSeconds: z.number().int().min(0).max(86_400).default(0),
      purchaseRequired: z.boolean().default(false),
    }),
    z.object({ created: z.boolean(), giveaway: GiveawayState }),
  ),
  'giveaway:enter': event(
    'Enter a giveaway (once; again gives the same ticket). `route: "free"` is the no-purchase ' +
      'route when the giveaway asks for a purchase.',
    z.object({ ...roomRef, giveawayId: GiveawayId, route: EntryRoute.default('standard') }),
    EntryResult,
  ),
  'giveaway:draw': event(
    "Close the window now and draw (before its end). The room's hosts.",
    z.object({ ...roomRef, giveawayId: GiveawayId }),
    z.object({ giveaway: GiveawayState }),
  ),
  'giveaway:audit': event(
    "A drawn giveaway's audit, to recompute with `verifyGiveaway()`.",
    z.object({ ...roomRef, giveawayId: GiveawayId }),
    GiveawayAudit,
  ),
  'media:capabilities': event(
    "Media signalling (mediasoup), for a joined room. First: the router's RTP capabilities (load " +
      'them into a mediasoup-client Device) and the tracks the host publishes.',
    z.object(roomRef),
    z.object({
      rtpCapabilities: RtpCapabilities,
      tracks: z.array(PublishedTrack),
    }),
  ),
  'media:transport': event(
    'Open a WebRTC transport: `send` for a host publishing, `recv` for watching.',
    z.object({ ...roomRef, direction: z.enum(['send', 'recv']) }),
    TransportOptions,
  ),
  'media:connect': event(
    "Finish a transport's DTLS set-up (mediasoup-client's transport `connect` event).",
    z.object({ ...roomRef, transportId: MediaId, dtlsParameters: DtlsParameters }),
    Empty,
  ),
  'media:produce': event(
    "Publish a track on a send transport. The room's hosts.",
    z.object({
      ...roomRef,
      transportId: MediaId,
      kind: MediaKind,
      rtpParameters: RtpParameters,
    }),
    z.object({ producerId: MediaId }),
  ),
  'media:consume': event(
    'Receive a published track on a recv transport. The consumer starts paused: resume it.',
    z.object({
      ...roomRef,
      transportId: MediaId,
      producerId: MediaId,
      rtpCapabilities: RtpCapabilities,
    }),
    z.object({
      consumerId: MediaId,
      producerId: MediaId,
      kind: MediaKind,
      rtpParameters: RtpParameters,
    }),
  ),
  'media:resume': event(
    "Start sending a consumer's media (once the client is ready); a keyframe follows at once.",
    z.object({ ...roomRef, consumerId: MediaId }),
    Empty,
  ),
  'media:layers': event(
    'The simulcast layers a viewer would like; the server sends the best layers at or below them ' +
      "that the viewer's bandwidth allows.",
    z.object({ ...roomRef, consumerId: MediaId, ...Layers.shape }),
    Empty,
  ),
  'media:close': event(
    "Stop publishing (`send`) or watching (`recv`) in a room, or both: closes this connection's " +
      'transports there.',
    z.object({ ...roomRef, direction: z.enum(['send', 'recv']).optional() }),
    Empty,
  ),
  'time:sync': event(
    "Clock sync: the server's epoch milliseconds when it answered.",
    Empty.optional(),
    z.object({ serverTime: z.number().int() }),
  ),
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

const liveEvent = <T extends RoomEvent['type']>(type: T, doc: string) =>
  (
    RoomEvent.options.find((o) => o.shape.type.value === type) as Extract<
      (typeof RoomEvent.options)[number],
      { shape: { type: z.ZodLiteral<T> } }
    >
  ).describe(doc);

/** Server-to-client events and their payload schemas; each says its lane (see the protocol reference). */
export const serverEvents = {
  'server:hello': z
    .object({
      protocol: z.number().int(),
      serverTime: z.number().int(),
      user: SessionUser,
    })
    .describe('Direct. Sent once per connection, first: the protocol version, server time, user.'),
  'server:draining': z
    .object({ reconnectAfterMs: z.number().int().nonnegative() })
    .describe(
      'Direct. The server is shutting down: reconnect (the SDK does) after about `reconnectAfterMs`.',
    ),
  'server:error': ErrorBody.extend({ event: z.string().optional() }).describe(
    'Direct. The error of an event sent without an ack callback (named in `event`).',
  ),
  'chat:batch': z
    .object({
      roomId: z.string(),
      from: Seq,
      to: Seq,
      messages: z.array(ChatMessage),
      skipped: z.number().int().nonnegative(),
      withheld: z
        .array(Seq)
        .optional()
        .describe(
          "Seqs of messages this viewer's audience does not see (moderation): placeholders, so " +
            'they are not gaps',
        ),
    })
    .describe(
      'Feed lane. The chat of one room tick: seqs `from`..`to`, all chat. A room over its ' +
        'per-tick budget sends a sample (staff messages always) and says how many it `skipped` ' +
        '(the history keeps them), so sampling is never a gap.',
    ),
  'chat:reviewed': z
    .object({
      roomId: z.string(),
      messageId: z.string(),
      outcome: z.enum(['approved', 'denied']),
      seq: Seq.optional().describe('Approved: the seq it was published with'),
      reason: z.string().optional(),
    })
    .describe('Direct. To its author: a held message of yours was approved or denied.'),
  'room:removed': z
    .object({ roomId: z.string(), code: z.literal('BANNED'), message: z.string() })
    .describe(
      'Direct. A moderator banned you from this room: you are out of it, and cannot join again.',
    ),
  'chat:deleted': liveEvent('chat:deleted', 'Control lane. A message was deleted.'),
  'chat:pinned': liveEvent('chat:pinned', 'Control lane. A message was pinned.'),
  'chat:unpinned': liveEvent('chat:unpinned', 'Control lane. A message was unpinned.'),
  'chat:slow-mode': liveEvent('chat:slow-mode', 'Control lane. Slow mode changed (0: off).'),
  'queue:update': QueueStatus.describe(
    'Direct. Your place in a waiting room moved, your turn came (`admitted`: join with the ticket), ' +
      'the pre-queue was shuffled (its seed revealed), or a drop you wait for sold out.',
  ),
  'room:admission': liveEvent('room:admission', "Control lane. The room's waiting room changed."),
  'room:shield': liveEvent(
    'room:shield',
    'Control lane. Shield mode went on or off, by a host, a moderator or the automatic shield, and why.',
  ),
  'stream:updated': liveEvent(
    'stream:updated',
    "Control lane. The stream's fields or state changed.",
  ),
  'product:updated': liveEvent(
    'product:updated',
    'Control lane. A product was listed, or its fields changed.',
  ),
  'product:removed': liveEvent('product:removed', 'Control lane. A product was taken off.'),
  'product:pinned': liveEvent('product:pinned', 'Control lane. A product was pinned.'),
  'product:unpinned': liveEvent('product:unpinned', 'Control lane. A product was unpinned.'),
  'room:role': liveEvent(
    'room:role',
    'Control lane. The host made a user a moderator of this room, or took it back.',
  ),
  'reaction:batch': z
    .object({ roomId: z.string(), seq: Seq, counts: ReactionCounts })
    .describe(
      "Feed lane. Reactions summed over one tick; `seq` is the room's seq when sent " +
        '(reactions have none of their own).',
    ),
  'room:viewers': z
    .object({ roomId: z.string(), seq: Seq, count: z.number().int().nonnegative() })
    .describe('Feed lane. The viewer count, at most once an interval per room; `seq` as above.'),
  'room:reset': z
    .object({ roomId: z.string(), epoch: z.string(), seq: Seq })
    .describe(
      'Control lane. The room restarted from its store (its events were lost, or this server ' +
        'fell too far behind): seqs continue from `seq` in `epoch`. Join again with your resume ' +
        'point; the SDK does.',
    ),
  'drop:stock': DropStock.extend({ roomId: z.string() }).describe(
    "Control lane. A drop's stock: at once when its state changes (live, sold out, ended) and " +
      'when a lottery is drawn, else at most ten times a second while it sells.',
  ),
  'auction:update': AuctionState.extend({
    roomId: z.string(),
    serverTime: z.number().int(),
  }).describe(
    'Control lane. An auction changed: created, started, a bid taken, ended, settled. A change ' +
      'of phase goes at once; while bids come, at most ten times a second (always the whole, ' +
      'newest state). Keep the newest (`compareAuctionStates`): two may cross from two servers.',
  ),
  'auction:outbid': z
    .object({
      roomId: z.string(),
      auctionId: AuctionId,
      priceMinor: z.number().int(),
      minimumMinor: z.number().int(),
      endsAt: z.number().int().nullable(),
    })
    .describe('Direct. Another bid took the lead from you; bid `minimumMinor` or more to lead.'),
  'giveaway:update': GiveawayState.extend({
    roomId: z.string(),
    serverTime: z.number().int(),
  }).describe(
    'Control lane. A giveaway opened, closed, was drawn (the seed revealed), a prize was claimed ' +
      'or drawn again; its entry count at most twice a second. Keep the newest ' +
      '(`compareGiveawayStates`).',
  ),
  'media:track': PublishedTrack.extend({ roomId: z.string() }).describe(
    'Direct. The host published a track: consume it (sent to connections using media in the room).',
  ),
  'media:consumer-closed': z
    .object({ roomId: z.string(), consumerId: MediaId })
    .describe('Direct. A consumer closed on the server (its track ended); close it too.'),
  'media:layers': z
    .object({
      roomId: z.string(),
      consumerId: MediaId,
      layers: Layers.nullable(),
    })
    .describe(
      "Direct. The simulcast layers a consumer now sends (lower when the viewer's bandwidth drops).",
    ),
  'media:restart': z
    .object({ roomId: z.string(), reason: z.string() })
    .describe(
      "Direct. This connection's media in the room was lost on the server (a worker died, the " +
        "stream's router moved): set it up again. The SDK does.",
    ),
  'media:closed': z
    .object({ roomId: z.string(), reason: z.string() })
    .describe("Direct. The stream's media is over (it ended): stop. The SDK does."),
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
