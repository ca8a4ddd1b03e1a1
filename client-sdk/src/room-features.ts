import { CodedError } from './protocol/error-codes.js';
import type {
  AuctionState,
  ClientEventName,
  ClientRequest,
  ClientResponse,
  Product,
  ReactionKind,
  SanctionKind,
  StreamInfo,
} from './protocol/index.js';
import type {
  AuctionFields,
  DropFields,
  DropResult,
  GiveawayFields,
  StreamFields,
} from './room-events.js';

/** A room's commands, one namespace per feature (named as in the protocol and the server). */
export interface RoomFeatures {
  readonly chat: {
    /** Sends a message; safe to call while reconnecting (the same message is never posted twice). */
    send(text: string): Promise<ClientResponse<'chat:send'>>;
    /** Moderators. */
    delete(messageId: string): Promise<{ seq: number }>;
    /** Pins a recent message (at most three). Moderators. */
    pin(messageId: string): Promise<{ seq: number }>;
    unpin(messageId: string): Promise<{ seq: number }>;
    /** Seconds between a viewer's messages; 0 turns slow mode off. Moderators. */
    setSlowMode(seconds: number): Promise<{ seq: number }>;
  };
  /** Moderation, for the room's hosts and moderators. */
  readonly moderation: {
    /** Messages held for review, oldest first. */
    held(): Promise<ClientResponse<'moderation:held'>['held']>;
    /** Approves (publishes now, with a new seq) or denies a held message; its author is told. */
    review(messageId: string, approve: boolean, reason?: string): Promise<{ seq: number | null }>;
    /** Times out (`seconds` needed), bans or shadow-bans a user here, or everywhere (`global`). */
    sanction(
      userId: string,
      kind: SanctionKind,
      options?: { seconds?: number; global?: boolean; reason?: string },
    ): Promise<ClientResponse<'moderation:sanction'>['sanction']>;
    /** Lifts a sanction; false when there was none. */
    lift(userId: string, kind: SanctionKind, options?: { global?: boolean }): Promise<boolean>;
    /** The sanctions in force here (and the global ones). */
    sanctions(): Promise<ClientResponse<'moderation:sanctions'>['sanctions']>;
    /** Deletes a user's recent messages here. */
    purge(userId: string): Promise<{ deleted: number }>;
    /** Makes a user a moderator of this room, or takes it back (`viewer`). Hosts. */
    setRole(userId: string, role: 'moderator' | 'viewer'): Promise<{ seq: number }>;
    /** Reports a message (any signed-in viewer); enough reports remove it for everyone. */
    report(messageId: string, reason?: string): Promise<ClientResponse<'moderation:report'>>;
    /** The reported messages no moderator has dealt with yet, most recently reported first. */
    reports(): Promise<ClientResponse<'moderation:reports'>['reports']>;
    /** Dismisses a message's reports (it stays in the chat); false when it was not listed. */
    dismiss(messageId: string): Promise<boolean>;
    /**
     * Shield mode on, with a preset (defaults: 10 s slow mode, newcomers read-only, links refused,
     * strict moderation), or off: the settings it replaced come back. Hosts and moderators.
     */
    shield(
      on: boolean,
      options?: { settings?: ClientRequest<'room:shield'>['settings']; reason?: string },
    ): Promise<ClientResponse<'room:shield'>>;
  };
  readonly reactions: {
    /** Sends `count` reactions of a kind (summed per tick for everyone). */
    send(kind: ReactionKind, count?: number): Promise<void>;
  };
  readonly products: {
    /** Lists a product in the stream, or changes it. Hosts. */
    upsert(product: Product): Promise<{ seq: number }>;
    remove(productId: string): Promise<{ seq: number }>;
    /** Pins a listed product (at most three). Hosts. */
    pin(productId: string): Promise<{ seq: number }>;
    unpin(productId: string): Promise<{ seq: number }>;
  };
  readonly drops: {
    /** Creates a drop of a listed product. Hosts. */
    create(drop: DropFields): Promise<ClientResponse<'drop:create'>>;
    /**
     * Claims one unit: a hold until `expiresAt` (check out before then), or why not. Safe across
     * reconnects: every attempt carries the same idempotency key, so one tap never holds two units.
     */
    claim(dropId: string): Promise<ClientResponse<'drop:claim'>>;
    /** Turns a hold into an order, once, however often the request has to be retried. */
    checkout(dropId: string, holdId: string): Promise<ClientResponse<'drop:checkout'>>;
    /** Gives a hold back; repeating it is harmless. */
    cancel(dropId: string, holdId: string): Promise<ClientResponse<'drop:cancel'>>;
    /**
     * A lottery drop's draw: every ticket, the winners and the seed once the window has closed,
     * and this buyer's entry (with its hold when it won). Check it with `verifyLottery()`.
     */
    lottery(dropId: string): Promise<ClientResponse<'drop:lottery'>>;
  };
  /**
   * Auctions: the room's live ones are in `room.state.auctions` (current bid, leader, bid count,
   * end on server time), kept newest by `auction:update`.
   */
  readonly auctions: {
    /** Creates an auction of a listed product (`start: true` starts it at once). Hosts. */
    create(auction: AuctionFields): Promise<ClientResponse<'auction:create'>>;
    /** Starts a scheduled auction (it then runs to its end; it cannot be cancelled). Hosts. */
    start(auctionId: string): Promise<ClientResponse<'auction:start'>>;
    /**
     * Bids the least amount taken now (`minimumMinor` as this client last saw it), or `amountMinor`.
     * Safe across reconnects: every attempt carries the same idempotency key.
     */
    bid(auctionId: string, amountMinor?: number): Promise<ClientResponse<'auction:bid'>>;
    /**
     * A max bid: the server bids for this buyer one increment at a time, up to `maxMinor`, and
     * nobody else ever sees it. Before the start it is a pre-bid.
     */
    maxBid(auctionId: string, maxMinor: number): Promise<ClientResponse<'auction:bid'>>;
    /** The auction as it stands now, with this buyer's own maximum. */
    get(auctionId: string): Promise<ClientResponse<'auction:get'>>;
    /** Milliseconds left on the server's clock (0 once ended; null before the start or unknown). */
    timeLeft(auctionId: string): number | null;
  };
  /** Giveaways: the room's are in `room.state.giveaways`, kept newest by `giveaway:update`. */
  readonly giveaways: {
    /** Opens a giveaway of a listed product (one at a time per room). Hosts. */
    create(giveaway: GiveawayFields): Promise<ClientResponse<'giveaway:create'>>;
    /** Enters (once; again answers the same ticket). `free`: the no-purchase route. */
    enter(
      giveawayId: string,
      route?: 'standard' | 'free',
    ): Promise<ClientResponse<'giveaway:enter'>>;
    /** Closes the window now and draws. Hosts. */
    draw(giveawayId: string): Promise<ClientResponse<'giveaway:draw'>>;
    /** The drawn giveaway's audit: check it with `verifyGiveaway(audit, userId)`. */
    audit(giveawayId: string): Promise<ClientResponse<'giveaway:audit'>>;
  };
  readonly stream: {
    /** Edits the stream's fields (until it ends). Hosts. */
    update(fields: StreamFields): Promise<{ seq: number; stream: StreamInfo }>;
    start(): Promise<{ seq: number }>;
    end(): Promise<{ seq: number }>;
  };
}

/** What the features need of their room. */
export interface FeatureLink {
  request<E extends ClientEventName>(
    event: E,
    payload: ClientRequest<E>,
  ): Promise<ClientResponse<E>>;
  retrying<T>(send: () => Promise<T>): Promise<T>;
  /** This client entered a lottery drop (its draw is fetched when announced). */
  entered(dropId: string): void;
  /** A claim, checkout or cancel was answered. */
  result(result: DropResult): void;
  /** A chat message was answered (published, or held for review). */
  sent(text: string, result: ClientResponse<'chat:send'>): void;
  /** An auction as this client last saw it. */
  auction(auctionId: string): AuctionState | undefined;
  /** The server's clock, as this client estimates it. */
  serverNow(): number;
}

/**
 * A key no other request will have: 128 crypto-random bits (getRandomValues works in browsers
 * on plain http too, where randomUUID does not).
 */
export function idempotencyKey(): string {
  const bytes = globalThis.crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** The feature namespaces of the room `room` (every request names it). */
export function roomFeatures(room: { readonly id: string }, link: FeatureLink): RoomFeatures {
  const roomId = room.id;
  // one key per call, the same on every attempt: a retry never takes effect twice
  const once = <E extends ClientEventName>(event: E, payload: ClientRequest<E>) =>
    link.retrying(() => link.request(event, payload));
  return {
    chat: {
      async send(text) {
        const result = await once('chat:send', { roomId, text, clientMsgId: idempotencyKey() });
        link.sent(text, result);
        return result;
      },
      delete: (messageId) => link.request('chat:delete', { roomId, messageId }),
      pin: (messageId) => link.request('chat:pin', { roomId, messageId }),
      unpin: (messageId) => link.request('chat:unpin', { roomId, messageId }),
      setSlowMode: (seconds) => link.request('chat:set-slow-mode', { roomId, seconds }),
    },
    moderation: {
      held: async () => (await link.request('moderation:held', { roomId })).held,
      review: (messageId, approve, reason) =>
        link.request('moderation:review', {
          roomId,
          messageId,
          approve,
          ...(reason === undefined ? {} : { reason }),
        }),
      sanction: async (userId, kind, options = {}) =>
        (await link.request('moderation:sanction', { roomId, userId, kind, ...options })).sanction,
      lift: async (userId, kind, options = {}) =>
        (await link.request('moderation:lift', { roomId, userId, kind, ...options })).lifted,
      sanctions: async () => (await link.request('moderation:sanctions', { roomId })).sanctions,
      purge: (userId) => link.request('moderation:purge', { roomId, userId }),
      setRole: (userId, role) => link.request('moderation:role', { roomId, userId, role }),
      report: (messageId, reason) =>
        link.request('moderation:report', {
          roomId,
          messageId,
          ...(reason === undefined ? {} : { reason }),
        }),
      reports: async () => (await link.request('moderation:reports', { roomId })).reports,
      dismiss: async (messageId) =>
        (await link.request('moderation:dismiss', { roomId, messageId })).dismissed,
      shield: (on, options = {}) => link.request('room:shield', { roomId, on, ...options }),
    },
    reactions: {
      async send(kind, count = 1) {
        await link.request('reaction:send', { roomId, kind, count });
      },
    },
    products: {
      upsert: (product) => link.request('product:upsert', { roomId, product }),
      remove: (productId) => link.request('product:remove', { roomId, productId }),
      pin: (productId) => link.request('product:pin', { roomId, productId }),
      unpin: (productId) => link.request('product:unpin', { roomId, productId }),
    },
    drops: {
      create: (drop) => link.request('drop:create', { roomId, ...drop }),
      async claim(dropId) {
        const result = await once('drop:claim', {
          roomId,
          dropId,
          idempotencyKey: idempotencyKey(),
        });
        if (result.outcome === 'entered') link.entered(dropId);
        link.result({ dropId, action: 'claim', result });
        return result;
      },
      async checkout(dropId, holdId) {
        const payload = { roomId, dropId, holdId, idempotencyKey: idempotencyKey() };
        const result = await once('drop:checkout', payload);
        link.result({ dropId, action: 'checkout', result });
        return result;
      },
      async cancel(dropId, holdId) {
        const result = await once('drop:cancel', { roomId, dropId, holdId });
        link.result({ dropId, action: 'cancel', result });
        return result;
      },
      lottery: (dropId) => once('drop:lottery', { roomId, dropId }),
    },
    auctions: {
      create: (auction) => link.request('auction:create', { roomId, ...auction }),
      start: (auctionId) => link.request('auction:start', { roomId, auctionId }),
      bid(auctionId, amountMinor) {
        const maxMinor = amountMinor ?? link.auction(auctionId)?.minimumMinor;
        if (maxMinor === undefined)
          return Promise.reject(
            new CodedError('AUCTION_NOT_FOUND', `No auction ${auctionId} seen here`),
          );
        return this.maxBid(auctionId, maxMinor);
      },
      maxBid: (auctionId, maxMinor) =>
        once('auction:bid', { roomId, auctionId, maxMinor, idempotencyKey: idempotencyKey() }),
      get: (auctionId) => link.request('auction:get', { roomId, auctionId }),
      timeLeft(auctionId) {
        const endsAt = link.auction(auctionId)?.endsAt ?? null;
        return endsAt === null ? null : Math.max(0, endsAt - link.serverNow());
      },
    },
    giveaways: {
      create: (giveaway) => link.request('giveaway:create', { roomId, ...giveaway }),
      enter: (giveawayId, route = 'standard') =>
        once('giveaway:enter', { roomId, giveawayId, route }),
      draw: (giveawayId) => link.request('giveaway:draw', { roomId, giveawayId }),
      audit: (giveawayId) => once('giveaway:audit', { roomId, giveawayId }),
    },
    stream: {
      update: (fields) => link.request('stream:create', { roomId, ...fields }),
      start: () => link.request('stream:start', { roomId }),
      end: () => link.request('stream:end', { roomId }),
    },
  };
}
