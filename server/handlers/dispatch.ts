import { performance } from 'node:perf_hooks';
import {
  clientEvents,
  errorBody,
  type Ack,
  type ClientEventName,
  type ErrorBody,
} from '../../client-sdk/src/protocol/index.js';
import { takeTokens, type RateDecision } from '../../rooms/index.js';
import type { Metrics } from '../metrics.js';
import { CLOSE, noteClose, type DecodeWatch } from '../transport/frames.js';
import { eventPacket, packetHead } from '../transport/packets.js';
import type { UserBudget } from '../user-budget.js';

/** The parts of an Engine.IO socket the packet listener reads. */
export interface EngineSocket {
  transport: { socket?: unknown };
}
import type { AppSocket, Session } from '../session.js';
import { commandRunner, type RunCommand } from './command.js';
import type { HandlerTable, Services } from './context.js';
import { materialized } from '../transport/raw-json.js';

/** The event name an oversized frame is rewritten to, so it can be refused with its ack. */
const OVERSIZED = '$oversized';

const isClientEvent = (event: unknown): event is ClientEventName =>
  typeof event === 'string' && Object.hasOwn(clientEvents, event);

type AckFn = (response: Ack<object>) => void;

/**
 * Turns a connection's inbound events into handler calls: frame size, unknown events, the
 * per-connection rate, the per-account rate (across connections and nodes), schema validation, the handler, and exactly one answer (the ack, or
 * `server:error` when none was given). One per app; each connection costs it a single
 * middleware closure, since a live show holds many thousands of them.
 */
export class Dispatcher {
  /**
   * Listens to every Engine.IO packet of a connection (one function for all of them: it reads the
   * connection from `this`): oversized events are rewritten before socket.io decodes them, and a
   * packet Engine.IO will close the connection for gets the close code 1002 noted.
   */
  readonly enginePacket: (this: EngineSocket, packet: { type: string; data?: unknown }) => void;
  private readonly runCommand: RunCommand<Session, ClientEventName>;

  constructor(
    handlers: HandlerTable,
    private readonly services: Services,
    private readonly metrics: Metrics,
    /** Each account's events across its connections and nodes. */
    private readonly userBudget: UserBudget,
    /** Told which connection's message is being read (close codes for undecodable ones). */
    watch: DecodeWatch,
    /** Told of every ack sent (tests check them against the schemas). */
    private readonly outgoing?: { ack(name: string, response: unknown): void },
  ) {
    this.runCommand = commandRunner(handlers, services);
    const guardFrame = frameGuard(services.config.limits.maxEventBytes);
    this.enginePacket = function (packet) {
      // a parse error, or a ping from the client (Engine.IO 4 pings from the server only)
      if (packet.type === 'error' || packet.type === 'ping')
        noteClose(this.transport.socket, CLOSE.PROTOCOL_ERROR, 'Protocol error');
      else if (packet.type === 'message') {
        // (a DISCONNECT the client sends closes the connection on purpose: not a decoding failure)
        if (typeof packet.data !== 'string' || !packet.data.startsWith('1'))
          watch.reading(this.transport.socket);
        guardFrame(packet);
      }
    };
  }

  attach(socket: AppSocket, session: Session): void {
    socket.use((packet) => this.receive(socket, session, packet));
  }

  private receive(socket: AppSocket, session: Session, [event, ...args]: unknown[]): void {
    const last = args.at(-1);
    const given = typeof last === 'function' ? (last as AckFn) : undefined;
    if (given) args.pop();
    const name = typeof event === 'string' ? event : String(event);
    const { outgoing } = this;
    const ack: AckFn | undefined =
      given && outgoing
        ? (response) => {
            // what the client will read: raw JSON parsed back
            outgoing.ack(name, materialized(response));
            given(response);
          }
        : given;
    if (name === OVERSIZED) {
      const original = typeof args[0] === 'string' ? args[0] : 'unknown';
      const { maxEventBytes } = this.services.config.limits;
      this.refuse(
        socket,
        original,
        ack,
        errorBody('PAYLOAD_TOO_LARGE', `Events may be at most ${maxEventBytes} bytes`),
      );
      return;
    }
    if (!isClientEvent(name)) {
      this.refuse(
        socket,
        name,
        ack,
        errorBody('UNKNOWN_EVENT', `Unknown event "${name.slice(0, 64)}"`),
      );
      return;
    }
    const { state, decision } = takeTokens(
      session.bucket,
      this.services.config.limits.connectionRate,
      1,
      this.services.now(),
    );
    session.bucket = state;
    if (!decision.allowed) {
      this.refuse(
        socket,
        name,
        ack,
        errorBody('RATE_LIMITED', 'Too many events on this connection', decision.retryAfterMs),
      );
      return;
    }
    const budget = this.userBudget.take(session.identity.id);
    if (budget === true) {
      void this.run(socket, session, name, args[0], ack);
      return;
    }
    // the account's shared budget needs a round trip; failing to reach it lets the event through
    void budget
      .catch((): RateDecision => ({ allowed: true }))
      .then((account) => {
        if (account.allowed) return this.run(socket, session, name, args[0], ack);
        this.refuse(
          socket,
          name,
          ack,
          errorBody('RATE_LIMITED', 'Too many events from this account', account.retryAfterMs),
        );
      });
  }

  private async run(
    socket: AppSocket,
    session: Session,
    event: ClientEventName,
    payload: unknown,
    ack: AckFn | undefined,
  ): Promise<void> {
    const started = performance.now();
    const response = await this.runCommand(session, event, payload);
    if (!response.ok) {
      this.refuse(socket, event, ack, response.error);
      return;
    }
    this.okChild(event).inc();
    if (ack) {
      ack(response);
      this.latencyChild(event).observe((performance.now() - started) / 1000);
    }
  }

  /** Bound metric children per event: labelling on every event costs a hash of the labels. */
  private readonly oks = new Map<string, ReturnType<Metrics['eventsIn']['labels']>>();
  private readonly latencies = new Map<string, ReturnType<Metrics['ackLatency']['labels']>>();

  private okChild(event: ClientEventName) {
    let child = this.oks.get(event);
    if (!child) {
      child = this.metrics.eventsIn.labels({ event, outcome: 'ok' });
      this.oks.set(event, child);
    }
    return child;
  }

  private latencyChild(event: ClientEventName) {
    let child = this.latencies.get(event);
    if (!child) {
      child = this.metrics.ackLatency.labels({ event });
      this.latencies.set(event, child);
    }
    return child;
  }

  private refuse(socket: AppSocket, event: string, ack: AckFn | undefined, error: ErrorBody): void {
    this.metrics.eventsIn.inc({
      event: isClientEvent(event) ? event : 'unknown',
      outcome: error.code,
    });
    if (ack) {
      ack({ ok: false, error });
      return;
    }
    socket.emit('server:error', { ...error, event: event.slice(0, 64) });
    this.metrics.eventsOut.inc({ event: 'server:error' });
  }
}

/**
 * Frames over `maxBytes` are refused with PAYLOAD_TOO_LARGE instead of being parsed: the engine
 * packet is rewritten, before socket.io decodes it, into a tiny event that keeps its ack id.
 * (Frames over MAX_FRAME_BYTES never get here: the transport closes the connection with 1009.)
 */
function frameGuard(maxBytes: number): (packet: { type: string; data?: unknown }) => void {
  return (packet) => {
    const { data } = packet;
    if (packet.type !== 'message' || typeof data !== 'string' || data.length * 3 <= maxBytes)
      return;
    if (Buffer.byteLength(data) <= maxBytes) return;
    const head = packetHead(data);
    if (head?.type !== 2) return;
    packet.data = eventPacket(head.nsp, head.ackId, [OVERSIZED, head.event ?? 'unknown']);
  };
}
