import { performance } from 'node:perf_hooks';
import type { z } from 'zod';
import {
  clientEvents,
  errorBody,
  type Ack,
  type ClientEventName,
  type ErrorBody,
} from '../../client-sdk/src/protocol/index.js';
import { RoomError, takeTokens } from '../../rooms/index.js';
import type { Metrics } from '../metrics.js';
import type { AppSocket, Session } from '../session.js';
import type { HandlerTable, Services } from './context.js';

/** The event name an oversized frame is rewritten to, so it can be refused with its ack. */
const OVERSIZED = '$oversized';
const EVENT_HEAD = /^2(\/[^,]*,)?(\d*)\[\s*(?:"([^"\\]{0,64})")?/;

const isClientEvent = (event: unknown): event is ClientEventName =>
  typeof event === 'string' && Object.hasOwn(clientEvents, event);

type AckFn = (response: Ack<object>) => void;

/**
 * Wires a connection's inbound events: frame size, per-connection rate, unknown events, schema
 * validation, the handler, and exactly one answer (the ack, or `server:error` when none was given).
 */
export function attachHandlers(
  socket: AppSocket,
  session: Session,
  handlers: HandlerTable,
  services: Services,
  metrics: Metrics,
): void {
  const { limits } = services.config;
  guardFrameSize(socket, limits.maxEventBytes);

  const refuse = (event: string, ack: AckFn | undefined, error: ErrorBody) => {
    metrics.eventsIn.inc({ event: isClientEvent(event) ? event : 'unknown', outcome: error.code });
    if (ack) ack({ ok: false, error });
    else socket.emit('server:error', { ...error, event: event.slice(0, 64) });
  };

  socket.use(([event, ...args], next) => {
    const last: unknown = args.at(-1);
    const ack = typeof last === 'function' ? (last as AckFn) : undefined;
    if (event === OVERSIZED) {
      const original = typeof args[0] === 'string' ? args[0] : 'unknown';
      refuse(
        original,
        ack,
        errorBody('PAYLOAD_TOO_LARGE', `Events may be at most ${limits.maxEventBytes} bytes`),
      );
      return;
    }
    if (!isClientEvent(event)) {
      refuse(event, ack, errorBody('UNKNOWN_EVENT', `Unknown event "${event.slice(0, 64)}"`));
      return;
    }
    const { state, decision } = takeTokens(
      session.bucket,
      limits.connectionRate,
      1,
      services.now(),
    );
    session.bucket = state;
    if (!decision.allowed) {
      refuse(
        event,
        ack,
        errorBody('RATE_LIMITED', 'Too many events on this connection', decision.retryAfterMs),
      );
      return;
    }
    next();
  });

  for (const event of Object.keys(clientEvents) as ClientEventName[]) {
    socket.on(event, (...args: unknown[]) => {
      const last = args.at(-1);
      const ack = typeof last === 'function' ? (last as AckFn) : undefined;
      const payload = ack && args.length === 1 ? undefined : args[0];
      void run(event, payload, ack);
    });
  }

  async function run(
    event: ClientEventName,
    payload: unknown,
    ack: AckFn | undefined,
  ): Promise<void> {
    const started = performance.now();
    const response = await answer(event, payload);
    if (!response.ok) {
      refuse(event, ack, response.error);
      return;
    }
    metrics.eventsIn.inc({ event, outcome: 'ok' });
    if (ack) {
      ack(response);
      metrics.ackLatency.observe({ event }, (performance.now() - started) / 1000);
    }
  }

  async function answer(event: ClientEventName, payload: unknown): Promise<Ack<object>> {
    const parsed = clientEvents[event].request.safeParse(payload);
    if (!parsed.success)
      return { ok: false, error: errorBody('BAD_REQUEST', describe(event, parsed.error)) };
    try {
      const handler = handlers[event] as (
        s: Session,
        input: unknown,
        services: Services,
      ) => Promise<object> | object;
      const result = await handler(session, parsed.data, services);
      return { ok: true, ...result };
    } catch (error) {
      return { ok: false, error: toErrorBody(error, event, services) };
    }
  }
}

/** Maps a thrown error to what the client sees: RoomErrors as they are, anything else as INTERNAL. */
export function toErrorBody(
  error: unknown,
  event: string,
  services: Pick<Services, 'logger'>,
): ErrorBody {
  if (error instanceof RoomError) return errorBody(error.code, error.message, error.retryAfterMs);
  services.logger.error({ err: error, event }, 'handler failed');
  return errorBody('INTERNAL', 'Internal error');
}

function describe(event: string, error: z.ZodError): string {
  const issues = error.issues
    .slice(0, 3)
    .map((i) => (i.path.length > 0 ? `${i.path.join('.')}: ${i.message}` : i.message));
  return `${event}: ${issues.join('; ')}`;
}

/**
 * Frames over `maxBytes` are refused with PAYLOAD_TOO_LARGE instead of being parsed: the engine
 * packet is rewritten, before socket.io decodes it, into a tiny event that keeps its ack id.
 * (Frames over MAX_FRAME_BYTES never get here: the transport closes the connection with 1009.)
 */
function guardFrameSize(socket: AppSocket, maxBytes: number): void {
  socket.conn.on('packet', (packet: { type: string; data?: unknown }) => {
    const { data } = packet;
    if (packet.type !== 'message' || typeof data !== 'string' || data.length * 3 <= maxBytes)
      return;
    if (Buffer.byteLength(data) <= maxBytes) return;
    const head = EVENT_HEAD.exec(data.slice(0, 128));
    if (!head) return;
    const [, nsp = '', ackId = '', event = 'unknown'] = head;
    packet.data = `2${nsp}${ackId}${JSON.stringify([OVERSIZED, event])}`;
  });
}
