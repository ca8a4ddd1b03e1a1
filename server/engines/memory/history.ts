import type { RoomEvent, RoomEventInput } from '../../../client-sdk/src/protocol/index.js';
import type { HistoryPort } from '../../../rooms/index.js';

interface Log {
  lastSeq: number;
  /** Retained events, oldest first; `events[i].seq === first + i`. */
  events: RoomEvent[];
}

/** In-process room history: a bounded array per room. */
export class MemoryHistory implements HistoryPort {
  private readonly logs = new Map<string, Log>();

  constructor(
    private readonly maxLength: number,
    private readonly now: () => number = Date.now,
  ) {}

  append(roomId: string, input: RoomEventInput): Promise<RoomEvent> {
    let log = this.logs.get(roomId);
    if (!log) {
      log = { lastSeq: 0, events: [] };
      this.logs.set(roomId, log);
    }
    log.lastSeq += 1;
    const event: RoomEvent = { ...input, seq: log.lastSeq, ts: this.now() };
    log.events.push(event);
    if (log.events.length >= this.maxLength * 2)
      log.events.splice(0, log.events.length - this.maxLength);
    return Promise.resolve(event);
  }

  since(
    roomId: string,
    afterSeq: number,
    limit: number,
  ): Promise<{ complete: boolean; events: RoomEvent[] }> {
    const log = this.logs.get(roomId);
    if (!log || afterSeq >= log.lastSeq) return Promise.resolve({ complete: true, events: [] });
    const retained = log.events.slice(-this.maxLength);
    const first = retained[0]?.seq ?? log.lastSeq + 1;
    const start = Math.max(0, afterSeq + 1 - first);
    const missing = log.lastSeq - afterSeq;
    const events = retained.slice(start, start + limit);
    return Promise.resolve({ complete: afterSeq + 1 >= first && missing <= limit, events });
  }

  lastSeq(roomId: string): Promise<number> {
    return Promise.resolve(this.logs.get(roomId)?.lastSeq ?? 0);
  }

  clear(roomId: string): Promise<void> {
    this.logs.delete(roomId);
    return Promise.resolve();
  }
}
