import {
  byCreation,
  type EntryAnswer,
  type GiveawayDefinition,
  type GiveawayDrawRecord,
  type GiveawayEntryRecord,
  type GiveawayPort,
  type GiveawayRecord,
  type GiveawaySummary,
} from '../../../rooms/index.js';

interface Kept {
  giveaway: GiveawayDefinition;
  closesAt: number;
  clock: number;
  entries: Map<string, GiveawayEntryRecord>;
  drawn: GiveawayDrawRecord | null;
  version: number;
}

type KeptData = Omit<Kept, 'entries'> & { entries: GiveawayEntryRecord[] };

/** Giveaways in this process (the Redis engine's scripts do the same, step for step). */
export class MemoryGiveaways implements GiveawayPort {
  private readonly giveaways = new Map<string, Kept>();
  private readonly buyers = new Map<string, Set<string>>();

  /** Every giveaway and room's buyers, as JSON can hold them (for the embedded journal). */
  snapshot(): { giveaways: KeptData[]; buyers: [string, string[]][] } {
    return {
      giveaways: [...this.giveaways.values()].map((k) => ({
        ...structuredClone(k),
        entries: [...k.entries.values()],
      })),
      buyers: [...this.buyers].map(([room, set]) => [room, [...set]]),
    };
  }

  restore(snapshot: unknown): void {
    const data = snapshot as ReturnType<MemoryGiveaways['snapshot']>;
    this.giveaways.clear();
    this.buyers.clear();
    for (const k of data.giveaways)
      this.giveaways.set(k.giveaway.id, {
        ...k,
        entries: new Map(k.entries.map((e) => [e.ticket, e])),
      });
    for (const [room, users] of data.buyers) this.buyers.set(room, new Set(users));
  }

  createGiveaway(giveaway: GiveawayDefinition, now: number): Promise<{ created: boolean }> {
    if (this.giveaways.has(giveaway.id)) return Promise.resolve({ created: false });
    this.giveaways.set(giveaway.id, {
      giveaway: structuredClone(giveaway),
      closesAt: giveaway.closesAt,
      clock: now,
      entries: new Map(),
      drawn: null,
      version: 0,
    });
    return Promise.resolve({ created: true });
  }

  giveawaysOf(roomId: string): Promise<GiveawayDefinition[]> {
    const mine = [...this.giveaways.values()]
      .map((k) => k.giveaway)
      .filter((g) => g.roomId === roomId)
      .sort(byCreation);
    return Promise.resolve(structuredClone(mine));
  }

  enter(
    giveawayId: string,
    entry: Parameters<GiveawayPort['enter']>[1],
    now: number,
  ): Promise<EntryAnswer | undefined> {
    const kept = this.giveaways.get(giveawayId);
    if (!kept) return Promise.resolve(undefined);
    const at = this.clockAt(kept, now);
    const { giveaway } = kept;
    if (entry.userId === giveaway.hostId) return Promise.resolve({ outcome: 'own_giveaway' });
    if (kept.entries.has(entry.ticket))
      return Promise.resolve({ outcome: 'already_entered', ticket: entry.ticket });
    if (at < giveaway.opensAt) return Promise.resolve({ outcome: 'not_open' });
    if (kept.drawn || at >= kept.closesAt) return Promise.resolve({ outcome: 'closed' });
    if (giveaway.purchaseRequired && entry.route === 'standard' && !entry.purchased)
      return Promise.resolve({ outcome: 'purchase_required' });
    kept.entries.set(entry.ticket, {
      ticket: entry.ticket,
      userId: entry.userId,
      route: entry.route,
      watchedMs: Math.max(0, Math.floor(entry.watchedMs)),
      seenAt: at,
    });
    return Promise.resolve({ outcome: 'entered', ticket: entry.ticket });
  }

  seen(giveawayId: string, tickets: string[], now: number, stepMs: number): Promise<void> {
    const kept = this.giveaways.get(giveawayId);
    if (!kept) return Promise.resolve();
    const at = this.clockAt(kept, now);
    for (const ticket of tickets) {
      const entry = kept.entries.get(ticket);
      if (!entry) continue;
      if (entry.seenAt > 0) entry.watchedMs += Math.min(Math.max(0, at - entry.seenAt), stepMs);
      entry.seenAt = at;
    }
    return Promise.resolve();
  }

  left(giveawayId: string, ticket: string): Promise<void> {
    const entry = this.giveaways.get(giveawayId)?.entries.get(ticket);
    if (entry) entry.seenAt = 0;
    return Promise.resolve();
  }

  close(giveawayId: string, now: number): Promise<number | undefined> {
    const kept = this.giveaways.get(giveawayId);
    if (!kept) return Promise.resolve(undefined);
    kept.closesAt = Math.min(kept.closesAt, this.clockAt(kept, now));
    return Promise.resolve(kept.closesAt);
  }

  async summary(giveawayId: string, now: number): Promise<GiveawaySummary | undefined> {
    const record = await this.record(giveawayId, now);
    return record && { ...record, entries: record.entries.length };
  }

  record(giveawayId: string, now: number): Promise<GiveawayRecord | undefined> {
    const kept = this.giveaways.get(giveawayId);
    if (!kept) return Promise.resolve(undefined);
    this.clockAt(kept, now);
    return Promise.resolve(
      structuredClone({
        giveaway: kept.giveaway,
        closesAt: kept.closesAt,
        clock: kept.clock,
        entries: [...kept.entries.values()],
        drawn: kept.drawn,
        version: kept.version,
      }),
    );
  }

  commitDraw(giveawayId: string, version: number, drawn: GiveawayDrawRecord): Promise<boolean> {
    const kept = this.giveaways.get(giveawayId);
    if (!kept || kept.version !== version) return Promise.resolve(false);
    kept.drawn = structuredClone(drawn);
    kept.version += 1;
    return Promise.resolve(true);
  }

  notePurchase(roomId: string, userId: string): Promise<void> {
    let set = this.buyers.get(roomId);
    if (!set) this.buyers.set(roomId, (set = new Set()));
    set.add(userId);
    return Promise.resolve();
  }

  purchased(roomId: string, userId: string): Promise<boolean> {
    return Promise.resolve(this.buyers.get(roomId)?.has(userId) ?? false);
  }

  private clockAt(kept: Kept, now: number): number {
    kept.clock = Math.max(kept.clock, now);
    return kept.clock;
  }
}
