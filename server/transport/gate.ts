import { randomBytes } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import type { HttpRequest, HttpResponse, WebSocketBehavior } from 'uWebSockets.js';
import { errorBody } from '../../client-sdk/src/protocol/index.js';
import type { Refusal } from '../admission.js';
import { noteClose, wrappedApp } from './frames.js';
import { connectErrorFrame } from './packets.js';
import type { TemplatedApp } from './uws.js';

/** RFC 6455's "Try Again Later": the server is overloaded, come back later. */
export const TRY_AGAIN_LATER = 1013;

/** What the gate needs to decide: the admission policy and where the request comes from. */
export interface GatePolicy {
  /** Null: admitted. */
  check(address: string): Refusal | null;
  /** Use the last `X-Forwarded-For` hop (a proxy in front of us) instead of the peer's address. */
  trustProxy: boolean;
  /** Headers a refused long-polling request needs for a browser on another origin to read it. */
  cors(origin: string): Readonly<Record<string, string>>;
  refused(refusal: Refusal): void;
}

interface RefusedSocket {
  refused: Refusal;
}

/**
 * The close reason a shed or refused connection gets: the code and when to come back, as JSON
 * (a close reason holds 123 bytes; this takes about 50).
 */
export function closeReason(refusal: Pick<Refusal, 'code' | 'retryAfterMs'>): string {
  return JSON.stringify({ code: refusal.code, retryAfterMs: refusal.retryAfterMs });
}

/**
 * Closes an established connection the server sheds (too slow, or too many): 1013 with the code
 * and the wait in its reason, so the client backs off instead of coming straight back.
 */
export function shed(
  socket: { conn: { transport: object; close(): void } },
  retryAfterMs: number,
): void {
  const ws = (socket.conn.transport as { socket?: unknown }).socket;
  noteClose(
    ws,
    TRY_AGAIN_LATER,
    closeReason({ code: 'OVERLOADED', retryAfterMs: Math.ceil(retryAfterMs) }),
  );
  socket.conn.close();
}

/**
 * The uWS app as socket.io's engine sees it, with new connections of its path checked first.
 * A refused WebSocket is taken by uWS alone (socket.io never sees it): it gets an Engine.IO open
 * packet, socket.io's CONNECT_ERROR with the coded refusal (the client's `connect_error`, with
 * `retryAfterMs`), and a 1013 close whose reason says the same. A refused long-polling handshake
 * gets 429 or 503 with `Retry-After` and the error envelope. Upgrades of an existing session pass.
 */
export function gatedApp(app: TemplatedApp, policy: GatePolicy): TemplatedApp {
  return wrappedApp(app, {
    ws: (behavior) => gateBehavior(behavior, policy),
    any: (handler) => (res, req) => {
      // a new long-polling session is a GET without a sid (a CORS preflight opens nothing)
      const opens = req.getMethod() === 'get' && !req.getQuery('sid');
      const refusal = opens ? policy.check(addressOf(res, req, policy)) : null;
      if (!refusal) {
        handler(res, req);
        return;
      }
      policy.refused(refusal);
      const cors = policy.cors(req.getHeader('origin'));
      res.cork(() => {
        res.writeStatus(`${refusal.status} ${STATUS_CODES[refusal.status] ?? ''}`);
        res.writeHeader('content-type', 'application/json');
        res.writeHeader('cache-control', 'no-store');
        res.writeHeader('retry-after', String(Math.max(1, Math.ceil(refusal.retryAfterMs / 1000))));
        for (const [name, value] of Object.entries(cors)) res.writeHeader(name, value);
        res.end(JSON.stringify({ ok: false, error: bodyOf(refusal) }));
      });
    },
  });
}

function gateBehavior<U>(behavior: WebSocketBehavior<U>, policy: GatePolicy): WebSocketBehavior<U> {
  const { upgrade, open, message, close } = behavior;
  const refusedOf = (ws: { getUserData(): unknown }) =>
    (ws.getUserData() as Partial<RefusedSocket> | undefined)?.refused;
  return {
    ...behavior,
    upgrade: (res, req, context) => {
      const refusal = req.getQuery('sid') ? null : policy.check(addressOf(res, req, policy));
      if (!refusal) {
        void upgrade?.(res, req, context);
        return;
      }
      policy.refused(refusal);
      const key = req.getHeader('sec-websocket-key');
      const protocol = req.getHeader('sec-websocket-protocol');
      const extensions = req.getHeader('sec-websocket-extensions');
      res.cork(() => {
        res.upgrade({ refused: refusal } as U, key, protocol, extensions, context);
      });
    },
    open: (ws) => {
      const refusal = refusedOf(ws);
      if (!refusal) {
        void open?.(ws);
        return;
      }
      ws.cork(() => {
        ws.send(engineOpenFrame());
        ws.send(connectErrorFrame('/', refusal.message, bodyOf(refusal)));
        ws.end(TRY_AGAIN_LATER, closeReason(refusal));
      });
    },
    message: (ws, data, isBinary) => {
      if (!refusedOf(ws)) void message?.(ws, data, isBinary);
    },
    close: (ws, code, reason) => {
      if (!refusedOf(ws)) close?.(ws, code, reason);
    },
  };
}

const bodyOf = (refusal: Refusal) => errorBody(refusal.code, refusal.message, refusal.retryAfterMs);

/**
 * An Engine.IO v4 open packet for a session that will not exist: enough for a client to read the
 * socket.io packet that follows (its refusal) instead of seeing a bare close.
 */
function engineOpenFrame(): string {
  const sid = randomBytes(15).toString('base64url');
  return `0${JSON.stringify({ sid, upgrades: [], pingInterval: 25_000, pingTimeout: 20_000, maxPayload: 1_000_000 })}`;
}

/** The client's address: the peer's, or the last proxy hop's when a proxy is trusted. */
function addressOf(res: HttpResponse, req: HttpRequest, policy: GatePolicy): string {
  if (policy.trustProxy) {
    const forwarded = req.getHeader('x-forwarded-for');
    const last = forwarded.split(',').pop()?.trim();
    if (last) return last;
  }
  return Buffer.from(res.getRemoteAddressAsText()).toString();
}
