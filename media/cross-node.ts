import type { types } from 'mediasoup';
import * as z from 'zod';
import { MediaKind, RtpParameters } from '../client-sdk/src/protocol/index.js';
import type { MediaBusPort, MediaOrigin } from './bus.js';
import { CodedError } from '../client-sdk/src/protocol/index.js';
import { isPiped, type RoomMedia } from './room-media.js';
import type { ListenInfo, MediaLog } from './types.js';

/** Requests one node's media sends another's, checked on arrival like any input. */
const PipeRequest = z.discriminatedUnion('type', [
  /** Open a pipe transport on the room's origin router, connected to the caller's end. */
  z.object({
    type: z.literal('pipe-open'),
    roomId: z.string(),
    epoch: z.string(),
    ip: z.string(),
    port: z.number().int(),
  }),
  /** Send one track down an open pipe. */
  z.object({
    type: z.literal('pipe-track'),
    roomId: z.string(),
    pipeId: z.string(),
    producerId: z.string(),
  }),
  z.object({ type: z.literal('pipe-close'), roomId: z.string(), pipeId: z.string() }),
]);
type PipeRequest = z.infer<typeof PipeRequest>;
const PipeOpened = z.object({ pipeId: z.string(), ip: z.string(), port: z.number().int() });
const TrackPiped = z.object({ kind: MediaKind, rtpParameters: RtpParameters, paused: z.boolean() });

/** What the cross-node side needs of the service. */
export interface CrossNodeHost {
  room(roomId: string): RoomMedia | undefined;
  /** A track arrived (through the pipe): offer it to the room's routers and viewers. */
  trackAdded(room: RoomMedia, producer: types.Producer): void;
  /** The origin changed under a follower room: start it over. */
  restart(room: RoomMedia, reason: string): void;
  /** Where pipe transports listen (the media address and port range). */
  listenInfo(): ListenInfo;
}

/** How long an origin announcement lives unless refreshed, and how often it is. */
export const ORIGIN_TTL_MS = 30_000;
const REFRESH_MS = 10_000;
const REQUEST_TIMEOUT_MS = 5000;

/**
 * Streams across nodes: a node whose host publishes a stream announces itself as its origin on
 * the media bus; a node with viewers of that stream follows it, through one mediasoup pipe
 * transport between the two nodes' routers (set up by requests over the bus), and offers the
 * piped tracks to its viewers as if they were published there.
 */
export class CrossNode {
  private readonly refresh: NodeJS.Timeout;
  private readonly announced = new Map<string, RoomMedia>();
  /** The consumer of each track a served pipe carries: one each, however often it is asked. */
  private readonly piped = new WeakMap<types.PipeTransport, Map<string, types.Consumer>>();
  private retry: NodeJS.Timeout | undefined;

  constructor(
    private readonly bus: MediaBusPort,
    private readonly host: CrossNodeHost,
    private readonly log: MediaLog,
  ) {
    this.refresh = setInterval(() => {
      for (const room of this.announced.values()) void this.announce(room);
    }, REFRESH_MS);
    this.refresh.unref();
  }

  get nodeId(): string {
    return this.bus.nodeId;
  }

  /** Answers other nodes' requests from now on (retrying until the bus takes it). */
  start(): void {
    this.bus
      .serve((body, from) => this.serve(body, from))
      .catch((err: unknown) => {
        this.log.warn({ err }, 'media bus not reachable; cross-node media retries shortly');
        this.retry = setTimeout(() => this.start(), REQUEST_TIMEOUT_MS);
        this.retry.unref();
      });
  }

  /** Says (again) which tracks this node publishes for the room, or withdraws it when none. */
  async announce(room: RoomMedia): Promise<void> {
    const tracks = room.closed ? [] : room.localTracks();
    try {
      if (tracks.length > 0) {
        this.announced.set(room.id, room);
        const origin: MediaOrigin = { node: this.bus.nodeId, epoch: room.epoch, tracks };
        await this.bus.announce(room.id, origin, ORIGIN_TTL_MS);
      } else if (this.announced.get(room.id) === room) {
        this.announced.delete(room.id);
        // followers open a new pipe when the host publishes again
        for (const pipe of [...room.servedPipes.values()]) pipe.close();
        await this.bus.withdraw(room.id, room.epoch);
      }
    } catch (err) {
      this.log.warn({ err, room: room.id }, 'media origin announcement failed; retried shortly');
    }
  }

  /** A new room here: listen for its origin, and follow it if another node publishes it. */
  async attach(room: RoomMedia): Promise<void> {
    // announcements are handled one at a time, in the order they came
    let queue = Promise.resolve();
    const handle = (origin: MediaOrigin | null) => {
      queue = queue
        .then(() => this.heard(room, origin))
        .catch((err: unknown) =>
          this.log.warn({ err, room: room.id }, 'following the media origin failed'),
        );
      return queue;
    };
    const stop = await this.bus.listen(room.id, (origin) => void handle(origin));
    if (room.closed) {
      stop();
      return;
    }
    room.stopListening = stop;
    const origin = await this.bus.origin(room.id);
    if (origin) await handle(origin);
  }

  /** The room is going: its pipe's other end is closed too. */
  detach(room: RoomMedia): void {
    if (this.announced.get(room.id) === room) void this.announce(room);
    if (room.remote) this.closeRemote(room.id, room.remote.node, room.remote.pipeId);
  }

  /** Asks the origin node to close its end of a pipe (best effort: it goes with the room anyway). */
  private closeRemote(roomId: string, node: string, pipeId: string): void {
    this.bus
      .request(node, { type: 'pipe-close', roomId, pipeId }, REQUEST_TIMEOUT_MS)
      .catch(() => undefined);
  }

  /** Stops refreshing announcements (the bus belongs to the engine, which closes it). */
  close(): void {
    clearInterval(this.refresh);
    clearTimeout(this.retry);
  }

  private async heard(room: RoomMedia, origin: MediaOrigin | null): Promise<void> {
    if (room.closed || origin?.node === this.bus.nodeId) return;
    // a host publishing here wins over any other node
    if (room.localTracks().length > 0) return;
    const remote = room.remote;
    if (!origin) {
      if (remote) {
        room.remote = undefined;
        remote.pipe.close();
        this.closeRemote(room.id, remote.node, remote.pipeId);
      }
      return;
    }
    if (remote && (remote.node !== origin.node || remote.epoch !== origin.epoch)) {
      this.host.restart(room, 'the stream moved to another node');
      return;
    }
    if (!remote) await this.follow(room, origin);
    const current = room.remote;
    if (!current) return;
    const wanted = new Set(origin.tracks.map((t) => t.producerId));
    for (const producer of [...room.tracks.values()])
      if (isPiped(producer) && !wanted.has(producer.id)) producer.close();
    for (const { producerId } of origin.tracks)
      if (!room.tracks.has(producerId)) await this.pipeTrack(room, current.node, producerId);
  }

  /** Opens the pipe from the origin node to this room's first router. */
  private async follow(room: RoomMedia, origin: MediaOrigin): Promise<void> {
    await room.origin.ready;
    const router = room.origin.router;
    if (!router || room.closed) return;
    const listen = this.host.listenInfo();
    const pipe = await router.createPipeTransport({ listenInfo: { protocol: 'udp', ...listen } });
    let opened: z.infer<typeof PipeOpened> | undefined;
    try {
      opened = PipeOpened.parse(
        await this.bus.request(
          origin.node,
          {
            type: 'pipe-open',
            roomId: room.id,
            epoch: origin.epoch,
            ip: listen.announcedAddress ?? pipe.tuple.localAddress,
            port: pipe.tuple.localPort,
          },
          REQUEST_TIMEOUT_MS,
        ),
      );
      await pipe.connect({ ip: opened.ip, port: opened.port });
      if (taken(room)) throw new Error('the room changed meanwhile');
      room.remote = { node: origin.node, epoch: origin.epoch, pipe, pipeId: opened.pipeId };
      this.log.info({ room: room.id, origin: origin.node }, 'following a stream from another node');
    } catch (error) {
      pipe.close();
      if (opened) this.closeRemote(room.id, origin.node, opened.pipeId);
      throw error;
    }
  }

  private async pipeTrack(room: RoomMedia, node: string, producerId: string): Promise<void> {
    const remote = room.remote;
    if (!remote) return;
    const piped = TrackPiped.parse(
      await this.bus.request(
        node,
        { type: 'pipe-track', roomId: room.id, pipeId: remote.pipeId, producerId },
        REQUEST_TIMEOUT_MS,
      ),
    );
    if (room.remote !== remote || room.closed || room.tracks.has(producerId)) return;
    const producer = await remote.pipe.produce({
      id: producerId,
      kind: piped.kind,
      rtpParameters: piped.rtpParameters as types.RtpParameters,
      paused: piped.paused,
      appData: { piped: true },
    });
    if (remote.pipe.closed || closedNow(room)) {
      producer.close();
      return;
    }
    room.tracks.set(producer.id, producer);
    producer.observer.once('close', () => room.tracks.delete(producer.id));
    this.host.trackAdded(room, producer);
  }

  /** Answers another node's pipe requests for a stream published here. */
  private async serve(body: unknown, from: string): Promise<unknown> {
    const request: PipeRequest = PipeRequest.parse(body);
    const room = this.host.room(request.roomId);
    if (!room || room.closed)
      throw new CodedError('MEDIA_NOT_FOUND', `No media of ${request.roomId} here`);
    switch (request.type) {
      case 'pipe-open': {
        if (request.epoch !== room.epoch)
          throw new CodedError('MEDIA_NOT_FOUND', 'That stream instance is gone');
        await room.origin.ready;
        const router = room.origin.router;
        if (!router) throw new CodedError('MEDIA_UNAVAILABLE', 'The stream has no router');
        const listen = this.host.listenInfo();
        const pipe = await router.createPipeTransport({
          listenInfo: { protocol: 'udp', ...listen },
        });
        try {
          await pipe.connect({ ip: request.ip, port: request.port });
        } catch (error) {
          pipe.close();
          throw error;
        }
        if (closedNow(room)) {
          pipe.close();
          throw new CodedError('MEDIA_NOT_FOUND', 'The stream closed meanwhile');
        }
        room.servedPipes.set(pipe.id, pipe);
        pipe.observer.once('close', () => room.servedPipes.delete(pipe.id));
        this.log.info({ room: room.id, to: from }, 'piping a stream to another node');
        return {
          pipeId: pipe.id,
          ip: listen.announcedAddress ?? pipe.tuple.localAddress,
          port: pipe.tuple.localPort,
        };
      }
      case 'pipe-track': {
        const pipe = room.servedPipes.get(request.pipeId);
        if (!pipe) throw new CodedError('MEDIA_NOT_FOUND', 'No such pipe');
        let consumers = this.piped.get(pipe);
        if (!consumers) {
          consumers = new Map();
          this.piped.set(pipe, consumers);
        }
        const served = consumers;
        // asked again (an answer that came too late the first time): the same consumer
        let consumer = served.get(request.producerId);
        if (!consumer || consumer.closed) {
          const made = await pipe.consume({ producerId: request.producerId });
          if (pipe.closed) {
            made.close();
            throw new CodedError('MEDIA_NOT_FOUND', 'The pipe closed meanwhile');
          }
          consumer = made;
          served.set(request.producerId, made);
          room.origin.consumers += 1;
          made.observer.once('close', () => {
            room.origin.consumers -= 1;
            if (served.get(request.producerId) === made) served.delete(request.producerId);
          });
        }
        return {
          kind: consumer.kind,
          rtpParameters: consumer.rtpParameters,
          paused: consumer.producerPaused,
        };
      }
      case 'pipe-close':
        room.servedPipes.get(request.pipeId)?.close();
        return {};
    }
  }
}

/** Whether a room closed, or found its origin, while a pipe to it was being opened. */
function taken(room: RoomMedia): boolean {
  return room.closed || room.remote !== undefined;
}

/** Whether a room closed during an await (a plain read would be narrowed by an earlier check). */
function closedNow(room: RoomMedia): boolean {
  return room.closed;
}
