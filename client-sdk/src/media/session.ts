import { Device, type types } from 'mediasoup-client';
import { CodedError } from '../protocol/error-codes.js';
import type {
  ClientEventName,
  ClientRequest,
  ClientResponse,
  Layers,
  PublishedTrack,
  TransportOptions,
} from '../protocol/index.js';

/** What a media session needs from its room: requests that wait for the room to be in sync. */
export interface MediaChannel {
  request<E extends ClientEventName>(
    event: E,
    payload: ClientRequest<E>,
  ): Promise<ClientResponse<E>>;
  /** Reports a failure no call is waiting for. */
  failed(error: CodedError): void;
}

/** Options for `publish`. */
export interface PublishOptions {
  /**
   * Simulcast layers for video, lowest first (default three: a quarter, half and full
   * resolution at 150 kbit/s, 500 kbit/s and 1.5 Mbit/s). Pass `[]` to send one layer.
   */
  simulcast?: { scaleResolutionDownBy: number; maxBitrate: number }[];
}

/** Options for `watch`. */
export interface WatchOptions {
  /** The simulcast layers to prefer (0 is the lowest); the server goes lower when bandwidth drops. */
  preferredLayers?: Layers;
}

/** Video receive figures, summed over the video consumers. */
export interface VideoStats {
  /** The video consumers counted (new ones after the media was set up again). */
  consumers: string[];
  framesDecoded: number;
  bytesReceived: number;
  frameWidth: number | null;
  frameHeight: number | null;
}

/** Sent video figures, summed over the layers of the video being published. */
export interface SentVideoStats {
  bytesSent: number;
  framesEncoded: number;
  /** The largest layer's size. */
  frameWidth: number | null;
  frameHeight: number | null;
  /** Why the browser sends less than asked (`cpu`, `bandwidth`), or null. */
  qualityLimitation: string | null;
}

const DEFAULT_SIMULCAST = [
  { scaleResolutionDownBy: 4, maxBitrate: 150_000 },
  { scaleResolutionDownBy: 2, maxBitrate: 500_000 },
  { scaleResolutionDownBy: 1, maxBitrate: 1_500_000 },
];
const RESTART_FIRST_MS = 250;
const RESTART_MAX_MS = 5000;

/**
 * One publication or viewing in a room. It sets itself up again (after a reconnect, or when the
 * server says its media was lost) until closed.
 */
abstract class MediaSession {
  protected device: Device | undefined;
  protected transport: types.Transport | undefined;
  private queue: Promise<void> = Promise.resolve();
  private restartTimer: ReturnType<typeof setTimeout> | undefined;
  private restartDelay = RESTART_FIRST_MS;
  private closedFlag = false;

  constructor(
    protected readonly channel: MediaChannel,
    readonly roomId: string,
    readonly direction: 'send' | 'recv',
  ) {}

  get closed(): boolean {
    return this.closedFlag;
  }

  /** Sets up media; rejects if the first attempt fails (later restarts retry by themselves). */
  start(): Promise<void> {
    return this.serial(() => this.setUp());
  }

  /** Tears down what is left locally and sets up again, retrying with backoff until it works. */
  restart(): void {
    if (this.closedFlag) return;
    clearTimeout(this.restartTimer);
    this.serial(async () => {
      this.tearDown();
      await this.setUp();
      this.restartDelay = RESTART_FIRST_MS;
    }).catch((error: unknown) => {
      if (this.closedFlag) return;
      this.channel.failed(asError(error));
      this.restartTimer = setTimeout(() => this.restart(), this.restartDelay);
      this.restartDelay = Math.min(this.restartDelay * 2, RESTART_MAX_MS);
    });
  }

  /** Stops publishing or watching; the server closes this connection's media in the room. */
  async close(): Promise<void> {
    if (this.closedFlag) return;
    this.closedFlag = true;
    clearTimeout(this.restartTimer);
    this.tearDown();
    await this.channel
      .request('media:close', { roomId: this.roomId, direction: this.direction })
      .catch(() => undefined);
  }

  /** @internal server events for this room */
  onTrack(_track: PublishedTrack): void {}
  /** @internal */
  onConsumerClosed(_consumerId: string): void {}

  protected serial(step: () => Promise<void>): Promise<void> {
    const run = this.queue.then(() => (this.closedFlag ? undefined : step()));
    this.queue = run.catch(() => undefined);
    return run;
  }

  protected async setUp(): Promise<void> {
    const { rtpCapabilities, tracks } = await this.channel.request('media:capabilities', {
      roomId: this.roomId,
    });
    const device = new Device();
    await device.load({ routerRtpCapabilities: rtpCapabilities as types.RtpCapabilities });
    this.device = device;
    const options = await this.channel.request('media:transport', {
      roomId: this.roomId,
      direction: this.direction,
    });
    this.transport = this.openTransport(device, options);
    await this.ready(tracks);
  }

  protected tearDown(): void {
    this.transport?.close();
    this.transport = undefined;
  }

  /** Publishes, or consumes the room's tracks, once the transport exists. */
  protected abstract ready(tracks: PublishedTrack[]): Promise<void>;

  private openTransport(device: Device, options: TransportOptions): types.Transport {
    const init = {
      id: options.transportId,
      iceParameters: options.iceParameters as types.IceParameters,
      iceCandidates: options.iceCandidates as types.IceCandidate[],
      dtlsParameters: options.dtlsParameters as types.DtlsParameters,
    };
    const transport =
      this.direction === 'send'
        ? device.createSendTransport(init)
        : device.createRecvTransport(init);
    transport.on('connect', ({ dtlsParameters }, done, fail) => {
      this.channel
        .request('media:connect', {
          roomId: this.roomId,
          transportId: transport.id,
          dtlsParameters: dtlsParameters,
        })
        .then(() => done(), fail);
    });
    transport.on('connectionstatechange', (state) => {
      // ICE or DTLS gave up (the server restarted, or the network changed): start over
      if (state === 'failed' && this.transport === transport) this.restart();
    });
    return transport;
  }
}

/** A host's camera and microphone, sent to the room (with simulcast for video). */
export class Publication extends MediaSession {
  private producers: types.Producer[] = [];

  constructor(
    channel: MediaChannel,
    roomId: string,
    readonly stream: MediaStream,
    private readonly options: PublishOptions = {},
  ) {
    super(channel, roomId, 'send');
  }

  protected override async ready(): Promise<void> {
    const transport = this.transport;
    if (!transport) return;
    transport.on('produce', ({ kind, rtpParameters }, done, fail) => {
      this.channel
        .request('media:produce', {
          roomId: this.roomId,
          transportId: transport.id,
          kind,
          rtpParameters: rtpParameters as ClientRequest<'media:produce'>['rtpParameters'],
        })
        .then(({ producerId }) => done({ id: producerId }), fail);
    });
    const layers = this.options.simulcast ?? DEFAULT_SIMULCAST;
    for (const track of this.stream.getTracks()) {
      if (track.readyState === 'ended') continue;
      const simulcast = track.kind === 'video' && layers.length > 1;
      this.producers.push(
        await transport.produce({
          track,
          stopTracks: false,
          ...(simulcast ? { encodings: layers.map((l) => ({ ...l })) } : {}),
          ...(track.kind === 'video' ? { codecOptions: { videoGoogleStartBitrate: 1000 } } : {}),
        }),
      );
    }
  }

  /**
   * Sent video figures, summed over the video producer's simulcast layers (from the browser's
   * WebRTC stats): the host console's stream health.
   */
  async videoStats(): Promise<SentVideoStats> {
    const totals: SentVideoStats = {
      bytesSent: 0,
      framesEncoded: 0,
      frameWidth: null,
      frameHeight: null,
      qualityLimitation: null,
    };
    for (const producer of this.producers) {
      if (producer.kind !== 'video' || producer.closed) continue;
      const report = await producer.getStats();
      report.forEach((entry: Record<string, unknown>) => {
        if (entry['type'] !== 'outbound-rtp') return;
        totals.bytesSent += Number(entry['bytesSent'] ?? 0);
        // each layer encodes the same frames: the top layer's count is the stream's
        totals.framesEncoded = Math.max(totals.framesEncoded, Number(entry['framesEncoded'] ?? 0));
        const width = Number(entry['frameWidth'] ?? 0);
        if (width > (totals.frameWidth ?? 0)) {
          totals.frameWidth = width;
          totals.frameHeight = Number(entry['frameHeight'] ?? 0);
        }
        const limited = entry['qualityLimitationReason'];
        if (typeof limited === 'string' && limited !== 'none') totals.qualityLimitation = limited;
      });
    }
    return totals;
  }

  protected override tearDown(): void {
    this.producers = [];
    super.tearDown();
  }
}

/** A viewer's picture: the host's tracks, played in a video element. */
export class Viewing extends MediaSession {
  private readonly consumers = new Map<string, types.Consumer>();
  /** The tracks being played: set as the element's `srcObject` whenever they change. */
  stream: MediaStream | null = null;

  constructor(
    channel: MediaChannel,
    roomId: string,
    readonly element: HTMLVideoElement | null,
    private readonly options: WatchOptions = {},
  ) {
    super(channel, roomId, 'recv');
  }

  /** Asks for other simulcast layers (0 is the lowest). */
  async setPreferredLayers(layers: Layers): Promise<void> {
    this.options.preferredLayers = layers;
    for (const consumer of this.consumers.values())
      if (consumer.kind === 'video')
        await this.channel.request('media:layers', {
          roomId: this.roomId,
          consumerId: consumer.id,
          ...layers,
        });
  }

  /** Decoded-frame figures of the video being received (from the browser's WebRTC stats). */
  async videoStats(): Promise<VideoStats> {
    const totals: VideoStats = {
      consumers: [],
      framesDecoded: 0,
      bytesReceived: 0,
      frameWidth: null,
      frameHeight: null,
    };
    for (const consumer of this.consumers.values()) {
      if (consumer.kind !== 'video' || consumer.closed) continue;
      totals.consumers.push(consumer.id);
      const report = await consumer.getStats();
      report.forEach((entry: Record<string, unknown>) => {
        if (entry['type'] !== 'inbound-rtp') return;
        totals.framesDecoded += Number(entry['framesDecoded'] ?? 0);
        totals.bytesReceived += Number(entry['bytesReceived'] ?? 0);
        if (typeof entry['frameWidth'] === 'number') totals.frameWidth = entry['frameWidth'];
        if (typeof entry['frameHeight'] === 'number') totals.frameHeight = entry['frameHeight'];
      });
    }
    return totals;
  }

  override onTrack(track: PublishedTrack): void {
    this.serial(() => this.consume(track)).catch((error: unknown) =>
      this.channel.failed(asError(error)),
    );
  }

  override onConsumerClosed(consumerId: string): void {
    const consumer = this.consumers.get(consumerId);
    if (!consumer) return;
    consumer.close();
    this.consumers.delete(consumerId);
    this.play();
  }

  protected override async ready(tracks: PublishedTrack[]): Promise<void> {
    for (const track of tracks) await this.consume(track);
  }

  protected override tearDown(): void {
    for (const consumer of this.consumers.values()) consumer.close();
    this.consumers.clear();
    super.tearDown();
    this.play();
  }

  private async consume(track: PublishedTrack): Promise<void> {
    const { transport, device } = this;
    if (!transport || !device) return;
    if ([...this.consumers.values()].some((c) => c.producerId === track.producerId)) return;
    const answer = await this.channel.request('media:consume', {
      roomId: this.roomId,
      transportId: transport.id,
      producerId: track.producerId,
      rtpCapabilities:
        device.recvRtpCapabilities as ClientRequest<'media:consume'>['rtpCapabilities'],
    });
    const consumer = await transport.consume({
      id: answer.consumerId,
      producerId: answer.producerId,
      kind: answer.kind,
      rtpParameters: answer.rtpParameters as types.RtpParameters,
    });
    this.consumers.set(consumer.id, consumer);
    this.play();
    await this.channel.request('media:resume', { roomId: this.roomId, consumerId: consumer.id });
    const layers = this.options.preferredLayers;
    if (layers && consumer.kind === 'video')
      await this.channel.request('media:layers', {
        roomId: this.roomId,
        consumerId: consumer.id,
        ...layers,
      });
  }

  /** Puts the current tracks in a fresh MediaStream on the element. */
  private play(): void {
    const tracks = [...this.consumers.values()].filter((c) => !c.closed).map((c) => c.track);
    this.stream = tracks.length > 0 ? new MediaStream(tracks) : null;
    if (!this.element) return;
    this.element.srcObject = this.stream;
    if (this.stream) this.element.play().catch(() => undefined);
  }
}

function asError(error: unknown): CodedError {
  if (error instanceof CodedError) return error;
  return new CodedError(
    'INTERNAL',
    `media: ${error instanceof Error ? error.message : String(error)}`,
  );
}
