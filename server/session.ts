import type { Server, Socket } from 'socket.io';
import type {
  ClientToServerEvents,
  ServerToClientEvents,
} from '../client-sdk/src/protocol/index.js';
import type { MediaEventName, PeerLink } from '../media/index.js';
import type { BucketState, Identity, Member, StreamRoom } from '../rooms/index.js';
import { laneTopic, type Lane } from './delivery.js';

/** One joined room of a connection. */
interface Joined {
  room: StreamRoom;
  partition: string;
}

/** What the server knows about one connection. */
export class Session implements Member {
  readonly rooms = new Map<string, Joined>();
  /** Per-connection token bucket for every inbound event. */
  bucket: BucketState | undefined;
  /** Set while the socket is over its backpressure limit: it gets control events but no feed. */
  feedPausedSince: number | null = null;
  /** How media reaches this connection. */
  readonly mediaLink: PeerLink;

  constructor(
    readonly socket: AppSocket,
    readonly identity: Identity,
  ) {
    this.mediaLink = {
      id: socket.id,
      active: (roomId) => socket.connected && this.rooms.has(roomId),
      send: (event, payload) => {
        (socket.emit as (e: MediaEventName, p: unknown) => boolean)(event, payload);
      },
    };
  }

  get id(): string {
    return this.socket.id;
  }

  /** Subscribes to a room's lanes (before the room join, so nothing falls between). */
  subscribe(room: StreamRoom): void {
    const partition = room.moderation.partitionOf(this.identity);
    this.rooms.set(room.id, { room, partition });
    void this.socket.join(
      this.topics(room.id, partition, this.feedPausedSince === null ? ['ctl', 'feed'] : ['ctl']),
    );
  }

  unsubscribe(roomId: string): StreamRoom | undefined {
    const joined = this.rooms.get(roomId);
    if (!joined) return undefined;
    this.rooms.delete(roomId);
    for (const topic of this.topics(roomId, joined.partition, ['ctl', 'feed']))
      void this.socket.leave(topic);
    return joined.room;
  }

  /** Moves to another audience partition of a joined room (the policy in force changed). */
  move(roomId: string, partition: string): void {
    const joined = this.rooms.get(roomId);
    if (!joined || joined.partition === partition) return;
    const lanes: Lane[] = this.feedPausedSince === null ? ['ctl', 'feed'] : ['ctl'];
    for (const topic of this.topics(roomId, joined.partition, ['ctl', 'feed']))
      void this.socket.leave(topic);
    joined.partition = partition;
    void this.socket.join(this.topics(roomId, partition, lanes));
  }

  /** Stops (or restarts) the feed lane of every joined room. */
  setFeed(on: boolean, now: number): void {
    this.feedPausedSince = on ? null : now;
    for (const [roomId, { partition }] of this.rooms) {
      const [topic] = this.topics(roomId, partition, ['feed']);
      if (topic === undefined) continue;
      if (on) void this.socket.join(topic);
      else void this.socket.leave(topic);
    }
  }

  private topics(roomId: string, partition: string, lanes: Lane[]): string[] {
    return lanes.map((lane) => laneTopic(roomId, partition, lane));
  }
}

export interface SocketData {
  session: Session;
}

export type AppServer = Server<
  ClientToServerEvents,
  ServerToClientEvents,
  Record<string, never>,
  SocketData
>;
export type AppSocket = Socket<
  ClientToServerEvents,
  ServerToClientEvents,
  Record<string, never>,
  SocketData
>;
