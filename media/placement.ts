import type { types } from 'mediasoup';
import { CodedError } from '../client-sdk/src/protocol/index.js';
import { RouterEntry, type RoomMedia } from './room-media.js';
import type { MediaLog } from './types.js';
import type { WorkerPool } from './worker-pool.js';

/** Codecs every stream's routers offer: Opus, and VP8 or H.264 for video (simulcast capable). */
const MEDIA_CODECS: types.RouterRtpCodecCapability[] = [
  { kind: 'audio', mimeType: 'audio/opus', clockRate: 48_000, channels: 2 },
  { kind: 'video', mimeType: 'video/VP8', clockRate: 90_000 },
  {
    kind: 'video',
    mimeType: 'video/H264',
    clockRate: 90_000,
    parameters: {
      'packetization-mode': 1,
      'profile-level-id': '42e01f',
      'level-asymmetry-allowed': 1,
    },
  },
];

/**
 * Where streams' routers and viewers go. A worker's load is the consumers (made and expected) of
 * every router on it, across streams; a worker takes `budget` consumers before a stream is piped
 * to a router on another worker.
 */
export class Placement {
  /** Router entries per worker slot, across rooms: a worker's load is theirs summed. */
  private readonly bySlot = new Map<number, Set<RouterEntry>>();
  private overBudgetCount = 0;

  constructor(
    private readonly pool: WorkerPool | undefined,
    private readonly budget: number,
    private readonly log: MediaLog,
  ) {}

  /** Viewers placed on a worker already at its budget, because every worker was. */
  get overBudget(): number {
    return this.overBudgetCount;
  }

  /** A new stream's origin router, on the least-loaded live worker; undefined when none runs. */
  origin(): RouterEntry | undefined {
    const slot = this.leastLoaded((this.pool?.live() ?? []).map((w) => w.slot));
    return slot === undefined ? undefined : this.newEntry(slot);
  }

  /**
   * Where a new viewer goes: the first router of the stream whose worker has room for the
   * viewer's consumers; else a new router, piped from the origin, on the least-loaded worker
   * not serving the stream yet; else (every worker at its budget) the least-loaded one.
   */
  place(room: RoomMedia, need: number): RouterEntry {
    const { budget } = this;
    for (const entry of room.entries.values())
      if (this.pool?.worker(entry.slot) && this.load(entry.slot) + need <= budget) return entry;
    const others = (this.pool?.live() ?? []).map((w) => w.slot).filter((s) => !room.entries.has(s));
    const free = this.leastLoaded(others);
    if (free !== undefined && this.load(free) + need <= budget) return this.addRouter(room, free);
    this.overBudgetCount += 1;
    const all = [...room.entries.keys(), ...others];
    const slot = this.leastLoaded(all) ?? room.origin.slot;
    this.log.warn(
      { room: room.id, slot, budget },
      'every media worker is at its consumer budget; placing a viewer over it',
    );
    return room.entries.get(slot) ?? this.addRouter(room, slot);
  }

  /** Pipes a new track of the room from its origin router to each of its other routers. */
  pipeTrack(room: RoomMedia, producerId: string): void {
    for (const entry of room.entries.values())
      if (entry !== room.origin) this.pipe(room, entry, producerId);
  }

  /** The router entries on a worker, across streams. */
  routersOn(slot: number): ReadonlySet<RouterEntry> {
    return this.bySlot.get(slot) ?? new Set();
  }

  /** The room's media is going: its routers no longer count in their workers' load. */
  forget(room: RoomMedia): void {
    for (const entry of room.entries.values()) this.bySlot.get(entry.slot)?.delete(entry);
  }

  /** A worker died: the room loses its router there (returned, when it had one). */
  dropRouter(room: RoomMedia, slot: number): RouterEntry | undefined {
    const lost = room.entries.get(slot);
    room.entries.delete(slot);
    if (lost) this.bySlot.get(slot)?.delete(lost);
    return lost;
  }

  /** A worker died: nothing is on its slot any more. */
  dropSlot(slot: number): void {
    this.bySlot.delete(slot);
  }

  private addRouter(room: RoomMedia, slot: number): RouterEntry {
    const entry = this.newEntry(slot);
    room.entries.set(slot, entry);
    for (const producerId of room.tracks.keys()) this.pipe(room, entry, producerId);
    this.log.info({ room: room.id, slot, routers: room.entries.size }, 'stream piped to a worker');
    return entry;
  }

  private pipe(room: RoomMedia, entry: RouterEntry, producerId: string): void {
    entry.whenRouter(
      (router) => room.pipe(producerId, router),
      (err) => this.log.warn({ err, room: room.id, slot: entry.slot }, 'media pipe failed'),
    );
  }

  private newEntry(slot: number): RouterEntry {
    const worker = this.pool?.worker(slot);
    const entry = new RouterEntry(slot, () => {
      if (!worker || worker.closed)
        return Promise.reject(new CodedError('MEDIA_UNAVAILABLE', 'The media worker restarted'));
      return worker.createRouter({ mediaCodecs: MEDIA_CODECS });
    });
    entry.ready.catch(() => undefined);
    let entries = this.bySlot.get(slot);
    if (!entries) {
      entries = new Set();
      this.bySlot.set(slot, entries);
    }
    entries.add(entry);
    return entry;
  }

  private load(slot: number): number {
    let load = 0;
    for (const entry of this.bySlot.get(slot) ?? []) load += entry.load();
    return load;
  }

  private leastLoaded(slots: number[]): number | undefined {
    let best: number | undefined;
    for (const slot of slots)
      if (best === undefined || this.load(slot) < this.load(best)) best = slot;
    return best;
  }
}
