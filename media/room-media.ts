import { randomUUID } from 'node:crypto';
import type { types } from 'mediasoup';
import type { PeerLink } from './types.js';

/** A stream's router on one worker, with the load the service places on it. */
export class RouterEntry {
  router: types.Router | undefined;
  /** Consumers on this router (viewers', and pipe consumers feeding other routers). */
  consumers = 0;
  /** Consumers recv transports placed here are expected to take, and have not yet. */
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

  /**
   * Queues `step` to run with the router once it exists and what is queued before has run (skipped
   * if the router is gone by then); a failed step goes to `failed` and does not block later ones.
   * Not named `then`: that would make an entry a thenable, which `await` would call.
   */
  whenRouter(step: (router: types.Router) => Promise<void>, failed: (err: unknown) => void): void {
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

/** A track piped in from another node (rather than published here). */
export const isPiped = (producer: types.Producer): boolean => producer.appData['piped'] === true;

/** The node a follower room pipes its tracks from. */
export interface RemoteOrigin {
  node: string;
  epoch: string;
  /** This node's end of the pipe, on the room's first router. */
  pipe: types.PipeTransport;
  /** The origin's id of its end. */
  pipeId: string;
}

/** A transport of one connection, and the router it is on. */
export interface PeerTransport {
  transport: types.WebRtcTransport;
  entry: RouterEntry;
  direction: 'send' | 'recv';
  /** Consumers this (recv) transport is expected to take and has not yet: pending load. */
  reserved: number;
}

/** One connection's media in one room. */
export class PeerMedia {
  readonly transports = new Map<string, PeerTransport>();
  readonly consumers = new Map<string, types.Consumer>();
  readonly producers = new Map<string, types.Producer>();

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
  /** The tracks viewers here can consume: the host's producers, or pipes from the origin node. */
  readonly tracks = new Map<string, types.Producer>();
  readonly peers = new Map<string, PeerMedia>();
  /** This instance of the stream's media, as announced to other nodes. */
  readonly epoch = randomUUID();
  /** Set while the tracks come from another node's router. */
  remote: RemoteOrigin | undefined;
  /** Pipes other nodes opened to this (origin) room, by id. */
  readonly servedPipes = new Map<string, types.PipeTransport>();
  /** Settles once the room follows its origin node, when there is one. */
  following: Promise<void> = Promise.resolve();
  stopListening: (() => void) | undefined;
  closed = false;

  constructor(
    readonly id: string,
    readonly origin: RouterEntry,
  ) {
    this.entries.set(origin.slot, origin);
  }

  /** Tracks published on this node (not piped from another). */
  localTracks(): { producerId: string; kind: types.MediaKind }[] {
    return [...this.tracks.values()]
      .filter((p) => !isPiped(p))
      .map((p) => ({ producerId: p.id, kind: p.kind }));
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
    this.stopListening?.();
    this.remote?.pipe.close();
    for (const pipe of this.servedPipes.values()) pipe.close();
    this.servedPipes.clear();
    for (const peer of this.peers.values()) peer.close();
    this.peers.clear();
    for (const entry of this.entries.values()) entry.close();
    this.entries.clear();
    this.tracks.clear();
  }
}
