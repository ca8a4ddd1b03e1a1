import {
  MERCHANT_ID_RETENTION_MS,
  type MerchantEvent,
  type MerchantOutboxPort,
} from '../../../rooms/index.js';

interface Entry {
  event: MerchantEvent;
  /** The sender holding it, and since when; null while nobody has taken it. */
  takenBy: string | null;
  takenAt: number;
}

const KEEP = 10_000;

/** A {@link MemoryMerchantOutbox} as plain data. */
export interface OutboxSnapshot {
  pending: MerchantEvent[];
  all: MerchantEvent[];
  ids: [string, number][];
}

/** In-process outbox: pending events in order; delivered ones kept (bounded) for the listing. */
export class MemoryMerchantOutbox implements MerchantOutboxPort {
  private readonly pending = new Map<string, Entry>();
  private readonly all: MerchantEvent[] = [];
  /** Ids appended, with when (insertion order is time order). */
  private readonly ids = new Map<string, number>();

  constructor(private readonly now: () => number = Date.now) {}

  /** What it holds, as plain data (the durable engine's snapshot); who took what is not kept. */
  snapshot(): OutboxSnapshot {
    return {
      pending: [...this.pending.values()].map((e) => e.event),
      all: [...this.all],
      ids: [...this.ids],
    };
  }

  /** Puts back what a snapshot holds (on an empty outbox): every pending event is up for taking. */
  restore(snapshot: OutboxSnapshot): void {
    const copy = structuredClone(snapshot);
    for (const event of copy.pending)
      this.pending.set(event.id, { event, takenBy: null, takenAt: 0 });
    this.all.push(...copy.all);
    for (const [id, at] of copy.ids) this.ids.set(id, at);
  }

  append(given: MerchantEvent, now: number): Promise<{ appended: boolean }> {
    for (const [id, at] of this.ids) {
      if (at > now - MERCHANT_ID_RETENTION_MS) break;
      this.ids.delete(id);
    }
    if (this.ids.has(given.id)) return Promise.resolve({ appended: false });
    this.ids.set(given.id, now);
    const event = structuredClone(given);
    this.pending.set(event.id, { event, takenBy: null, takenAt: 0 });
    this.all.push(event);
    if (this.all.length > KEEP) this.all.splice(0, this.all.length - KEEP);
    return Promise.resolve({ appended: true });
  }

  take(sender: string, limit: number, reclaimAfterMs: number): Promise<MerchantEvent[]> {
    const now = this.now();
    const mine: Entry[] = [];
    const stale: Entry[] = [];
    const fresh: Entry[] = [];
    for (const entry of this.pending.values()) {
      if (entry.takenBy === sender) mine.push(entry);
      else if (entry.takenBy === null) fresh.push(entry);
      else if (now - entry.takenAt >= reclaimAfterMs) stale.push(entry);
    }
    const taken = [...mine, ...stale, ...fresh].slice(0, limit);
    for (const entry of taken) {
      if (entry.takenBy !== sender) entry.takenAt = now;
      entry.takenBy = sender;
    }
    return Promise.resolve(taken.map((e) => structuredClone(e.event)));
  }

  delivered(id: string): Promise<void> {
    this.pending.delete(id);
    return Promise.resolve();
  }

  recent(limit: number): Promise<MerchantEvent[]> {
    return Promise.resolve(structuredClone(this.all.slice(-limit)));
  }

  /** One process, one sender: always its own. */
  lead(): Promise<boolean> {
    return Promise.resolve(true);
  }
}
