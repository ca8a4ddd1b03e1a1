import type { Identity } from './identity.js';
import { StreamRoom, type RoomContext, type StreamFields } from './stream-room.js';

/** Observers of room lifecycles (logging, metrics). */
export interface RegistryHooks {
  created?(room: StreamRoom): void;
  disposed?(room: StreamRoom): void;
  failed?(roomId: string, error: unknown): void;
}

/**
 * The rooms of this process. A room is created once per id however many requests race to create
 * it, and disposed when it is empty and its stream has ended.
 */
export class RoomRegistry {
  private readonly rooms = new Map<string, StreamRoom>();
  private readonly creating = new Map<string, Promise<StreamRoom>>();
  private readonly ctx: RoomContext;

  constructor(
    ctx: Omit<RoomContext, 'release'>,
    private readonly hooks: RegistryHooks = {},
  ) {
    this.ctx = { ...ctx, release: (room) => this.release(room) };
  }

  get size(): number {
    return this.rooms.size;
  }

  get(roomId: string): StreamRoom | undefined {
    return this.rooms.get(roomId);
  }

  values(): IterableIterator<StreamRoom> {
    return this.rooms.values();
  }

  /**
   * Returns the room, creating it with `fields` when it does not exist. `created` tells the caller
   * whether its fields were used; concurrent callers share one creation.
   */
  async open(
    roomId: string,
    fields: StreamFields,
    host: Identity,
  ): Promise<{ room: StreamRoom; created: boolean }> {
    const existing = this.rooms.get(roomId);
    if (existing) return { room: existing, created: false };
    const inFlight = this.creating.get(roomId);
    if (inFlight) return { room: await inFlight, created: false };
    const creation = this.create(roomId, fields, host);
    this.creating.set(roomId, creation);
    try {
      return { room: await creation, created: true };
    } finally {
      this.creating.delete(roomId);
    }
  }

  /** Disposes every room (shutdown). */
  async closeAll(): Promise<void> {
    await Promise.all([...this.rooms.values()].map((room) => this.dispose(room)));
  }

  private async create(roomId: string, fields: StreamFields, host: Identity): Promise<StreamRoom> {
    const room = new StreamRoom(roomId, this.ctx.newId(), this.ctx);
    await room.onCreate(fields, host);
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
