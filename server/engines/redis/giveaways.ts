import type {
  EntryAnswer,
  EntryRoute,
  GiveawayDefinition,
  GiveawayDrawRecord,
  GiveawayPort,
  GiveawayRecord,
  GiveawaySummary,
} from '../../../rooms/index.js';
import { guarded, type RedisClient } from './connection.js';
import { roomDefinitions } from './definitions.js';
import type { Keys } from './keys.js';

/** How long a room remembers who bought in it (for giveaways that ask for a purchase). */
const BUYERS_TTL_SECONDS = 7 * 86_400;

/** A flat HGETALL reply as a map. */
function pairs(flat: string[]): Map<string, string> {
  const map = new Map<string, string>();
  for (let i = 0; i + 1 < flat.length; i += 2) map.set(flat[i] ?? '', flat[i + 1] ?? '');
  return map;
}

/**
 * Giveaways in Redis: each giveaway in four keys of its own slot, changed only by the scripts in
 * giveaway-scripts.ts; the room's list and its buyers sit on the room's slot.
 */
export class RedisGiveaways implements GiveawayPort {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
  ) {}

  async createGiveaway(giveaway: GiveawayDefinition, now: number): Promise<{ created: boolean }> {
    await guarded(() =>
      this.redis.zadd(
        this.keys.roomGiveaways(giveaway.roomId),
        'NX',
        giveaway.createdAt,
        giveaway.id,
      ),
    );
    const created = await guarded(() =>
      this.redis.giveawayCreate(
        ...this.keys.giveaway(giveaway.id),
        now,
        JSON.stringify(giveaway),
        giveaway.opensAt,
        giveaway.closesAt,
        giveaway.hostId,
        giveaway.purchaseRequired ? 1 : 0,
      ),
    );
    return { created: created === 1 };
  }

  giveawaysOf(roomId: string): Promise<GiveawayDefinition[]> {
    return roomDefinitions<GiveawayDefinition>(
      this.redis,
      this.keys.roomGiveaways(roomId),
      (id) => this.keys.giveaway(id)[0],
      roomId,
    );
  }

  async enter(
    giveawayId: string,
    entry: Parameters<GiveawayPort['enter']>[1],
    now: number,
  ): Promise<EntryAnswer | undefined> {
    const raw = await guarded(() =>
      this.redis.giveawayEnter(
        ...this.keys.giveaway(giveawayId),
        entry.userId,
        entry.ticket,
        entry.route,
        entry.purchased ? 1 : 0,
        Math.max(0, Math.floor(entry.watchedMs)),
        now,
      ),
    );
    return raw === null ? undefined : (JSON.parse(raw as string) as EntryAnswer);
  }

  async seen(giveawayId: string, tickets: string[], now: number, stepMs: number): Promise<void> {
    if (tickets.length === 0) return;
    await guarded(() =>
      this.redis.giveawaySeen(...this.keys.giveaway(giveawayId), now, stepMs, ...tickets),
    );
  }

  async left(giveawayId: string, ticket: string): Promise<void> {
    await guarded(() => this.redis.giveawayLeft(...this.keys.giveaway(giveawayId), ticket));
  }

  async close(giveawayId: string, now: number): Promise<number | undefined> {
    const raw = await guarded(() =>
      this.redis.giveawayClose(...this.keys.giveaway(giveawayId), now),
    );
    return raw === null ? undefined : Number(raw);
  }

  async summary(giveawayId: string, now: number): Promise<GiveawaySummary | undefined> {
    const raw = (await guarded(() =>
      this.redis.giveawaySummary(...this.keys.giveaway(giveawayId), now),
    )) as [string, string, string, string, string, number] | null;
    if (!raw) return undefined;
    const [def, closes, clock, draw, version, entries] = raw;
    return {
      giveaway: JSON.parse(def) as GiveawayDefinition,
      closesAt: Number(closes),
      clock: Number(clock),
      entries,
      drawn: draw ? (JSON.parse(draw) as GiveawayDrawRecord) : null,
      version: Number(version),
    };
  }

  async record(giveawayId: string, now: number): Promise<GiveawayRecord | undefined> {
    const raw = (await guarded(() =>
      this.redis.giveawayRecord(...this.keys.giveaway(giveawayId), now),
    )) as [string, string, string, string, string, string[], string[], string[]] | null;
    if (!raw) return undefined;
    const [def, closes, clock, draw, version, entries, seen, watched] = raw;
    const seenAt = pairs(seen);
    const watchedMs = pairs(watched);
    return {
      giveaway: JSON.parse(def) as GiveawayDefinition,
      closesAt: Number(closes),
      clock: Number(clock),
      entries: [...pairs(entries)].map(([ticket, value]) => {
        const cut = value.lastIndexOf('\n');
        return {
          ticket,
          userId: value.slice(0, cut),
          route: value.slice(cut + 1) as EntryRoute,
          watchedMs: Number(watchedMs.get(ticket) ?? 0),
          seenAt: Number(seenAt.get(ticket) ?? 0),
        };
      }),
      drawn: draw ? (JSON.parse(draw) as GiveawayDrawRecord) : null,
      version: Number(version),
    };
  }

  async commitDraw(
    giveawayId: string,
    version: number,
    drawn: GiveawayDrawRecord,
  ): Promise<boolean> {
    const done = await guarded(() =>
      this.redis.giveawayCommit(...this.keys.giveaway(giveawayId), version, JSON.stringify(drawn)),
    );
    return done === 1;
  }

  async notePurchase(roomId: string, userId: string): Promise<void> {
    const key = this.keys.roomBuyers(roomId);
    await guarded(() =>
      this.redis.multi().sadd(key, userId).expire(key, BUYERS_TTL_SECONDS).exec(),
    );
  }

  async purchased(roomId: string, userId: string): Promise<boolean> {
    return (await guarded(() => this.redis.sismember(this.keys.roomBuyers(roomId), userId))) === 1;
  }
}
