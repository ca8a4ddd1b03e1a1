import type {
  HttpRequest,
  HttpResponse,
  RecognizedString,
  WebSocket,
  WebSocketBehavior,
} from 'uWebSockets.js';
import { errorBody } from '../../client-sdk/src/protocol/index.js';
import { ackFrame, connectErrorFrame, eventFrame, packetHead } from './packets.js';
import type { TemplatedApp } from './uws.js';

/** WebSocket close codes we send (RFC 6455, section 7.4.1). */
export const CLOSE = {
  NORMAL: 1000,
  GOING_AWAY: 1001,
  PROTOCOL_ERROR: 1002,
  TOO_BIG: 1009,
} as const;

/** What a connection's close frame will say, set before socket.io closes it. */
interface CloseNote {
  closeCode?: number;
  closeReason?: string;
  /** socket.io accepted its CONNECT (a refusal then goes as server:error, not connect_error). */
  connected?: boolean;
}

/**
 * Which connection's message socket.io is reading right now: set for each inbound message,
 * cleared at the end of the turn. socket.io closes a connection whose message it cannot decode
 * right away, with no code and (before the CONNECT) no answer: a close while its message is read
 * is that, and gets `connect_error` with BAD_REQUEST (before the CONNECT) and 1002.
 */
export class DecodeWatch {
  private current: unknown = null;
  private clearing = false;

  /** An inbound message of this connection (its uWS WebSocket) is about to be read. */
  reading(ws: unknown): void {
    this.current = ws;
    if (this.clearing) return;
    this.clearing = true;
    queueMicrotask(() => {
      this.current = null;
      this.clearing = false;
    });
  }

  isReading(ws: unknown): boolean {
    return ws !== null && ws !== undefined && this.current === ws;
  }
}

/** socket.io accepted this connection's CONNECT. */
export function noteConnected(ws: unknown): void {
  const note = userDataOf(ws);
  if (note) note.connected = true;
}

/**
 * Sets the close frame a connection will get when socket.io or Engine.IO closes it (they close
 * without a code, which a client reads as 1005). A uWS WebSocket's user data carries it.
 */
export function noteClose(ws: unknown, code: number, reason: string): void {
  const note = userDataOf(ws);
  if (!note) return;
  note.closeCode ??= code;
  note.closeReason ??= reason;
}

/** A uWS WebSocket's user data, where the close note lives (none once it closed). */
function userDataOf(ws: unknown): CloseNote | undefined {
  try {
    const data = (ws as { getUserData?: () => unknown } | undefined)?.getUserData?.();
    return typeof data === 'object' && data !== null ? data : undefined;
  } catch {
    return undefined; // closed already (uWS throws on a closed socket)
  }
}

/** Told of frames refused here and of connections uWS itself cut for a protocol error. */
export interface FrameObserver {
  oversized(bytes: number): void;
  /** uWS closed the connection without a close frame (the client sees 1006), with its reason. */
  cut(reason: string): void;
}

/**
 * The most uWS reads of one message before it cuts the connection itself (TCP closed, no close
 * frame: uWS does so for any protocol violation). Messages between `maxFrameBytes` and this are
 * read and refused here with a 1009 close frame; a frame announcing more than this is cut as soon
 * as its header arrives, so no client can make the server buffer more.
 */
export function readLimit(maxFrameBytes: number): number {
  return Math.max(2 * maxFrameBytes, maxFrameBytes + (64 << 10));
}

/**
 * The uWS app as socket.io's engine sees it, with its WebSocket behaviour wrapped so that a
 * message over `maxFrameBytes` gets an answer before a 1009 close: a CONNECT gets socket.io's
 * CONNECT_ERROR (the client's `connect_error`, with `PAYLOAD_TOO_LARGE`), an event with an ack
 * gets its ack with the error, any other event `server:error`. Every other method is the app's.
 */
export function framedApp(
  app: TemplatedApp,
  maxFrameBytes: number,
  observer: FrameObserver,
  watch: DecodeWatch,
): TemplatedApp {
  return wrappedApp(app, {
    ws: (behavior) => guard(behavior, maxFrameBytes, observer, watch),
  });
}

/** What a wrapped app changes: the WebSocket behaviour it registers, and its `any` handlers. */
export interface AppWrapping {
  ws?: (behavior: WebSocketBehavior<unknown>) => WebSocketBehavior<unknown>;
  any?: (
    handler: (res: HttpResponse, req: HttpRequest) => void,
  ) => (res: HttpResponse, req: HttpRequest) => void;
}

/**
 * The uWS app with what socket.io registers on it wrapped: every other method is the app's, and
 * chained calls (`app.any(...).ws(...)`) stay on the wrapper.
 */
export function wrappedApp(app: TemplatedApp, wrap: AppWrapping): TemplatedApp {
  const proxy: TemplatedApp = new Proxy(app, {
    get(target, property, receiver) {
      const { ws, any } = wrap;
      if (property === 'ws' && ws)
        return (pattern: string, behavior: WebSocketBehavior<unknown>) => {
          target.ws(pattern, ws(behavior));
          return proxy;
        };
      if (property === 'any' && any)
        return (pattern: string, handler: (res: HttpResponse, req: HttpRequest) => void) => {
          target.any(pattern, any(handler));
          return proxy;
        };
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        const result: unknown = (value as (...a: unknown[]) => unknown).apply(target, args);
        return result === target ? proxy : result;
      };
    },
  });
  return proxy;
}

function guard<U>(
  behavior: WebSocketBehavior<U>,
  maxFrameBytes: number,
  observer: FrameObserver,
  watch: DecodeWatch,
): WebSocketBehavior<U> {
  const { message, close, open } = behavior;
  return {
    ...behavior,
    maxPayloadLength: readLimit(maxFrameBytes),
    open: (ws) => {
      // socket.io closes with a bare `end()`: the code noted for this connection goes in
      const end = ws.end.bind(ws);
      ws.end = (code?: number, reason?: RecognizedString) => {
        const note = userDataOf(ws) ?? {};
        if (code === undefined && note.closeCode === undefined && watch.isReading(ws)) {
          const text = 'Malformed packet; closing the connection';
          if (!note.connected)
            ws.send(connectErrorFrame('/', text, errorBody('BAD_REQUEST', text)));
          return end(CLOSE.PROTOCOL_ERROR, 'Malformed packet');
        }
        return end(code ?? note.closeCode ?? CLOSE.NORMAL, reason ?? note.closeReason ?? '');
      };
      void open?.(ws);
    },
    message: (ws, data, isBinary) => {
      if (data.byteLength <= maxFrameBytes) {
        void message?.(ws, data, isBinary);
        return;
      }
      observer.oversized(data.byteLength);
      refuse(ws, isBinary ? undefined : Buffer.from(data, 0, 200).toString('utf8'), maxFrameBytes);
    },
    close: (ws, code, reason) => {
      // uWS reports a connection it cut for a protocol error as 1006 with its reason
      if (code === 1006 && reason.byteLength > 0) observer.cut(Buffer.from(reason).toString());
      close?.(ws, code, reason);
    },
  };
}

/** Answers an oversized message as well as its head allows, then closes with 1009. */
function refuse<U>(ws: WebSocket<U>, head: string | undefined, maxFrameBytes: number): void {
  const text = `Frames may be at most ${maxFrameBytes} bytes; closing the connection`;
  const error = errorBody('PAYLOAD_TOO_LARGE', text);
  // "4" is Engine.IO's message type; the socket.io packet follows
  const packet = head?.startsWith('4') ? packetHead(head.slice(1)) : undefined;
  if (packet?.type === 0) ws.send(connectErrorFrame(packet.nsp, text, error));
  else if (packet && packet.type === 2 && packet.ackId !== '')
    ws.send(ackFrame(packet.nsp, packet.ackId, [{ ok: false, error }]));
  else if (packet?.type === 2)
    ws.send(eventFrame(packet.nsp, 'server:error', { ...error, event: packet.event ?? 'unknown' }));
  ws.end(CLOSE.TOO_BIG, 'Message too big');
}
