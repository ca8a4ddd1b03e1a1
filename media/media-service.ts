import type {
  DtlsParameters,
  Layers,
  MediaKind,
  PublishedTrack,
  RtpCapabilities,
  RtpParameters,
  TransportOptions,
} from '../client-sdk/src/protocol/index.js';
import type { MediaBusPort } from './bus.js';
import { MediaRooms } from './media-rooms.js';
import { Placement } from './placement.js';
import { MediaSignalling, type Consumed } from './signalling.js';
import { MediaTelemetry, type MediaStats } from './telemetry.js';
import type { ListenInfo, MediaLog, MediaOptions, PeerLink } from './types.js';
import { WorkerPool } from './worker-pool.js';

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

/**
 * The media side of live streams, on mediasoup: a worker pool, a router per stream (more when it
 * outgrows a worker), the host's producers and viewers' consumers. Requests come from the socket
 * handlers, which check who may do what; media checks that ids belong to the caller.
 * `start` never fails: without a worker, every request gets MEDIA_UNAVAILABLE.
 *
 * This class puts the pieces together and delegates to them: {@link MediaSignalling} (the
 * requests), {@link Placement} (workers, routers, consumer budgets, piping), {@link MediaRooms}
 * (each stream's media and its lifecycle) and {@link MediaTelemetry} (the numbers).
 */
export class MediaService {
  private closed = false;
  private readonly rooms: MediaRooms;
  private readonly signalling: MediaSignalling;
  private readonly telemetry: MediaTelemetry;

  private constructor(
    private readonly pool: WorkerPool | undefined,
    private readonly options: MediaOptions,
    log: MediaLog,
    readonly unavailableReason: string | undefined,
    bus?: MediaBusPort,
  ) {
    const placement = new Placement(pool, options.consumersPerWorker, log);
    const listenInfo = () => this.listenInfo();
    this.rooms = new MediaRooms(pool, placement, log, bus, listenInfo);
    this.signalling = new MediaSignalling(this.rooms, placement, options, log, listenInfo);
    this.telemetry = new MediaTelemetry(pool, this.rooms.all, placement);
  }

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
          died: (slot, err) => service?.rooms.workerDied(slot, err),
          replaced: (slot, pid) => log.info({ slot, pid }, 'media worker replaced'),
          failed: (slot, err) => log.error({ slot, err }, 'media worker failed to start; retrying'),
        },
      );
      service = new MediaService(pool, options, log, undefined, bus);
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
    return this.signalling.capabilities(link, roomId);
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
    return this.signalling.createTransport(link, roomId, direction);
  }

  /** Connects one of the caller's transports (DTLS). */
  connect(
    link: PeerLink,
    roomId: string,
    transportId: string,
    dtlsParameters: DtlsParameters,
  ): Promise<void> {
    return this.signalling.connect(link, roomId, transportId, dtlsParameters);
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
    return this.signalling.produce(link, roomId, transportId, kind, rtpParameters);
  }

  /** A paused consumer of a room's track, on the caller's recv transport. */
  consume(
    link: PeerLink,
    roomId: string,
    transportId: string,
    producerId: string,
    rtpCapabilities: RtpCapabilities,
  ): Promise<Consumed> {
    return this.signalling.consume(link, roomId, transportId, producerId, rtpCapabilities);
  }

  /** Starts a consumer's media, with a keyframe so the picture starts at once. */
  resume(link: PeerLink, roomId: string, consumerId: string): Promise<void> {
    return this.signalling.resume(link, roomId, consumerId);
  }

  /** The simulcast or SVC layers a consumer prefers to receive. */
  setLayers(link: PeerLink, roomId: string, consumerId: string, layers: Layers): Promise<void> {
    return this.signalling.setLayers(link, roomId, consumerId, layers);
  }

  /**
   * Closes a connection's media in a room (it left, or stopped watching): all of it, or only its
   * publishing (`send`) or watching (`recv`) side.
   */
  leave(peerId: string, roomId: string, direction?: 'send' | 'recv'): void {
    this.signalling.leave(peerId, roomId, direction);
  }

  /**
   * The stream ended (or its room closed here): everything of it goes, and the connections using
   * it are told (`media:closed`), so their SDKs stop rather than set up again.
   */
  closeRoom(roomId: string, reason = 'the stream ended'): void {
    this.rooms.closeRoom(roomId, reason);
  }

  /** Counts for metrics: streams, tracks, consumers, and each live worker's load. */
  stats(): MediaStats {
    return this.telemetry.stats();
  }

  /** A stream's routers: the worker slot of each, and its consumers (the origin first). */
  routersOf(roomId: string): { slot: number; consumers: number; origin: boolean }[] {
    return this.telemetry.routersOf(roomId);
  }

  /** CPU seconds each live worker has used. */
  cpu(): Promise<{ slot: number; seconds: number }[]> {
    return this.telemetry.cpu();
  }

  /** Bits per second received from hosts and sent to viewers, over every transport. */
  bitrates(): Promise<{ received: number; sent: number }> {
    return this.telemetry.bitrates();
  }

  /** Closes every stream's media and the workers; safe to call twice. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.rooms.close();
    this.pool?.close();
  }

  /** Where transports listen: the media address, what clients are told, the port range. */
  listenInfo(): ListenInfo {
    const { listenIp: ip, announcedAddress, rtcMinPort: min, rtcMaxPort: max } = this.options;
    const portRange = { min, max };
    return announcedAddress === undefined ? { ip, portRange } : { ip, announcedAddress, portRange };
  }
}
