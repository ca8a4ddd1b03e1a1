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
import type { MediaBusPort } from './bus.js';
import { CrossNode } from './cross-node.js';
import { CodedError } from '../client-sdk/src/protocol/index.js';
import { PeerMedia, RoomMedia, RouterEntry, type PeerTransport } from './room-media.js';
import type { MediaLog, MediaOptions, PeerLink } from './types.js';
import { WorkerPool } from './worker-pool.js';

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

const DISABLED: MediaOptions = {
  workers: 0,
  rtcMinPort: 0,
  rtcMaxPort: 0,
  listenIp: '127.0.0.1',
  announcedAddress: undefined,
  consumersPerWorker: 0,
  initialOutgoingBitrate: 0,
  maxIncomingBitrate: 0,
};

/** What `consume` answers: the protocol's `media:consume` result. */
type Consumed = ClientResponse<'media:consume'>;

/** The most tracks a stream carries (audio and video of a few hosts). */
const MAX_TRACKS = 8;

type PortRange = { min: number; max: number };

/** Counts for metrics. */
export interface MediaStats {
  rooms: number;
  producers: number;
  consumers: number;
  /** Viewers placed on a worker already at its budget, because every worker was. */
  overBudget: number;
  workers: { slot: number; pid: number; routers: number; consumers: number }[];
}

/**
 * The media side of live streams, on mediasoup: a worker pool, a router per stream (more when it
 * outgrows a worker), the host's producers and viewers' consumers. Requests come from the socket
 * handlers, which check who may do what; this class checks that ids belong to the caller.
 * `start` never fails: without a worker, every request gets MEDIA_UNAVAILABLE.
 */
export class MediaService {
  private readonly rooms = new Map<string, RoomMedia>();
  /** Router entries per worker slot, across rooms: a worker's load is theirs summed. */
  private readonly bySlot = new Map<number, Set<RouterEntry>>();
  private overBudget = 0;
  private closed = false;
  private readonly queues = new Map<string, Promise<unknown>>();
  /** Streams across nodes; absent without a bus. */
  private crossNode: CrossNode | undefined;

  private constructor(
    private readonly pool: WorkerPool | undefined,
    private readonly options: MediaOptions,
    private readonly log: MediaLog,
    readonly unavailableReason: string | undefined,
  ) {}

  /** Starts the workers; with a bus, viewers here can watch hosts on other nodes and back. */
  static async start(
    options: MediaOptions,
    log: MediaLog,
    bus?: MediaBusPort,
  ): Promise<MediaService> {
    let service: MediaService | undefined;
    try {
      const pool = await WorkerPool.start(
        { ...options, logLevel: 'warn' },
        {
          died: (slot, err) => service?.workerDied(slot, err),
          replaced: (slot, pid) => log.info({ slot, pid }, 'media worker replaced'),
          failed: (slot, err) => log.error({ slot, err }, 'media worker failed to start; retrying'),
        },
      );
      const started = new MediaService(pool, options, log, undefined);
      service = started;
      if (bus) {
        started.crossNode = new CrossNode(
          bus,
          {
            room: (roomId) => started.rooms.get(roomId),
            trackAdded: (room, producer) => started.offer(room, producer),
            restart: (room, reason) => started.restartRoom(room, reason),
            listenInfo: () => started.listenInfo(),
          },
          log,
        );
        started.crossNode.start();
      }
      log.info(
        { workers: pool.size, pids: pool.live().map(({ worker }) => worker.pid) },
        'media workers started',
      );
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      log.warn({ reason }, 'media unavailable: chat and drops run, video requests are refused');
      service = new MediaService(undefined, options, log, reason);
    }
    return service;
  }

  /** A service that refuses every request (MEDIA_ENABLED=false). */
  static disabled(log: MediaLog): MediaService {
    log.info({}, 'media disabled (MEDIA_ENABLED=false)');
    return new MediaService(undefined, DISABLED, log, 'Media is disabled on this server');
  }

  get available(): boolean {
    return this.pool !== undefined && !this.closed;
  }

  /** Worker pids by slot, for tests and operators. */
  workerPids(): (number | undefined)[] {
    return Array.from({ length: this.pool?.size ?? 0 }, (_, slot) => this.pool?.worker(slot)?.pid);
  }

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
      const entry = direction === 'send' ? room.origin : this.place(room, need);
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
        void this.crossNode?.announce(room);
      });
      this.offer(room, producer, link.id);
      void this.crossNode?.announce(room);
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
    if (room.peers.size === 0) this.dispose(room);
  }

  /**
   * The stream ended (or its room closed here): everything of it goes, and the connections using
   * it are told (`media:closed`), so their SDKs stop rather than set up again.
   */
  closeRoom(roomId: string, reason = 'the stream ended'): void {
    const room = this.rooms.get(roomId);
    if (!room) return;
    const peers = [...room.peers.values()];
    this.dispose(room);
    for (const peer of peers) peer.send('media:closed', { roomId, reason });
  }

  stats(): MediaStats {
    let producers = 0;
    let consumers = 0;
    for (const room of this.rooms.values()) producers += room.tracks.size;
    const workers = (this.pool?.live() ?? []).map(({ slot, worker }) => {
      const entries = this.bySlot.get(slot) ?? new Set();
      let load = 0;
      for (const entry of entries) load += entry.consumers;
      consumers += load;
      return { slot, pid: worker.pid, routers: entries.size, consumers: load };
    });
    return { rooms: this.rooms.size, producers, consumers, overBudget: this.overBudget, workers };
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

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const room of [...this.rooms.values()]) this.dispose(room);
    this.crossNode?.close();
    this.pool?.close();
  }

  /** A new track in a room: piped to the room's other routers, offered to its viewers. */
  private offer(room: RoomMedia, producer: types.Producer, publisher?: string): void {
    for (const entry of room.entries.values()) {
      if (entry === room.origin) continue;
      entry.then(
        (router) => room.pipe(producer.id, router),
        (err) => this.log.warn({ err, room: room.id, slot: entry.slot }, 'media pipe failed'),
      );
    }
    for (const peer of room.peers.values())
      if (peer.link.id !== publisher)
        peer.send('media:track', { roomId: room.id, producerId: producer.id, kind: producer.kind });
  }

  /** Starts a stream's media over here: everyone using it sets it up again. */
  private restartRoom(room: RoomMedia, reason: string): void {
    const peers = [...room.peers.values()];
    this.dispose(room);
    for (const peer of peers) peer.send('media:restart', { roomId: room.id, reason });
  }

  private async room(roomId: string): Promise<RoomMedia> {
    if (!this.pool || this.closed)
      // the reason (a path, a configuration) is for the log, not for clients
      throw new CodedError(
        'MEDIA_UNAVAILABLE',
        'Video is unavailable on this server for now; chat and drops still work',
      );
    let room = this.rooms.get(roomId);
    if (!room) {
      const slot = this.leastLoaded(this.pool.live().map((w) => w.slot));
      if (slot === undefined)
        throw new CodedError('MEDIA_UNAVAILABLE', 'No media worker is running; retry shortly');
      const fresh = new RoomMedia(roomId, this.newEntry(slot));
      this.rooms.set(roomId, fresh);
      const { crossNode } = this;
      if (crossNode) {
        fresh.following = fresh.origin.ready.then(() => crossNode.attach(fresh));
        fresh.following.catch(() => undefined);
      }
      room = fresh;
    }
    const created = room;
    await room.origin.ready.catch((error: unknown) => {
      this.dispose(created);
      throw this.mediaFailure(error);
    });
    await room.following.catch((err: unknown) => {
      // without the bus this node cannot tell whether another node publishes the stream
      this.log.warn({ err, room: roomId }, 'could not look for the stream on other nodes');
      this.dispose(created);
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

  /**
   * Where a new viewer goes: the first router of the stream whose worker has room for the
   * viewer's consumers; else a new router, piped from the origin, on the least-loaded worker
   * not serving the stream yet; else (every worker at its budget) the least-loaded one.
   */
  private place(room: RoomMedia, need: number): RouterEntry {
    const budget = this.options.consumersPerWorker;
    for (const entry of room.entries.values())
      if (this.pool?.worker(entry.slot) && this.load(entry.slot) + need <= budget) return entry;
    const others = (this.pool?.live() ?? []).map((w) => w.slot).filter((s) => !room.entries.has(s));
    const free = this.leastLoaded(others);
    if (free !== undefined && this.load(free) + need <= budget) return this.addRouter(room, free);
    this.overBudget += 1;
    const all = [...room.entries.keys(), ...others];
    const slot = this.leastLoaded(all) ?? room.origin.slot;
    this.log.warn(
      { room: room.id, slot, budget },
      'every media worker is at its consumer budget; placing a viewer over it',
    );
    return room.entries.get(slot) ?? this.addRouter(room, slot);
  }

  private addRouter(room: RoomMedia, slot: number): RouterEntry {
    const entry = this.newEntry(slot);
    room.entries.set(slot, entry);
    for (const producerId of room.tracks.keys())
      entry.then(
        (router) => room.pipe(producerId, router),
        (err) => this.log.warn({ err, room: room.id, slot }, 'media pipe failed'),
      );
    this.log.info({ room: room.id, slot, routers: room.entries.size }, 'stream piped to a worker');
    return entry;
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

  private dispose(room: RoomMedia): void {
    if (this.rooms.get(room.id) === room) this.rooms.delete(room.id);
    for (const entry of room.entries.values()) this.bySlot.get(entry.slot)?.delete(entry);
    room.close();
    this.crossNode?.detach(room);
  }

  /**
   * A worker died: its routers are gone. A stream whose origin was there starts over (everyone in
   * it is told to set up media again); one that only had viewers there loses that router, and
   * those viewers are told to reconnect their media.
   */
  private workerDied(slot: number, error: Error): void {
    const affected = [...this.rooms.values()].filter((room) => room.entries.has(slot));
    this.log.error(
      { slot, err: error, streams: affected.length },
      'media worker died; replacing it and moving its streams',
    );
    for (const room of affected) {
      const reason = 'media worker restarted';
      if (room.origin.slot === slot) {
        this.restartRoom(room, reason);
        continue;
      }
      const lost = room.entries.get(slot);
      room.entries.delete(slot);
      if (lost) this.bySlot.get(slot)?.delete(lost);
      for (const peer of room.peers.values()) {
        const onLost = [...peer.transports.values()].some((t) => t.entry === lost);
        if (!onLost) continue;
        peer.close();
        peer.send('media:restart', { roomId: room.id, reason });
      }
    }
    this.bySlot.delete(slot);
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

  /** Where transports listen: the media address, what clients are told, the port range. */
  listenInfo(): { ip: string; announcedAddress?: string; portRange: PortRange } {
    const { listenIp: ip, announcedAddress, rtcMinPort: min, rtcMaxPort: max } = this.options;
    const portRange = { min, max };
    return announcedAddress === undefined ? { ip, portRange } : { ip, announcedAddress, portRange };
  }
}
