import type { MerchantEvent, MerchantOutboxPort } from '../../../rooms/index.js';

interface Entry {
  event: MerchantEvent;
  /** The sender holding it, and since when; null while nobody has taken it. */
  takenBy: string | null;
  takenAt: number;
}

const KEEP = 10_000;

/** In-process outbox: pending events in order; delivered ones kept (bounded) for the listing. */
export class MemoryMerchantOutbox implements MerchantOutboxPort {
  private readonly pending = new Map<string, Entry>();
  private readonly all: MerchantEvent[] = [];
  private seq = 0;

  constructor(private readonly now: () => number = Date.now) {}

  append(type: string, data: Record<string, unknown>, at: number): Promise<MerchantEvent> {
    this.seq += 1;
    const event: MerchantEvent = {
      id: `evt-${at}-${this.seq}`,
      type,
      at,
      data: structuredClone(data),
    };
    this.pending.set(event.id, { event, takenBy: null, takenAt: 0 });
    this.all.push(event);
    if (this.all.length > KEEP) this.all.splice(0, this.all.length - KEEP);
    return Promise.resolve(structuredClone(event));
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
}
