import type { Server } from 'socket.io';
import type { Logger } from 'pino';
import type {
  AuctionState,
  DropStock,
  GiveawayState,
  ServerEventName,
  ServerPayload,
} from '../client-sdk/src/protocol/index.js';
import type { ChatBatch, ReactionCounts, RoomOutput } from '../rooms/index.js';
import type { Metrics } from './metrics.js';
import type { ShedStep } from './overload.js';

/** Control events are never dropped; the feed (chat, reactions, viewers) is paused for slow sockets. */
export type Lane = 'ctl' | 'feed';

/** The socket.io room (and uWS topic) of one lane of one audience partition of a room. */
export const laneTopic = (roomId: string, partition: string, lane: Lane): string =>
  `r:${roomId}:${partition}:${lane}`;

/** Turns room output into broadcasts: one single-room broadcast per partition, so each stays on uWS's native path. */
export class RoomBroadcaster implements RoomOutput {
  constructor(
    private readonly io: Server,
    private readonly metrics: Metrics,
    private readonly logger: Logger,
    /** Asks the tick loop to visit a room. */
    readonly wake: RoomOutput['wake'],
    /** The audience partitions of a room with members on this node. */
    private readonly partitionsOf: (roomId: string) => readonly string[],
    /** A banned user's connection in a room: take it out of the room (told already). */
    private readonly removed: (socketId: string, roomId: string) => void,
    /** What overload gives up now (reaction sums, viewer counts). */
    private readonly sheds: (step: ShedStep) => boolean = () => false,
  ) {}

  /** Viewer counts held back while counts are shed: the latest of each room, sent on release. */
  private readonly heldCounts = new Map<string, { seq: number; count: number }>();

  /** Sends the viewer counts held back while they were shed. */
  releaseCounts(): void {
    const held = [...this.heldCounts];
    this.heldCounts.clear();
    for (const [roomId, { seq, count }] of held) this.viewers(roomId, seq, count);
  }

  control: RoomOutput['control'] = (event) => {
    this.send(
      event.roomId,
      'ctl',
      event.type as Exclude<typeof event.type, 'chat:message' | 'chat:withheld'>,
      event as never,
    );
  };

  chat(roomId: string, batches: ReadonlyMap<string, ChatBatch>): void {
    for (const [partition, batch] of batches) {
      this.metrics.batchSize.observe(batch.messages.length);
      if (batch.skipped > 0) this.metrics.chatSkipped.inc(batch.skipped);
      if (batch.withheld) this.metrics.chatWithheld.inc(batch.withheld.length);
      this.io.to(laneTopic(roomId, partition, 'feed')).emit('chat:batch', { roomId, ...batch });
      this.metrics.eventsOut.inc({ event: 'chat:batch' });
    }
  }

  notice: RoomOutput['notice'] = (room, userId, notice) => {
    for (const member of room.members.values()) {
      if (member.identity.id !== userId) continue;
      const socket = this.io.sockets.sockets.get(member.id);
      if (!socket) continue;
      socket.emit(notice.type, notice.payload);
      this.metrics.eventsOut.inc({ event: notice.type });
      if (notice.type === 'room:removed') this.removed(member.id, room.id);
    }
  };

  reactions(roomId: string, seq: number, counts: ReactionCounts): void {
    if (this.sheds('reactions')) {
      this.metrics.shedWork.inc({ work: 'reaction_sums' });
      return;
    }
    this.send(roomId, 'feed', 'reaction:batch', { roomId, seq, counts });
  }

  dropStock(roomId: string, stock: DropStock): void {
    this.send(roomId, 'ctl', 'drop:stock', { roomId, ...stock });
  }

  auctionState(roomId: string, state: AuctionState, serverTime: number): void {
    this.send(roomId, 'ctl', 'auction:update', { roomId, serverTime, ...state });
  }

  giveawayState(roomId: string, state: GiveawayState, serverTime: number): void {
    this.send(roomId, 'ctl', 'giveaway:update', { roomId, serverTime, ...state });
  }

  failed(roomId: string, error: unknown): void {
    this.logger.warn({ err: error, room: roomId }, 'room background task failed');
  }

  reset(roomId: string, epoch: string, seq: number): void {
    this.send(roomId, 'ctl', 'room:reset', { roomId, epoch, seq });
  }

  viewers(roomId: string, seq: number, count: number): void {
    if (this.sheds('viewer_counts')) {
      this.heldCounts.set(roomId, { seq, count });
      this.metrics.shedWork.inc({ work: 'viewer_counts' });
      return;
    }
    this.send(roomId, 'feed', 'room:viewers', { roomId, seq, count });
  }

  /** The one function every room broadcast goes through. */
  private send<E extends ServerEventName>(
    roomId: string,
    lane: Lane,
    event: E,
    payload: ServerPayload<E>,
  ): void {
    for (const partition of this.partitionsOf(roomId)) {
      this.io.to(laneTopic(roomId, partition, lane)).emit(event, payload);
      this.metrics.eventsOut.inc({ event });
    }
  }
}
