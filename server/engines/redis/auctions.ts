import {
  amountError,
  type AuctionDefinition,
  type AuctionPhase,
  type AuctionPort,
  type AuctionSettlement,
  type AuctionView,
  type BidOptions,
  type BidReply,
} from '../../../rooms/index.js';
import { guarded, type RedisClient } from './connection.js';
import { roomDefinitions } from './definitions.js';
import type { Keys } from './keys.js';

/**
 * Auctions in Redis: each auction's book in six keys of its own slot, changed only by the
 * scripts in auction-scripts.ts, so bids from every node are one sequence on the auction's own
 * clock. The room's list of auctions sits on the room's slot, written first (a reader skips an id
 * whose auction is not there yet).
 */
export class RedisAuctions implements AuctionPort {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
  ) {}

  async createAuction(auction: AuctionDefinition, now: number): Promise<{ created: boolean }> {
    await guarded(() =>
      this.redis.zadd(this.keys.roomAuctions(auction.roomId), 'NX', auction.createdAt, auction.id),
    );
    const created = await guarded(() =>
      this.redis.auctionCreate(
        ...this.keys.auction(auction.id),
        now,
        auction.hostId,
        auction.startingMinor,
        auction.durationMs,
        auction.counterBidMs,
        auction.suddenDeath ? 1 : 0,
        auction.increments.map((s) => `${s.fromMinor}:${s.incrementMinor}`).join(','),
        auction.roomId,
        auction.createdAt,
        JSON.stringify(auction),
      ),
    );
    return { created: created === 1 };
  }

  auctionsOf(roomId: string): Promise<AuctionDefinition[]> {
    return roomDefinitions<AuctionDefinition>(
      this.redis,
      this.keys.roomAuctions(roomId),
      (id) => this.keys.auction(id)[0],
      roomId,
    );
  }

  async startAuction(auctionId: string, now: number): Promise<boolean> {
    const started = await guarded(() =>
      this.redis.auctionStart(...this.keys.auction(auctionId), now),
    );
    return started === 1;
  }

  async bid(
    auctionId: string,
    buyerId: string,
    maxMinor: number,
    key: string,
    now: number,
    { rate, name }: BidOptions = {},
  ): Promise<BidReply | undefined> {
    const bad = amountError(maxMinor);
    if (bad) throw bad;
    const raw = await guarded(() =>
      this.redis.auctionBid(
        ...this.keys.auction(auctionId),
        buyerId,
        maxMinor,
        key,
        now,
        rate?.capacity ?? 0,
        rate?.refillPerSecond ?? 0,
        name ?? '',
      ),
    );
    return raw === null ? undefined : (JSON.parse(raw as string) as BidReply);
  }

  async auctionView(auctionId: string, now: number): Promise<AuctionView | undefined> {
    const raw = (await guarded(() =>
      this.redis.auctionView(...this.keys.auction(auctionId), now),
    )) as string[] | null;
    if (!raw) return undefined;
    const [def = '', at, started, ends, leader, price, bids, phase, minimum, name, settled] = raw;
    const orNull = (v: string | undefined) => (v ? Number(v) : null);
    return {
      auction: JSON.parse(def) as AuctionDefinition,
      phase: phase as AuctionPhase,
      startedAt: orNull(started),
      endsAt: orNull(ends),
      priceMinor: orNull(price),
      leaderId: leader || null,
      leaderName: leader ? (name ?? '') : null,
      bids: Number(bids),
      minimumMinor: Number(minimum),
      at: Number(at),
      settlement: settled ? (JSON.parse(settled) as AuctionSettlement) : null,
    };
  }

  async settle(
    auctionId: string,
    settlement: AuctionSettlement,
  ): Promise<AuctionSettlement | undefined> {
    const raw = await guarded(() =>
      this.redis.auctionSettle(...this.keys.auction(auctionId), JSON.stringify(settlement)),
    );
    return raw === null ? undefined : (JSON.parse(raw as string) as AuctionSettlement);
  }

  async maxBidOf(auctionId: string, buyerId: string): Promise<number | null> {
    const raw = await guarded(() =>
      this.redis.auctionMaxOf(...this.keys.auction(auctionId), buyerId),
    );
    return raw === null ? null : Number(raw);
  }
}
