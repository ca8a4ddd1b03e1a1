import type { Logger } from 'pino';
import type { WebSocket as UwsWebSocket } from 'uWebSockets.js';
import type { Config } from './config.js';
import { shed } from './transport/gate.js';
import type { Metrics } from './metrics.js';
import type { AppServer, AppSocket, Session } from './session.js';

/** The uWS socket under a socket.io connection, when it is on WebSocket and open. */
function bufferedAmount(socket: AppSocket): number | undefined {
  const conn = socket.conn as unknown as {
    readyState: string;
    transport: { name: string; socket?: UwsWebSocket<unknown> };
  };
  if (conn.readyState !== 'open' || conn.transport.name !== 'websocket') return undefined;
  return conn.transport.socket?.getBufferedAmount();
}

/**
 * Watches each socket's send buffer. Over the soft limit a socket loses its feed lane (chat,
 * reactions, viewer counts) while control events keep flowing; back under half of it the feed
 * resumes (the SDK sees the gap and fetches what it missed). A socket that stays over the soft
 * limit for the grace period, or passes the hard limit, is disconnected.
 */
export class BackpressureMonitor {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly io: AppServer,
    private readonly limits: Config['limits'],
    private readonly metrics: Metrics,
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  start(): void {
    this.timer ??= setInterval(() => this.check(), this.limits.backpressureCheckMs).unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Share of this node's sockets whose feed is paused now (a load signal). */
  pausedShare(): number {
    const sockets = this.io.of('/').sockets;
    if (sockets.size === 0) return 0;
    let paused = 0;
    for (const socket of sockets.values()) {
      const since = (socket.data.session as Session | undefined)?.feedPausedSince;
      if (since !== undefined && since !== null) paused += 1;
    }
    return paused / sockets.size;
  }

  /** One pass over every socket (exposed for tests). */
  check(): void {
    const now = this.now();
    for (const socket of this.io.of('/').sockets.values()) {
      const session = socket.data.session as Session | undefined;
      const amount = bufferedAmount(socket);
      if (!session || amount === undefined) continue;
      this.judge(session, amount, now);
    }
  }

  private judge(session: Session, amount: number, now: number): void {
    const {
      backpressureSoftBytes: soft,
      backpressureHardBytes: hard,
      backpressureGraceMs: grace,
    } = this.limits;
    const pausedSince = session.feedPausedSince;
    if (amount >= hard || (pausedSince !== null && amount >= soft && now - pausedSince >= grace)) {
      this.metrics.backpressure.inc({ action: 'disconnected' });
      this.logger.warn(
        { socket: session.id, user: session.identity.id, buffered: amount },
        'slow socket disconnected',
      );
      // shed, not refused: the close says "try again later" and when, so the client backs off
      shed(session.socket, this.limits.backpressureGraceMs * (1 + Math.random()));
    } else if (pausedSince === null && amount >= soft) {
      this.metrics.backpressure.inc({ action: 'feed_paused' });
      session.setFeed(false, now);
    } else if (pausedSince !== null && amount < soft / 2) {
      this.metrics.backpressure.inc({ action: 'feed_resumed' });
      session.setFeed(true, now);
    }
  }
}
