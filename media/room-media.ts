import type { types } from 'mediasoup';
import type { PeerLink } from './types.js';

/** A stream's router on one worker, with the load the service places on it. */
export class RouterEntry {
  router: types.Router | undefined;
  /** Consumers on this router (viewers', and pipe consumers feeding other routers). */
  consumers = 0;
  /** Recv transports placed here that have not consumed yet: each will soon. */
  pending = 0;
  /** Settles when the router exists and every track so far is piped to it; later pipes chain on. */
  ready: Promise<void>;

  constructor(
    readonly slot: number,
    create: () => Promise<types.Router>,
  ) {
    this.ready = create().then((router) => {
      this.router = router;
    });
  }

  /** Runs `step` after what is queued on this router; a failed step does not block later ones. */
  then(step: (router: types.Router) => Promise<void>, failed: (err: unknown) => void): void {
    this.ready = this.ready.then(async () => {
      if (this.router && !this.router.closed) await step(this.router).catch(failed);
    });
  }

  load(): number {
    return this.consumers + this.pending;
  }

  close(): void {
    this.router?.close();
    // a router still being created is closed as soon as it exists
    this.ready = this.ready.then(() => this.router?.close()).catch(() => undefined);
  }
}

/** A transport of one connection, and the router it is on. */
export interface PeerTransport {
  transport: types.WebRtcTransport;
  entry: RouterEntry;
  direction: 'send' | 'recv';
  /** A recv transport counts as pending load on its router until its first consumer. */
  consumed: boolean;
}

/** One connection's media in one room. */
export class PeerMedia {
  readonly transports = new Map<string, PeerTransport>();
  readonly consumers = new Map<string, types.Consumer>();

  constructor(
    readonly link: PeerLink,
    readonly roomId: string,
  ) {}

  send: PeerLink['send'] = (event, payload) => this.link.send(event, payload);

  /** Closes every transport (and so its producers and consumers). */
  close(): void {
    for (const { transport } of this.transports.values()) transport.close();
    this.transports.clear();
    this.consumers.clear();
  }
}

/**
 * A live stream's media: its origin router (where the host publishes), routers on other workers
 * fed by `pipeToRouter` when the origin's worker reaches its consumer budget, the host's
 * producers, and the connections using media in the room.
 */
export class RoomMedia {
  readonly entries = new Map<number, RouterEntry>();
  readonly tracks = new Map<string, types.Producer>();
  readonly peers = new Map<string, PeerMedia>();
  closed = false;

  constructor(
    readonly id: string,
    readonly origin: RouterEntry,
  ) {
    this.entries.set(origin.slot, origin);
  }

  /** Pipes one of the origin's tracks to another router of the room. */
  async pipe(producerId: string, router: types.Router): Promise<void> {
    const origin = this.origin.router;
    if (!origin || origin.closed || !this.tracks.has(producerId)) return;
    const { pipeConsumer } = await origin.pipeToRouter({ producerId, router });
    if (!pipeConsumer) return;
    this.origin.consumers += 1;
    pipeConsumer.observer.once('close', () => {
      this.origin.consumers -= 1;
    });
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const peer of this.peers.values()) peer.close();
    this.peers.clear();
    for (const entry of this.entries.values()) entry.close();
    this.entries.clear();
    this.tracks.clear();
  }
}
