import {
  CodedError,
  compareAuctionStates,
  type AuctionState,
  type BidResult,
} from '../../client-sdk/src/protocol/index.js';
import type { Member } from '../core/context.js';
import type { RoomScope } from '../core/scope.js';
import { assertCanWrite, assertRole, roleIn, type Identity } from '../model/identity.js';
import type { AuctionDefinition, AuctionSettlement, AuctionView } from '../ports/auctions.js';
import type { UserNotice } from '../ports/broker.js';
import { StateFeed } from '../core/state-feed.js';
import { defineAuction, stateOf, type AuctionFields } from './decisions.js';
import { settleAuction } from './settle.js';
import { nextValidBid } from './increments.js';
import { settledEvent } from './merchant.js';

export interface RoomAuctionsContext {
  /** Sends an auction's state to the room's members here (control lane). */
  send(state: AuctionState): void;
  /** Refuses a user who may not bid (banned or timed out). */
  assertMayBid(identity: Identity): Promise<void>;
  /** The settlement drop changed (its stock goes out; its log may have grown). */
  dropChanged(dropId: string): void;
  /** An event went into the merchant outbox here. */
  merchantAppended?(): void;
  failed(error: unknown): void;
  randomHex(bytes: number): string;
}

interface Tracked {
  auction: AuctionDefinition;
  /** Fires at the end this node last saw. */
  timer: ReturnType<typeof setTimeout> | undefined;
  settling: Promise<void> | undefined;
}

/**
 * While bids keep coming, an auction's state goes to the room at most this often (the newest;
 * the last one always goes); its start, end and settlement go at once.
 */
export const UPDATE_INTERVAL_MS = 100;

/** Settled auctions a snapshot still shows (the latest). */
const SHOWN_SETTLED = 3;

/** How long after a failed settlement it is tried again. */
const SETTLE_RETRY_MS = 1_000;

/**
 * The auctions of one room on this node. Books and clocks live in the engine (atomic there); this
 * reads an auction after each change made here and sends its state to the room and to the other
 * nodes (every node keeps the newest), watches each end, and settles it (any node may: every step
 * is idempotent).
 */
export class RoomAuctions {
  private readonly tracked = new Map<string, Tracked>();
  private closed = false;
  /** The newest state of each auction, as sent here. */
  private readonly feed: StateFeed<AuctionState>;

  constructor(
    private readonly room: RoomScope,
    private readonly ctx: RoomAuctionsContext,
  ) {
    this.feed = new StateFeed<AuctionState>({
      read: async (id) => {
        const tracked = this.tracked.get(id);
        return tracked && this.read(tracked);
      },
      compare: compareAuctionStates,
      send: (id, state) => {
        ctx.send(state);
        const tracked = this.tracked.get(id);
        if (tracked) this.armEnd(tracked, state);
      },
      share: (state) => {
        room.engine.broker
          .publish(room.id, { kind: 'auction', state })
          .catch((error: unknown) => ctx.failed(error));
      },
      failed: (error) => ctx.failed(error),
      now: () => room.now(),
      intervalMs: UPDATE_INTERVAL_MS,
      urgent: (next, last) => next.phase !== last.phase || next.settled !== last.settled,
    });
  }

  private get store() {
    return this.room.engine.auctions;
  }

  /** Follows the auctions the room already has (when this node loads the room). */
  async load(): Promise<void> {
    for (const auction of await this.store.auctionsOf(this.room.id)) {
      this.entry(auction);
      this.changed(auction.id, false);
    }
  }

  /** What the room was last sent of each auction shown (read for one not sent yet). */
  async latest(): Promise<AuctionState[]> {
    return this.states((t) => {
      const sent = this.feed.sent(t.auction.id);
      return sent ? Promise.resolve(sent) : this.read(t);
    });
  }

  /** Every auction shown, as it stands now (snapshots); a settled one is final, not read again. */
  async current(): Promise<AuctionState[]> {
    return this.states((t) => {
      const sent = this.feed.sent(t.auction.id);
      return sent?.settled ? Promise.resolve(sent) : this.read(t);
    });
  }

  /**
   * The auctions a joining member is shown: every one not settled, and the last
   * {@link SHOWN_SETTLED} settled (a show may run a hundred; its past ones are history).
   */
  private async states(
    of: (t: Tracked) => Promise<AuctionState | undefined>,
  ): Promise<AuctionState[]> {
    const all = [...this.tracked.values()];
    const settled = all.filter((t) => this.feed.sent(t.auction.id)?.settled);
    const hidden = new Set(settled.slice(0, -SHOWN_SETTLED));
    const states = await Promise.all(all.filter((t) => !hidden.has(t)).map(of));
    return states.filter((s): s is AuctionState => s !== undefined);
  }

  /** Creates an auction of a listed product (hosts); `start`: it starts at once. */
  create(
    identity: Identity,
    fields: AuctionFields,
  ): Promise<{ created: boolean; auction: AuctionState }> {
    assertRole(identity, this.room, 'host', 'create auctions');
    this.room.assertOpen();
    const auction = defineAuction(this.room.state, this.room.id, fields, {
      hostId: this.room.hostId,
      now: this.room.now(),
      nonce: this.ctx.randomHex(4),
    });
    return this.room.holding(async () => {
      const { created } = await this.store.createAuction(auction, this.room.now());
      const ours = created ? auction : await this.assertOurs(auction.id, 'BAD_REQUEST');
      this.entry(ours);
      if (fields.start) await this.store.startAuction(ours.id, this.room.now());
      return { created, auction: await this.publish(ours.id) };
    });
  }

  /** Starts a scheduled auction now (hosts; a started one runs to its end). */
  async start(identity: Identity, auctionId: string): Promise<{ auction: AuctionState }> {
    assertRole(identity, this.room, 'host', 'start auctions');
    await this.assertOurs(auctionId);
    return this.room.holding(async () => {
      await this.store.startAuction(auctionId, this.room.now());
      return { auction: await this.publish(auctionId) };
    });
  }

  /**
   * A member's (max) bid. Hosts of the room may not bid, nor may a banned or timed-out user; each
   * buyer's bids are rate-limited in the same atomic step as the bid (a retried key costs nothing).
   */
  async bid(member: Member, auctionId: string, maxMinor: number, key: string): Promise<BidResult> {
    const { identity } = member;
    assertCanWrite(identity);
    this.room.assertMember(member);
    const auction = this.tracked.get(auctionId)?.auction ?? (await this.assertOurs(auctionId));
    if (identity.id === auction.hostId || roleIn(identity, this.room) === 'host')
      throw new CodedError('FORBIDDEN', 'Hosts cannot bid in their own auctions');
    await this.ctx.assertMayBid(identity);
    const reply = await this.store.bid(auctionId, identity.id, maxMinor, key, this.room.now(), {
      rate: this.room.limits.bidRate,
      name: identity.name,
    });
    if (!reply) throw notFound(auctionId, this.room.id);
    switch (reply.outcome) {
      case 'rate_limited': {
        const wait = Math.ceil(reply.retryAfterMs / 1000);
        throw new CodedError('RATE_LIMITED', `Too many bids: wait ${wait}s`, reply.retryAfterMs);
      }
      case 'own_auction':
        throw new CodedError('FORBIDDEN', 'Hosts cannot bid in their own auctions');
      case 'too_low':
      case 'not_live':
        return reply;
    }
    this.changed(auctionId, true);
    if (reply.displacedId !== null && reply.endsAt !== null)
      this.outbid(reply.displacedId, auctionId, reply.priceMinor, reply.endsAt);
    return {
      outcome: reply.outcome,
      priceMinor: reply.priceMinor,
      endsAt: reply.endsAt,
      bids: reply.bids,
    };
  }

  /** An auction as it stands, with the member's own maximum. */
  async get(
    member: Member,
    auctionId: string,
  ): Promise<{ auction: AuctionState; myMaxMinor: number | null }> {
    this.room.assertMember(member);
    await this.assertOurs(auctionId);
    const [auction, myMaxMinor] = await Promise.all([
      this.publish(auctionId),
      member.identity.anonymous
        ? Promise.resolve(null)
        : this.store.maxBidOf(auctionId, member.identity.id),
    ]);
    return { auction, myMaxMinor };
  }

  /** Another node sent an auction's state: keep it if newer. */
  received(state: AuctionState): void {
    if (this.closed) return;
    const tracked = this.tracked.get(state.auctionId);
    if (!tracked) {
      // created on another node: learn its definition, then follow it
      this.changed(state.auctionId, false);
      return;
    }
    this.feed.offer(state.auctionId, state);
  }

  /** Re-reads every auction not yet settled (ends and settlements go by the clock). */
  sweep(): void {
    for (const id of this.tracked.keys()) if (!this.feed.sent(id)?.settled) this.changed(id, false);
  }

  close(): void {
    this.closed = true;
    this.feed.close();
    for (const t of this.tracked.values()) clearTimeout(t.timer);
    this.tracked.clear();
  }

  /** An auction changed here (`local`: the other nodes hear of it too) or may have: read it. */
  private changed(auctionId: string, local: boolean): void {
    if (this.closed) return;
    const tracked = this.tracked.get(auctionId);
    if (!tracked) {
      void this.assertOurs(auctionId)
        .then(() => this.changed(auctionId, local))
        .catch((error: unknown) => this.ctx.failed(error));
      return;
    }
    this.feed.changed(auctionId, local);
  }

  /** Reads, sends and shares an auction now; returns its state. */
  private async publish(auctionId: string): Promise<AuctionState> {
    if (!this.tracked.has(auctionId)) this.entry(await this.assertOurs(auctionId));
    const state = await this.feed.publish(auctionId);
    if (!state) throw notFound(auctionId, this.room.id);
    return state;
  }

  private async read(tracked: Tracked): Promise<AuctionState | undefined> {
    const view = await this.store.auctionView(tracked.auction.id, this.room.now());
    if (view) this.watch(tracked, view);
    return view && stateOf(view);
  }

  /** An ended auction not settled yet is settled (once at a time here). */
  private watch(tracked: Tracked, view: AuctionView): void {
    const ended = view.phase === 'sold' || view.phase === 'unsold';
    if (!ended || view.settlement || tracked.settling || this.closed) return;
    tracked.settling = this.settle(tracked, view).finally(() => {
      tracked.settling = undefined;
    });
  }

  private armEnd(tracked: Tracked, state: AuctionState): void {
    clearTimeout(tracked.timer);
    tracked.timer = undefined;
    if (state.phase !== 'live' || state.endsAt === null) return;
    const wait = Math.max(0, state.endsAt - this.room.now());
    tracked.timer = setTimeout(() => this.changed(state.auctionId, true), wait);
  }

  private async settle(tracked: Tracked, view: AuctionView): Promise<void> {
    const { auction } = tracked;
    try {
      const ports = { auctions: this.store, inventory: this.room.engine.inventory };
      const done = await settleAuction(ports, auction.id, this.room.now(), auction.payMs);
      if (done.outcome === 'not_ended') return;
      let record: AuctionSettlement = {
        at: view.at,
        winnerId: null,
        priceMinor: null,
        dropId: null,
        holdId: null,
        holdExpiresAt: null,
      };
      if (done.outcome === 'sold') {
        if (done.hold.outcome !== 'held')
          throw new Error(
            `auction ${auction.id}: the winner's hold was refused (${done.hold.outcome})`,
          );
        record = {
          at: view.at,
          winnerId: done.winnerId,
          priceMinor: done.priceMinor,
          dropId: done.dropId,
          holdId: done.hold.holdId,
          holdExpiresAt: done.hold.expiresAt,
        };
        // the merchant hears of it before it counts as settled: a crash in between settles again
        const event = settledEvent(view, record);
        const { appended } = await this.room.engine.merchantOutbox.append(event, this.room.now());
        if (appended) this.ctx.merchantAppended?.();
        this.ctx.dropChanged(done.dropId);
      }
      await this.store.settle(auction.id, record);
      this.changed(auction.id, true);
    } catch (error) {
      this.ctx.failed(error);
      if (!this.closed)
        tracked.timer ??= setTimeout(() => {
          tracked.timer = undefined;
          this.changed(auction.id, true);
        }, SETTLE_RETRY_MS);
    }
  }

  /** Tells the buyer who lost the lead, on every node. */
  private outbid(userId: string, auctionId: string, priceMinor: number, endsAt: number): void {
    const auction = this.tracked.get(auctionId)?.auction;
    if (!auction) return;
    const notice: UserNotice = {
      type: 'auction:outbid',
      payload: {
        roomId: this.room.id,
        auctionId,
        priceMinor,
        minimumMinor: nextValidBid(auction.increments, auction.startingMinor, priceMinor),
        endsAt,
      },
    };
    this.room.engine.broker
      .publish(this.room.id, { kind: 'user', userId, notice })
      .catch((error: unknown) => this.ctx.failed(error));
  }

  private entry(auction: AuctionDefinition): Tracked {
    let tracked = this.tracked.get(auction.id);
    if (!tracked) {
      tracked = { auction, timer: undefined, settling: undefined };
      this.tracked.set(auction.id, tracked);
    }
    return tracked;
  }

  /** The auction, when it is this room's (one created on another node is read then). */
  private async assertOurs(
    auctionId: string,
    code: 'AUCTION_NOT_FOUND' | 'BAD_REQUEST' = 'AUCTION_NOT_FOUND',
  ): Promise<AuctionDefinition> {
    const known = this.tracked.get(auctionId)?.auction;
    if (known) return known;
    const ours = await this.store.auctionsOf(this.room.id);
    for (const auction of ours) this.entry(auction);
    const found = ours.find((a) => a.id === auctionId);
    if (found) return found;
    throw code === 'BAD_REQUEST'
      ? new CodedError('BAD_REQUEST', `Auction id ${auctionId} is taken by another room`)
      : notFound(auctionId, this.room.id);
  }
}

const notFound = (auctionId: string, roomId: string) =>
  new CodedError('AUCTION_NOT_FOUND', `No auction ${auctionId} in room ${roomId}`);
