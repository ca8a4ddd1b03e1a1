import type { PublishedTrack } from '../client-sdk/src/protocol/index.js';

/** The node publishing a stream's tracks, and which of its stream media instances (`epoch`). */
export interface MediaOrigin {
  node: string;
  epoch: string;
  tracks: PublishedTrack[];
}

/**
 * How the media of several nodes find each other: which node publishes a stream (announced with
 * a time to live, refreshed while it publishes), and requests from one node to another (to set
 * up pipe transports between their routers). Memory and Redis implementations pass one contract
 * suite (`test/contracts/media-bus.contract.ts`).
 */
export interface MediaBusPort {
  /** This node's id, unique among the nodes sharing the bus. */
  readonly nodeId: string;
  /** Records `origin` as the room's publisher for `ttlMs`, and tells the room's listeners. */
  announce(roomId: string, origin: MediaOrigin, ttlMs: number): Promise<void>;
  /** Withdraws the room's origin if it still is `epoch` (a newer one stays), and says so. */
  withdraw(roomId: string, epoch: string): Promise<void>;
  /** The room's current origin, or null when no node publishes it. */
  origin(roomId: string): Promise<MediaOrigin | null>;
  /** Calls `listener` with every announcement (null: withdrawn); resolves with the unsubscribe. */
  listen(roomId: string, listener: (origin: MediaOrigin | null) => void): Promise<() => void>;
  /** Sends a request to a node; rejects with its error, or after `timeoutMs` without an answer. */
  request(node: string, body: unknown, timeoutMs: number): Promise<unknown>;
  /** Answers the requests sent to this node (one handler; a later call replaces it). */
  serve(handler: (body: unknown, from: string) => Promise<unknown>): Promise<void>;
  close(): void;
}
