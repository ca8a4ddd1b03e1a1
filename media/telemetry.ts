import type { Placement } from './placement.js';
import type { RoomMedia } from './room-media.js';
import type { WorkerPool } from './worker-pool.js';

/** Counts for metrics. */
export interface MediaStats {
  rooms: number;
  producers: number;
  consumers: number;
  /** Viewers placed on a worker already at its budget, because every worker was. */
  overBudget: number;
  workers: { slot: number; pid: number; routers: number; consumers: number }[];
}

/** The numbers of the media side, for metrics, operators and tests: it reads, never changes. */
export class MediaTelemetry {
  constructor(
    private readonly pool: WorkerPool | undefined,
    private readonly rooms: ReadonlyMap<string, RoomMedia>,
    private readonly placement: Placement,
  ) {}

  /** Streams, tracks and consumers here, and each live worker's routers and consumers. */
  stats(): MediaStats {
    let producers = 0;
    let consumers = 0;
    for (const room of this.rooms.values()) producers += room.tracks.size;
    const workers = (this.pool?.live() ?? []).map(({ slot, worker }) => {
      const entries = this.placement.routersOn(slot);
      let load = 0;
      for (const entry of entries) load += entry.consumers;
      consumers += load;
      return { slot, pid: worker.pid, routers: entries.size, consumers: load };
    });
    const { overBudget } = this.placement;
    return { rooms: this.rooms.size, producers, consumers, overBudget, workers };
  }

  /** A stream's routers: the worker slot of each, and its consumers (the origin first). */
  routersOf(roomId: string): { slot: number; consumers: number; origin: boolean }[] {
    const room = this.rooms.get(roomId);
    if (!room) return [];
    return [...room.entries.values()].map((entry) => ({
      slot: entry.slot,
      consumers: entry.consumers,
      origin: entry === room.origin,
    }));
  }

  /** CPU seconds each live worker has used. */
  async cpu(): Promise<{ slot: number; seconds: number }[]> {
    const live = this.pool?.live() ?? [];
    const usage = await Promise.all(
      live.map(({ worker }) => worker.getResourceUsage().catch(() => undefined)),
    );
    return live.flatMap(({ slot }, i) => {
      const u = usage[i];
      return u ? [{ slot, seconds: (u.ru_utime + u.ru_stime) / 1000 }] : [];
    });
  }

  /** Bits per second received from hosts and sent to viewers, over every transport. */
  async bitrates(): Promise<{ received: number; sent: number }> {
    const transports = [...this.rooms.values()].flatMap((room) =>
      [...room.peers.values()].flatMap((peer) => [...peer.transports.values()]),
    );
    const stats = await Promise.all(
      transports.map(({ transport }) => transport.getStats().catch(() => [])),
    );
    let received = 0;
    let sent = 0;
    for (const list of stats)
      for (const s of list) {
        received += s.recvBitrate;
        sent += s.sendBitrate;
      }
    return { received, sent };
  }
}
