import * as z from 'zod';
import { AuctionState } from './auctions.js';
import { DropStock } from './drops.js';
import { GiveawayState } from './giveaways.js';
import {
  CHAT_MAX_LENGTH,
  ID_PATTERN,
  MAX_PINNED_MESSAGES,
  MAX_PINNED_PRODUCTS,
  MAX_SLOW_MODE_SECONDS,
  SNAPSHOT_CHAT_LIMIT,
} from './limits.js';
import { RoomAdmission } from './queue.js';
import { plainText } from './text.js';

export * from './limits.js';

/** A room id: 1-64 characters of letters, digits, `_` and `-`. */
export const RoomId = z.string().regex(ID_PATTERN, 'must be 1-64 letters, digits, "_" or "-"');

/** A user's role in one room. */
export const Role = z.enum(['host', 'moderator', 'viewer']);
export type Role = z.infer<typeof Role>;

/**
 * A token's global role. `host` may create rooms and hosts the rooms it created; `moderator`
 * moderates every room; `admin` acts as host in every room (the merchant's backend, support).
 */
export const GlobalRole = z.enum(['admin', 'host', 'moderator', 'viewer']);
export type GlobalRole = z.infer<typeof GlobalRole>;

export const ReactionKind = z.enum(['heart', 'fire', 'clap', 'laugh', 'wow', 'cart']);
export type ReactionKind = z.infer<typeof ReactionKind>;

export const StreamState = z.enum(['scheduled', 'live', 'ended']);
export type StreamState = z.infer<typeof StreamState>;

const Timestamp = z.number().int().nonnegative();
const Seq = z.number().int().nonnegative();

/** Chat text under the text rules of {@link plainText}: at most {@link CHAT_MAX_LENGTH} code points. */
export const ChatText = plainText(CHAT_MAX_LENGTH);

/** An absolute http(s) URL. */
export const HttpUrl = z
  .string()
  .max(2048)
  .refine((u) => /^https?:\/\/[^\s/?#]+[^\s]*$/i.test(u), 'must be an http(s) URL');

/** A product id: 1-64 characters of letters, digits, `_` and `-`. */
export const ProductId = z.string().regex(ID_PATTERN, 'must be 1-64 letters, digits, "_" or "-"');

/** An amount of money in the currency's minor unit (cents for USD, yen for JPY): integers only. */
export const Money = z.object({
  amountMinor: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
  /** ISO 4217, upper case. */
  currency: z.string().regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code such as "USD"'),
});
export type Money = z.infer<typeof Money>;

/** A product shown in a stream, as the host or the merchant's backend lists it. */
export const Product = z
  .object({
    id: ProductId,
    title: plainText(200),
    price: Money,
    imageUrl: HttpUrl.nullable(),
    /** The merchant's stock-keeping unit, passed back in orders. */
    sku: z.string().trim().min(1).max(64),
  })
  .meta({ id: 'Product' });
export type Product = z.infer<typeof Product>;

/** Who wrote a message, as shown to others. */
export const Author = z.object({ id: z.string(), name: z.string(), role: Role });
export type Author = z.infer<typeof Author>;

/** One chat message as stored in the room history and delivered to viewers. */
export const ChatMessage = z
  .object({
    id: z.string(),
    seq: Seq,
    ts: Timestamp,
    author: Author,
    text: z.string(),
  })
  .meta({ id: 'ChatMessage' });
export type ChatMessage = z.infer<typeof ChatMessage>;

/**
 * Shield mode's preset: what a host or moderator's one switch (or the automatic shield) applies
 * while it is on. Off, the room's own settings come back as they were.
 */
export const ShieldSettings = z
  .object({
    slowModeSeconds: z
      .number()
      .int()
      .min(0)
      .max(MAX_SLOW_MODE_SECONDS)
      .default(10)
      .describe('Slow mode while shielded (a longer one already set stays)'),
    newAccountMinutes: z
      .number()
      .int()
      .min(0)
      .max(43_200)
      .default(30)
      .describe(
        "Accounts younger than this (the token's account time) are newcomers, as is anyone who first came to the room after the shield went on",
      ),
    newcomers: z
      .enum(['read-only', 'hold'])
      .default('read-only')
      .describe(
        '`read-only`: newcomers watch and buy but cannot chat; `hold`: their messages wait for review',
      ),
    blockLinks: z
      .boolean()
      .default(true)
      .describe('Messages with links are refused (staff excepted)'),
    strict: z
      .boolean()
      .default(true)
      .describe('A message the policy would restrict for any audience is held for review instead'),
  })
  .meta({ id: 'ShieldSettings' });
export type ShieldSettings = z.infer<typeof ShieldSettings>;

/** Shield mode while it is on: since when, who switched it on (`auto`: the automatic shield), why. */
export const ShieldState = z
  .object({
    since: Timestamp,
    by: z.string().describe('The user who switched it on, or `auto`'),
    reason: z.string(),
    settings: ShieldSettings,
    previous: z
      .object({ slowModeSeconds: z.number().int().nonnegative() })
      .describe('The room settings it replaced, put back when it goes off'),
  })
  .meta({ id: 'ShieldState' });
export type ShieldState = z.infer<typeof ShieldState>;

/** What viewers see of a stream. Times are server epoch milliseconds. */
export const StreamInfo = z
  .object({
    state: StreamState,
    hostId: z.string(),
    title: z.string(),
    description: z.string(),
    coverUrl: z.string().nullable(),
    scheduledAt: Timestamp.nullable(),
    startedAt: Timestamp.nullable(),
    endedAt: Timestamp.nullable(),
  })
  .meta({ id: 'StreamInfo' });
export type StreamInfo = z.infer<typeof StreamInfo>;

const eventBase = { roomId: z.string(), seq: Seq, ts: Timestamp };

/**
 * A sequenced room event: what the room history keeps and what a resuming client is replayed.
 * Outside replay, `chat:message` events arrive grouped in `chat:batch`; the others arrive alone,
 * under their `type` as the event name.
 */
export const RoomEvent = z
  .discriminatedUnion('type', [
    z.object({
      type: z.literal('chat:message'),
      ...eventBase,
      id: z.string(),
      author: Author,
      text: z.string(),
    }),
    /** A message this viewer's audience does not see: only its seq, so gaps still show. */
    z.object({ type: z.literal('chat:withheld'), ...eventBase }),
    z.object({
      type: z.literal('chat:deleted'),
      ...eventBase,
      messageId: z.string(),
      by: z.string(),
    }),
    z.object({ type: z.literal('chat:pinned'), ...eventBase, message: ChatMessage }),
    z.object({ type: z.literal('chat:unpinned'), ...eventBase, messageId: z.string() }),
    z.object({ type: z.literal('chat:slow-mode'), ...eventBase, seconds: z.number().int() }),
    z.object({ type: z.literal('stream:updated'), ...eventBase, stream: StreamInfo }),
    /** A product was listed, or its fields changed. */
    z.object({ type: z.literal('product:updated'), ...eventBase, product: Product }),
    z.object({ type: z.literal('product:removed'), ...eventBase, productId: ProductId }),
    z.object({ type: z.literal('product:pinned'), ...eventBase, productId: ProductId }),
    z.object({ type: z.literal('product:unpinned'), ...eventBase, productId: ProductId }),
    /** Shield mode went on (`shield`) or off (null, its settings put back); `reason` says why. */
    z.object({
      type: z.literal('room:shield'),
      ...eventBase,
      shield: ShieldState.nullable(),
      slowModeSeconds: z.number().int().nonnegative(),
      reason: z.string(),
    }),
    /** The host set the room's waiting room (capacity, admission rate, pre-queue), or took it off (null). */
    z.object({
      type: z.literal('room:admission'),
      ...eventBase,
      admission: RoomAdmission.nullable(),
    }),
    /** The host made a user a moderator of the room, or took it back (`viewer`). */
    z.object({
      type: z.literal('room:role'),
      ...eventBase,
      userId: z.string(),
      role: z.enum(['moderator', 'viewer']),
    }),
  ])
  .meta({
    id: 'RoomEvent',
    description:
      'A sequenced room event, as the history keeps it and a resume replays it: `type` names it. ' +
      'Live, chat messages come grouped in `chat:batch` and the others alone, under their `type`.',
  });
export type RoomEvent = z.infer<typeof RoomEvent>;
export type RoomEventType = RoomEvent['type'];
export type RoomEventOf<T extends RoomEventType> = Extract<RoomEvent, { type: T }>;

/** A room event before the history assigned its seq and time. */
export type RoomEventInput = RoomEvent extends infer E
  ? E extends RoomEvent
    ? Omit<E, 'seq' | 'ts'>
    : never
  : never;

/** Everything a client needs to render a room from scratch. */
export const RoomSnapshot = z
  .object({
    roomId: z.string(),
    epoch: z
      .string()
      .describe(
        'Changes when the room is created anew under the same id (or restarted from a store that ' +
          'lost it): a resume across epochs cannot recover',
      ),
    seq: Seq.describe(
      "The room's last sequence number: the state below includes every event up to it",
    ),
    serverTime: Timestamp.describe('Server epoch milliseconds when the snapshot was taken'),
    stream: StreamInfo,
    viewers: z.number().int().nonnegative(),
    slowModeSeconds: z.number().int().nonnegative(),
    shield: ShieldState.nullable().describe('Shield mode, while it is on'),
    admission: RoomAdmission.nullable().describe("The room's waiting room, if it has one"),
    chat: z
      .array(ChatMessage)
      .describe(`The last ${SNAPSHOT_CHAT_LIMIT} messages not deleted, oldest first`),
    pinned: z.array(ChatMessage).describe(`Pinned messages, at most ${MAX_PINNED_MESSAGES}`),
    products: z.array(Product).describe("The stream's products, in the order they were listed"),
    pinnedProducts: z
      .array(ProductId)
      .describe(
        `The ids of the pinned products (at most ${MAX_PINNED_PRODUCTS}), oldest pin first`,
      ),
    drops: z
      .array(DropStock)
      .describe("The room's drops with their current stock and deadlines (for late joiners)"),
    auctions: z
      .array(AuctionState)
      .describe("The room's auctions: current bid, leader, bid count and end, by creation"),
    giveaways: z
      .array(GiveawayState)
      .describe("The room's giveaways: window, entries, and once drawn the winners, by creation"),
    moderators: z
      .array(z.string())
      .describe("Users the host made moderators of this room (besides the token's roles)"),
    role: Role.describe("The joining user's role in this room"),
  })
  .meta({ id: 'RoomSnapshot' });
export type RoomSnapshot = z.infer<typeof RoomSnapshot>;
