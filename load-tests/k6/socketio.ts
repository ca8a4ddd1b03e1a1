/**
 * The socket.io v4 wire protocol, just enough for load: Engine.IO open/ping and Socket.IO
 * CONNECT, EVENT and ACK packets in text frames. Plain functions, no I/O, so the same framing
 * serves the `ws` load clients here and the k6 scripts.
 */

/** Engine.IO packet types used here. */
export const EIO = { open: '0', close: '1', ping: '2', pong: '3', message: '4' } as const;

/** The path and query of a WebSocket-only socket.io connection. */
export function socketIoPath(path = '/socket.io/'): string {
  return `${path}?EIO=4&transport=websocket`;
}

/** The CONNECT frame for the main namespace, with handshake auth. */
export function connectFrame(auth: Record<string, unknown> = {}): string {
  return `40${JSON.stringify(auth)}`;
}

/** An EVENT frame; with `ackId`, the server answers with an ACK carrying the same id. */
export function eventFrame(event: string, payload: unknown, ackId?: number): string {
  return `42${ackId === undefined ? '' : String(ackId)}${JSON.stringify([event, payload])}`;
}

export type Frame =
  | { kind: 'open'; sid: string; pingInterval: number }
  | { kind: 'ping' }
  | { kind: 'connected' }
  | { kind: 'connect_error'; data: unknown }
  | { kind: 'event'; event: string; payload: unknown }
  | { kind: 'ack'; id: number; payload: unknown }
  | { kind: 'close' }
  | { kind: 'other'; raw: string };

/** Parses one text frame from the server. */
export function parseFrame(raw: string): Frame {
  switch (raw[0]) {
    case EIO.open: {
      const open = JSON.parse(raw.slice(1)) as { sid: string; pingInterval: number };
      return { kind: 'open', sid: open.sid, pingInterval: open.pingInterval };
    }
    case EIO.ping:
      return { kind: 'ping' };
    case EIO.close:
      return { kind: 'close' };
    case EIO.message:
      return parsePacket(raw.slice(1));
    default:
      return { kind: 'other', raw };
  }
}

function parsePacket(packet: string): Frame {
  const type = packet[0];
  if (type === '0') return { kind: 'connected' };
  if (type === '4') return { kind: 'connect_error', data: JSON.parse(packet.slice(1)) as unknown };
  if (type === '2' || type === '3') {
    const bracket = packet.indexOf('[');
    const id = bracket > 1 ? Number(packet.slice(1, bracket)) : undefined;
    const args = JSON.parse(packet.slice(bracket)) as unknown[];
    if (type === '3') return { kind: 'ack', id: id ?? -1, payload: args[0] };
    return { kind: 'event', event: String(args[0]), payload: args[1] };
  }
  return { kind: 'other', raw: packet };
}

/** The pong answering a server ping. */
export const PONG = EIO.pong;

/** Where a session sends its frames: a `ws` socket in Node, k6's WebSocket in k6. */
export interface FrameSink {
  send(frame: string): void;
}

export interface SessionHandlers {
  /** Handshake auth, e.g. `{ token }`. */
  auth?: Record<string, unknown>;
  onConnect?(): void;
  onConnectError?(data: unknown): void;
  onEvent?(event: string, payload: unknown): void;
}

/**
 * The socket.io client side of one connection, runtime-agnostic: feed it every text frame with
 * `receive`, and it answers pings, performs the handshake, routes events and resolves acks.
 */
export class SocketIoSession {
  private nextAck = 0;
  private readonly acks = new Map<number, (payload: unknown) => void>();
  connected = false;

  constructor(
    private readonly sink: FrameSink,
    private readonly handlers: SessionHandlers = {},
  ) {}

  receive(raw: string): void {
    const frame = parseFrame(raw);
    switch (frame.kind) {
      case 'open':
        this.sink.send(connectFrame(this.handlers.auth));
        return;
      case 'ping':
        this.sink.send(PONG);
        return;
      case 'connected':
        this.connected = true;
        this.handlers.onConnect?.();
        return;
      case 'connect_error':
        this.handlers.onConnectError?.(frame.data);
        return;
      case 'event':
        this.handlers.onEvent?.(frame.event, frame.payload);
        return;
      case 'ack': {
        const resolve = this.acks.get(frame.id);
        this.acks.delete(frame.id);
        resolve?.(frame.payload);
        return;
      }
      default:
        return;
    }
  }

  /** Emits an event; with `onAck`, the server's answer is passed to it. */
  emit(event: string, payload: unknown, onAck?: (response: unknown) => void): void {
    if (!onAck) {
      this.sink.send(eventFrame(event, payload));
      return;
    }
    const id = this.nextAck++;
    this.acks.set(id, onAck);
    this.sink.send(eventFrame(event, payload, id));
  }

  /** Acks still unanswered. */
  get pendingAcks(): number {
    return this.acks.size;
  }
}
