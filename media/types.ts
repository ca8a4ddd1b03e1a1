import type { ServerPayload } from '../client-sdk/src/protocol/index.js';

/** The server events media sends to a connection. */
export type MediaEventName =
  'media:track' | 'media:consumer-closed' | 'media:layers' | 'media:restart' | 'media:closed';

/** How the media service reaches one connection. */
export interface PeerLink {
  /** Unique per connection (the socket id). */
  readonly id: string;
  /** Whether the connection is still up and in the room (requests may outlive either). */
  active(roomId: string): boolean;
  send<E extends MediaEventName>(event: E, payload: ServerPayload<E>): void;
}

/** What media writes to the log. */
export interface MediaLog {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

export interface MediaOptions {
  /** Workers to run (one per core is the usual choice). */
  workers: number;
  /** UDP/TCP ports for WebRTC transports. */
  rtcMinPort: number;
  rtcMaxPort: number;
  /** The local address transports listen on (0.0.0.0 to listen on every interface). */
  listenIp: string;
  /** The address clients should send to, when it differs from `listenIp` (NAT, containers). */
  announcedAddress: string | undefined;
  /** Consumers a worker takes before a stream is piped to a router on another worker. */
  consumersPerWorker: number;
  /** The bitrate a new transport starts sending at, before bandwidth estimation has a figure. */
  initialOutgoingBitrate: number;
  /** The most a host may send, in bits per second. */
  maxIncomingBitrate: number;
}

/** Where transports listen: the local address, the one clients are told (when it differs), ports. */
export interface ListenInfo {
  ip: string;
  announcedAddress?: string;
  portRange: { min: number; max: number };
}
