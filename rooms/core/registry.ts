import type { Identity } from '../model/identity.js';
import type { StreamFields } from './context.js';
import { createRoom } from './create.js';
import { StreamRoom, type RoomContext } from './stream-room.js';

const DROP_SWEEP_MS = 250;

/** Observers of room lifecycles (logging, metrics). */
export interface RegistryHooks {
  created?(room: StreamRoom): void;
  disposed?(room: StreamRoom): void;
  failed?(roomId: string, error: unknown): void;
  /** The room restarted from the engine: new epoch, or this node fell behind the log. */
  reloaded?(room: StreamRoom): void;
}

/**
 * The rooms this node follows. The engine holds each room; a node loads its replica on first use
 * (one load however many requests race for it) and lets it go when no member is left here.
 */
export class RoomRegistry {
  private readonly rooms = new Map<string, StreamRoom>();
  private readonly loading = new Map<string, Promise<StreamRoom | undefined>>();
  private readonly ctx: RoomContext;
  private readonly viewerTimer: ReturnType<typeof setInterval>;
  private readonly dropTimer: ReturnType<typeof setInterval>;

  constructor(
    ctx: Omit<RoomContext, 'release'>,
    private readonly hooks: RegistryHooks = {},
  ) {
    this.ctx = {
      ...ctx,
      release: (room) => this.release(room),
      reloaded: (room) => hooks.reloaded?.(room),
    };
    // viewers on other nodes come and go unseen here: recount what this node shows now and then
    // and let go of rooms loaded for a request from someone who never joined
    this.viewerTimer = setInterval(() => {
      for (const room of this.rooms.values()) {
        room.refreshViewers();
        // the automatic shield looks at rooms with members here (every such node does)
        if (room.members.size > 0)
          room.shield.evaluate(room.now()).catch((error: unknown) => room.failed(error));
        this.release(room);
      }
    }, ctx.limits.viewerCountIntervalMs);
    this.viewerTimer.unref();
    // drops start, end and let holds expire by the clock: re-read the unfinished ones now and then
    this.dropTimer = setInterval(() => {
      for (const room of this.rooms.values())
        if (room.members.size > 0) {
          room.drops.feed.sweep();
          room.auctions.sweep();
          room.giveaways.sweep();
        }
    }, DROP_SWEEP_MS);
    this.dropTimer.unref();
  }

  get size(): number {
    return this.rooms.size;
  }

  /** The replica this node holds, if any. */
  get(roomId: string): StreamRoom | undefined {
    return this.rooms.get(roomId);
  }

  values(): IterableIterator<StreamRoom> {
    return this.rooms.values();
  }

  /** The room, loaded from the engine when this node does not follow it yet; undefined if none. */
  async find(roomId: string): Promise<StreamRoom | undefined> {
    const existing = this.rooms.get(roomId);
    if (existing) return existing;
    let loading = this.loading.get(roomId);
    if (!loading) {
      loading = this.load(roomId).finally(() => this.loading.delete(roomId));
      this.loading.set(roomId, loading);
    }
    return loading;
  }

  /**
   * Returns the room, creating it with `fields` when none exists (or the last one ended).
   * `created` tells the caller whether its fields were used; concurrent callers on every node
   * share one creation.
   */
  async open(
    roomId: string,
    fields: StreamFields,
    host: Identity,
  ): Promise<{ room: StreamRoom; created: boolean }> {
    const created = await createRoom(roomId, fields, host, this.ctx);
    const room = await this.find(roomId);
    if (!room) throw new Error(`room ${roomId} vanished right after it was opened`);
    if (created && room.stream.info.state === 'ended') await room.reload();
    return { room, created };
  }

  /** Lets go of every room (shutdown). */
  async closeAll(): Promise<void> {
    clearInterval(this.viewerTimer);
    clearInterval(this.dropTimer);
    await Promise.all([...this.rooms.values()].map((room) => this.dispose(room)));
  }

  private async load(roomId: string): Promise<StreamRoom | undefined> {
    const room = new StreamRoom(roomId, this.ctx);
    try {
      if (!(await room.onLoad())) {
        await room.onDispose();
        return undefined;
      }
    } catch (error) {
      await room.onDispose();
      throw error;
    }
    this.rooms.set(roomId, room);
    this.hooks.created?.(room);
    return room;
  }

  private release(room: StreamRoom): void {
    if (room.isDisposable && this.rooms.get(room.id) === room) {
      this.dispose(room).catch((error: unknown) => this.hooks.failed?.(room.id, error));
    }
  }

  private async dispose(room: StreamRoom): Promise<void> {
    if (this.rooms.get(room.id) !== room) return;
    this.rooms.delete(room.id);
    await room.onDispose();
    this.hooks.disposed?.(room);
  }
}
