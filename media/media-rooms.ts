import type { types } from 'mediasoup';
import { CodedError } from '../client-sdk/src/protocol/index.js';
import type { MediaBusPort } from './bus.js';
import { CrossNode } from './cross-node.js';
import type { Placement } from './placement.js';
import { RoomMedia } from './room-media.js';
import type { ListenInfo, MediaLog } from './types.js';
import type { WorkerPool } from './worker-pool.js';

/**
 * The streams with media on this node and their lifecycle: a room's media is made on its first
 * request, follows the node publishing it (with a bus), and goes when its last connection leaves,
 * its stream ends, or its origin moves or dies (then everyone using it is told).
 */
export class MediaRooms {
  private readonly byId = new Map<string, RoomMedia>();
  /** The rooms with media here, by id. */
  readonly all: ReadonlyMap<string, RoomMedia> = this.byId;
  private closed = false;
  /** Streams across nodes; absent without a bus. */
  private readonly crossNode: CrossNode | undefined;

  constructor(
    private readonly pool: WorkerPool | undefined,
    private readonly placement: Placement,
    private readonly log: MediaLog,
    bus: MediaBusPort | undefined,
    listenInfo: () => ListenInfo,
  ) {
    this.crossNode = bus
      ? new CrossNode(
          bus,
          {
            room: (roomId) => this.byId.get(roomId),
            trackAdded: (room, producer) => this.offer(room, producer),
            restart: (room, reason) => this.restart(room, reason),
            listenInfo,
          },
          log,
        )
      : undefined;
    this.crossNode?.start();
  }

  get(roomId: string): RoomMedia | undefined {
    return this.byId.get(roomId);
  }

  /**
   * The room's media, made if it has none here yet: its origin router on the least-loaded worker,
   * and (with a bus) following the node that publishes it. It may still be getting ready.
   */
  open(roomId: string): RoomMedia {
    if (!this.pool || this.closed)
      // the reason (a path, a configuration) is for the log, not for clients
      throw new CodedError(
        'MEDIA_UNAVAILABLE',
        'Video is unavailable on this server for now; chat and drops still work',
      );
    const room = this.byId.get(roomId);
    if (room) return room;
    const origin = this.placement.origin();
    if (!origin)
      throw new CodedError('MEDIA_UNAVAILABLE', 'No media worker is running; retry shortly');
    const fresh = new RoomMedia(roomId, origin);
    this.byId.set(roomId, fresh);
    const { crossNode } = this;
    if (crossNode) {
      fresh.following = fresh.origin.ready.then(() => crossNode.attach(fresh));
      fresh.following.catch(() => undefined);
    }
    return fresh;
  }

  /** A new track in a room: piped to the room's other routers, offered to its viewers. */
  offer(room: RoomMedia, producer: types.Producer, publisher?: string): void {
    this.placement.pipeTrack(room, producer.id);
    for (const peer of room.peers.values())
      if (peer.link.id !== publisher)
        peer.send('media:track', { roomId: room.id, producerId: producer.id, kind: producer.kind });
  }

  /** Tells other nodes (again) which tracks this node publishes for the room. */
  announce(room: RoomMedia): void {
    void this.crossNode?.announce(room);
  }

  /**
   * The stream ended (or its room closed here): everything of it goes, and the connections using
   * it are told (`media:closed`), so their SDKs stop rather than set up again.
   */
  closeRoom(roomId: string, reason: string): void {
    const room = this.byId.get(roomId);
    if (!room) return;
    const peers = [...room.peers.values()];
    this.dispose(room);
    for (const peer of peers) peer.send('media:closed', { roomId, reason });
  }

  /** Closes the room's media here and forgets it (its connections are not told). */
  dispose(room: RoomMedia): void {
    if (this.byId.get(room.id) === room) this.byId.delete(room.id);
    this.placement.forget(room);
    room.close();
    this.crossNode?.detach(room);
  }

  /**
   * A worker died: its routers are gone. A stream whose origin was there starts over (everyone in
   * it is told to set up media again); one that only had viewers there loses that router, and
   * those viewers are told to reconnect their media.
   */
  workerDied(slot: number, error: Error): void {
    const affected = [...this.byId.values()].filter((room) => room.entries.has(slot));
    this.log.error(
      { slot, err: error, streams: affected.length },
      'media worker died; replacing it and moving its streams',
    );
    for (const room of affected) {
      const reason = 'media worker restarted';
      if (room.origin.slot === slot) {
        this.restart(room, reason);
        continue;
      }
      const lost = this.placement.dropRouter(room, slot);
      for (const peer of room.peers.values()) {
        const onLost = [...peer.transports.values()].some((t) => t.entry === lost);
        if (!onLost) continue;
        peer.close();
        peer.send('media:restart', { roomId: room.id, reason });
      }
    }
    this.placement.dropSlot(slot);
  }

  /** Closes every room's media and stops following other nodes; safe to call twice. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const room of [...this.byId.values()]) this.dispose(room);
    this.crossNode?.close();
  }

  /** Starts a stream's media over here: everyone using it sets it up again. */
  private restart(room: RoomMedia, reason: string): void {
    const peers = [...room.peers.values()];
    this.dispose(room);
    for (const peer of peers) peer.send('media:restart', { roomId: room.id, reason });
  }
}
