import type { types } from 'mediasoup';
import type {
  ClientResponse,
  DtlsParameters,
  Layers,
  MediaKind,
  PublishedTrack,
  RtpCapabilities,
  RtpParameters,
  TransportOptions,
} from '../client-sdk/src/protocol/index.js';
import { CodedError } from '../client-sdk/src/protocol/index.js';
import type { MediaRooms } from './media-rooms.js';
import type { Placement } from './placement.js';
import { PeerMedia, type PeerTransport, type RoomMedia, type RouterEntry } from './room-media.js';
import type { ListenInfo, MediaLog, MediaOptions, PeerLink } from './types.js';

/** What `consume` answers: the protocol's `media:consume` result. */
export type Consumed = ClientResponse<'media:consume'>;

/** The most tracks a stream carries (audio and video of a few hosts). */
const MAX_TRACKS = 8;

/**
 * The media requests of connections (`media:*`): capabilities, transports, producing, consuming,
 * resuming and layers, and leaving. It checks that ids belong to the caller (the socket handlers
 * check who may do what), runs one resource-making request of a connection in a room at a time,
 * and turns mediasoup's errors into coded ones.
 */
export class MediaSignalling {
  private readonly queues = new Map<string, Promise<unknown>>();

  constructor(
    private readonly rooms: MediaRooms,
    private readonly placement: Placement,
    private readonly options: MediaOptions,
    private readonly log: MediaLog,
    private readonly listenInfo: () => ListenInfo,
  ) {}

  /** The router's capabilities and the host's tracks; registers the connection for `media:track`. */
  capabilities(
    link: PeerLink,
    roomId: string,
  ): Promise<{ rtpCapabilities: RtpCapabilities; tracks: PublishedTrack[] }> {
    return this.serial(link, roomId, async () => {
      const room = await this.room(roomId);
      this.stillThere(link, roomId);
      this.peer(room, link);
      const router = this.routerOf(room.origin);
      return {
        rtpCapabilities: router.rtpCapabilities as RtpCapabilities,
        tracks: [...room.tracks.values()].map((p) => ({ producerId: p.id, kind: p.kind })),
      };
    });
  }

  /**
   * Opens a WebRTC transport: a send one on the origin router, a recv one where there is room.
   * One per direction: a new one (a client setting up again) replaces the old.
   */
  createTransport(
    link: PeerLink,
    roomId: string,
    direction: 'send' | 'recv',
  ): Promise<TransportOptions> {
    return this.serial(link, roomId, async () => {
      const room = await this.room(roomId);
      this.stillThere(link, roomId);
      const peer = this.peer(room, link);
      for (const held of [...peer.transports.values()])
        if (held.direction === direction) held.transport.close();
      // a viewer will consume every track (audio and video, when nothing is published yet)
      const expected = room.tracks.size > 0 ? room.tracks.size : 2;
      const need = direction === 'recv' ? expected : 0;
      const entry = direction === 'send' ? room.origin : this.placement.place(room, need);
      entry.pending += need;
      let transport: types.WebRtcTransport;
      try {
        await entry.ready;
        transport = await this.routerOf(entry).createWebRtcTransport({
          listenInfos: [
            { protocol: 'udp', ...this.listenInfo() },
            { protocol: 'tcp', ...this.listenInfo() },
          ],
          preferUdp: true,
          initialAvailableOutgoingBitrate: this.options.initialOutgoingBitrate,
        });
      } catch (error) {
        entry.pending -= need;
        throw this.mediaFailure(error);
      }
      const held: PeerTransport = { transport, entry, direction, reserved: need };
      transport.observer.once('close', () => {
        if (peer.transports.get(transport.id) === held) peer.transports.delete(transport.id);
        entry.pending -= held.reserved;
        held.reserved = 0;
      });
      // the connection may have left, or the stream restarted, while the transport was made
      if (room.closed || room.peers.get(link.id) !== peer || !link.active(roomId)) {
        transport.close();
        throw new CodedError('MEDIA_UNAVAILABLE', 'The stream media restarted; retry');
      }
      peer.transports.set(transport.id, held);
      transport.on('dtlsstatechange', (state) => {
        if (state === 'failed' || state === 'closed') transport.close();
      });
      if (direction === 'send')
        await transport
          .setMaxIncomingBitrate(this.options.maxIncomingBitrate)
          .catch((error: unknown) => {
            transport.close();
            throw this.mediaFailure(error);
          });
      return {
        transportId: transport.id,
        iceParameters: transport.iceParameters,
        iceCandidates: transport.iceCandidates,
        dtlsParameters: transport.dtlsParameters,
      };
    });
  }

  /** Connects one of the caller's transports (DTLS). */
  async connect(
    link: PeerLink,
    roomId: string,
    transportId: string,
    dtlsParameters: DtlsParameters,
  ): Promise<void> {
    const { transport } = this.transportOf(link, roomId, transportId);
    await transport
      .connect({ dtlsParameters: dtlsParameters as types.DtlsParameters })
      .catch((error: unknown) => {
        throw this.mediaFailure(error);
      });
  }

  /**
   * Publishes a host's track on the origin router and offers it to everyone in the room. One
   * track per kind per connection: a new one replaces the old.
   */
  produce(
    link: PeerLink,
    roomId: string,
    transportId: string,
    kind: MediaKind,
    rtpParameters: RtpParameters,
  ): Promise<{ producerId: string }> {
    return this.serial(link, roomId, async () => {
      const held = this.transportOf(link, roomId, transportId);
      if (held.direction !== 'send')
        throw new CodedError('BAD_REQUEST', 'Produce on a send transport');
      const room = this.rooms.get(roomId);
      if (!room) throw new CodedError('MEDIA_NOT_FOUND', 'The stream has no media now');
      const peer = room.peers.get(link.id);
      if (!peer) throw new CodedError('MEDIA_NOT_FOUND', 'No media of yours in this room');
      for (const old of [...peer.producers.values()]) if (old.kind === kind) old.close();
      if (room.localTracks().length >= MAX_TRACKS)
        throw new CodedError('INVALID_STATE', `A stream carries at most ${MAX_TRACKS} tracks`);
      const producer = await held.transport
        .produce({ kind, rtpParameters: rtpParameters as types.RtpParameters })
        .catch((error: unknown) => {
          throw this.mediaFailure(error);
        });
      // mediasoup does not check whether the transport closed while the producer was made
      if (held.transport.closed || room.closed) {
        producer.close();
        throw new CodedError('MEDIA_UNAVAILABLE', 'The transport closed; set up again');
      }
      room.tracks.set(producer.id, producer);
      peer.producers.set(producer.id, producer);
      producer.observer.once('close', () => {
        room.tracks.delete(producer.id);
        peer.producers.delete(producer.id);
        this.rooms.announce(room);
      });
      this.rooms.offer(room, producer, link.id);
      this.rooms.announce(room);
      return { producerId: producer.id };
    });
  }

  /** A paused consumer of a room's track, on the caller's recv transport. */
  consume(
    link: PeerLink,
    roomId: string,
    transportId: string,
    producerId: string,
    rtpCapabilities: RtpCapabilities,
  ): Promise<Consumed> {
    return this.serial(link, roomId, () =>
      this.consumeNow(link, roomId, transportId, producerId, rtpCapabilities),
    );
  }

  /** Starts a consumer's media, with a keyframe so the picture starts at once. */
  async resume(link: PeerLink, roomId: string, consumerId: string): Promise<void> {
    const consumer = this.consumerOf(link, roomId, consumerId);
    try {
      await consumer.resume();
      if (consumer.kind === 'video') await consumer.requestKeyFrame();
    } catch (error) {
      throw this.mediaFailure(error);
    }
  }

  /** The simulcast or SVC layers a consumer prefers to receive. */
  async setLayers(
    link: PeerLink,
    roomId: string,
    consumerId: string,
    layers: Layers,
  ): Promise<void> {
    const consumer = this.consumerOf(link, roomId, consumerId);
    if (consumer.type !== 'simulcast' && consumer.type !== 'svc')
      throw new CodedError('BAD_REQUEST', 'This track has no layers to choose from');
    const { spatialLayer, temporalLayer } = layers;
    await consumer
      .setPreferredLayers(
        temporalLayer === undefined ? { spatialLayer } : { spatialLayer, temporalLayer },
      )
      .catch((error: unknown) => {
        throw this.mediaFailure(error);
      });
  }

  /**
   * Closes a connection's media in a room (it left, or stopped watching): all of it, or only its
   * publishing (`send`) or watching (`recv`) side.
   */
  leave(peerId: string, roomId: string, direction?: 'send' | 'recv'): void {
    const room = this.rooms.get(roomId);
    const peer = room?.peers.get(peerId);
    if (!room || !peer) return;
    if (direction) {
      for (const held of [...peer.transports.values()])
        if (held.direction === direction) held.transport.close();
      return;
    }
    peer.close();
    room.peers.delete(peerId);
    if (room.peers.size === 0) this.rooms.dispose(room);
  }

  private async consumeNow(
    link: PeerLink,
    roomId: string,
    transportId: string,
    producerId: string,
    rtpCapabilities: RtpCapabilities,
  ): Promise<Consumed> {
    const held = this.transportOf(link, roomId, transportId);
    if (held.direction !== 'recv')
      throw new CodedError('BAD_REQUEST', 'Consume on a recv transport');
    const peer = this.rooms.get(roomId)?.peers.get(link.id);
    if (!peer) throw new CodedError('MEDIA_NOT_FOUND', 'No media of yours in this room');
    await held.entry.ready;
    const router = this.routerOf(held.entry);
    const capabilities = rtpCapabilities as types.RtpCapabilities;
    if (!router.canConsume({ producerId, rtpCapabilities: capabilities }))
      throw new CodedError('MEDIA_NOT_FOUND', `No track ${producerId} this device can receive`);
    // one consumer per track: asking again (a client setting up again) replaces the old one
    for (const old of [...peer.consumers.values()]) if (old.producerId === producerId) old.close();
    const consumer = await held.transport
      .consume({ producerId, rtpCapabilities: capabilities, paused: true })
      .catch((error: unknown) => {
        throw this.mediaFailure(error);
      });
    // mediasoup does not check whether the transport closed while the consumer was made
    if (held.transport.closed) {
      consumer.close();
      throw new CodedError('MEDIA_UNAVAILABLE', 'The transport closed; set up again');
    }
    const { entry } = held;
    entry.consumers += 1;
    if (held.reserved > 0) {
      held.reserved -= 1;
      entry.pending -= 1;
    }
    peer.consumers.set(consumer.id, consumer);
    consumer.observer.once('close', () => {
      entry.consumers -= 1;
      peer.consumers.delete(consumer.id);
    });
    consumer.on('producerclose', () => {
      peer.send('media:consumer-closed', { roomId, consumerId: consumer.id });
    });
    consumer.on('layerschange', (layers) => {
      peer.send('media:layers', { roomId, consumerId: consumer.id, layers: layers ?? null });
    });
    return {
      consumerId: consumer.id,
      producerId,
      kind: consumer.kind,
      rtpParameters: consumer.rtpParameters as RtpParameters,
    };
  }

  /** The room's media, ready: its origin router made and, with a bus, its origin node found. */
  private async room(roomId: string): Promise<RoomMedia> {
    const room = this.rooms.open(roomId);
    await room.origin.ready.catch((error: unknown) => {
      this.rooms.dispose(room);
      throw this.mediaFailure(error);
    });
    await room.following.catch((err: unknown) => {
      // without the bus this node cannot tell whether another node publishes the stream
      this.log.warn({ err, room: roomId }, 'could not look for the stream on other nodes');
      this.rooms.dispose(room);
      throw new CodedError('MEDIA_UNAVAILABLE', 'The media server could not do this now; retry');
    });
    if (room.closed) throw new CodedError('MEDIA_UNAVAILABLE', 'The stream media restarted; retry');
    return room;
  }

  private peer(room: RoomMedia, link: PeerLink): PeerMedia {
    let peer = room.peers.get(link.id);
    if (!peer) {
      peer = new PeerMedia(link, room.id);
      room.peers.set(link.id, peer);
    }
    return peer;
  }

  private transportOf(link: PeerLink, roomId: string, transportId: string): PeerTransport {
    const held = this.rooms.get(roomId)?.peers.get(link.id)?.transports.get(transportId);
    if (!held) throw new CodedError('MEDIA_NOT_FOUND', `No transport ${transportId} of yours here`);
    return held;
  }

  private consumerOf(link: PeerLink, roomId: string, consumerId: string): types.Consumer {
    const consumer = this.rooms.get(roomId)?.peers.get(link.id)?.consumers.get(consumerId);
    if (!consumer)
      throw new CodedError('MEDIA_NOT_FOUND', `No consumer ${consumerId} of yours here`);
    return consumer;
  }

  private routerOf(entry: RouterEntry): types.Router {
    if (!entry.router || entry.router.closed)
      throw new CodedError('MEDIA_UNAVAILABLE', 'The stream media restarted; retry');
    return entry.router;
  }

  /**
   * mediasoup's TypeErrors and UnsupportedErrors are bad input (their message says what); anything else from a
   * worker is unavailability, logged here, with a message that tells the client nothing inside.
   */
  private mediaFailure(error: unknown): Error {
    if (error instanceof CodedError) return error;
    // TypeError: a malformed field; UnsupportedError: codecs or parameters the router cannot take
    if (error instanceof TypeError || (error instanceof Error && error.name === 'UnsupportedError'))
      return new CodedError('BAD_REQUEST', error.message);
    this.log.warn({ err: error }, 'media request failed in mediasoup');
    return new CodedError('MEDIA_UNAVAILABLE', 'The media server could not do this now; retry');
  }

  /** Runs one resource-making request of a connection in a room at a time, in order. */
  private serial<T>(link: PeerLink, roomId: string, step: () => Promise<T>): Promise<T> {
    const key = `${link.id}\n${roomId}`;
    const before = this.queues.get(key) ?? Promise.resolve();
    const run = before.then(step);
    const settled = run.then(
      () => undefined,
      () => undefined,
    );
    this.queues.set(key, settled);
    void settled.then(() => {
      if (this.queues.get(key) === settled) this.queues.delete(key);
    });
    return run;
  }

  /** The connection left the room (or dropped) while its request waited. */
  private stillThere(link: PeerLink, roomId: string): void {
    if (!link.active(roomId)) throw new CodedError('MEDIA_NOT_FOUND', 'Not in this room any more');
  }
}
