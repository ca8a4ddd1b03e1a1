import { join } from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import { pino, type Logger } from 'pino';
import { Server } from 'socket.io';
import {
  CodedError,
  errorBody,
  PROTOCOL_VERSION,
  type ErrorCode,
} from '../client-sdk/src/protocol/index.js';
import { MediaService, type MediaBusPort } from '../media/index.js';
import { MerchantRelay, RoomRegistry, type Engine, type RoomLimits } from '../rooms/index.js';
import { createAuthenticator } from './auth.js';
import { Admission, type Refusal } from './admission.js';
import { BackpressureMonitor } from './backpressure.js';
import { Overload, OverloadMonitor, Trickle } from './overload.js';
import type { Config } from './config.js';
import { RoomBroadcaster } from './delivery.js';
import { createMemoryEngine } from './engines/memory/index.js';
import { createRedisEngine } from './engines/redis/index.js';
import { Dispatcher, type EngineSocket } from './handlers/dispatch.js';
import { handlers, type Services } from './handlers/index.js';
import { apiRoutes } from './http/api.js';
import { demoRoutes, examplePolicyFile } from './http/demo.js';
import { pageRoutes, projectRoot } from './http/pages.js';
import { metricsRoute, probeRoutes } from './http/probes.js';
import { mountNotFound, mountRoutes } from './http/routes.js';
import { idGenerator } from './ids.js';
import { Metrics } from './metrics.js';
import { PolicySource } from './moderation/policy-source.js';
import { Session, type AppServer } from './session.js';
import { TickLoop } from './tick-loop.js';
import { UserBudget } from './user-budget.js';
import { uwsAdapter } from './transport/adapter.js';
import { gatedApp } from './transport/gate.js';
import { rawJsonParser } from './transport/raw-json.js';
import { SnapshotChatCache } from './snapshot-cache.js';
import { WaitingRooms } from './waiting-room.js';
import { WebhookSender } from './webhooks.js';
import { ModerationRuntime } from './moderation/runtime.js';
import { loadUws, type TemplatedApp, type us_listen_socket } from './transport/uws.js';
import { CLOSE, DecodeWatch, framedApp, noteClose, noteConnected } from './transport/frames.js';

type EngineListener = Dispatcher['enginePacket'];

/** Sees every event and ack the server sends (the tests check each against the protocol's schemas). */
export interface OutgoingObserver {
  event(name: string, payload: unknown): void;
  /** The answer to a client event (`name`, as the client sent it). */
  ack(name: string, response: unknown): void;
}

export interface AppOptions {
  logger?: Logger;
  /** Told of everything sent to clients; for tests. */
  outgoing?: OutgoingObserver;
  /** Defaults to the embedded memory engine. With a media bus, media works across nodes. */
  engine?: Engine & { mediaBus?: MediaBusPort };
  now?: () => number;
  /** A moderation policy to put in force at start (parsed JSON); refused with its problems when bad. */
  moderationPolicy?: unknown;
}

export interface App {
  /**
   * Starts listening; resolves with the bound address (port 0 picks a free port), and the metrics
   * port when metrics have one of their own. Rejects with a `PolicyError` (every problem listed)
   * when the moderation policy file cannot be used.
   */
  listen(): Promise<{ host: string; port: number; metricsPort?: number }>;
  /**
   * Graceful shutdown: refuse new connections, tell clients `server:draining`, wait for them to
   * leave (up to the drain deadline), then close.
   */
  drain(): Promise<void>;
  /** Closes everything at once. Safe to call twice. */
  close(): Promise<void>;
  readonly metrics: Metrics;
  readonly uwsNative: boolean;
  /** For tests and embedding: the underlying servers. */
  readonly internals: {
    io: AppServer;
    uws: TemplatedApp;
    registry: RoomRegistry;
    backpressure: BackpressureMonitor;
    relay: MerchantRelay;
    engine: Engine;
    /** The moderation policy in force (started by `listen()`). */
    policy: PolicySource;
    /** Resolves once media has started (or found it cannot). */
    media: Promise<MediaService>;
    moderation: ModerationRuntime;
    /** Load shedding: its level, and `observe()` to feed it a sample (tests force overload). */
    overload: Overload;
  };
}

function connectError(code: ErrorCode, message: string): Error & { data: unknown } {
  return Object.assign(new Error(message), { data: errorBody(code, message) });
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** Builds the whole server from its configuration. Nothing is shared between two apps. */
export function createApp(config: Config, options: AppOptions = {}): App {
  const logger = options.logger ?? pino({ level: config.logLevel });
  const now = options.now ?? Date.now;
  const metrics = new Metrics();
  const engine = options.engine ?? createEngine(config, logger, now, metrics);
  metrics.trackEngine(engine.name, () => engine.isReady());
  const { uws, native, implementation } = loadUws();
  metrics.uwsNative.set(native ? 1 : 0);
  if (native) logger.info({ implementation }, 'uWebSockets.js: native addon');
  else
    logger.warn(
      { implementation, node: process.version },
      'uWebSockets.js: JavaScript fallback, plain HTTP only (no WebSockets): install the native build for this Node',
    );

  const uwsApp = uws.App();
  const io: AppServer = new Server({
    adapter: uwsAdapter(uwsApp, {
      nativePublish: () => metrics.nativePublishes.inc(),
      ...(options.outgoing ? { broadcast: broadcastTo(options.outgoing) } : {}),
    }),
    serveClient: false,
    // socket.io's parser, able to send JSON made once for many packets (snapshot chat)
    parser: rawJsonParser,
    // namespaces other than "/" are refused (below); their empty shells are not kept
    cleanupEmptyChildNamespaces: true,
    maxHttpBufferSize: config.limits.maxFrameBytes,
    // CORS is an engine middleware: it costs every connection a response wrapper, so it is opt-in
    ...(config.corsOrigin ? { cors: { origin: config.corsOrigin } } : {}),
  });
  const decodeWatch = new DecodeWatch();
  const framed = framedApp(
    uwsApp,
    config.limits.maxFrameBytes,
    {
      oversized: () => metrics.wsRefused.inc({ reason: 'oversized' }),
      cut: (reason) => metrics.wsRefused.inc({ reason: cutReason(reason) }),
    },
    decodeWatch,
  );
  const admission = new Admission(config.admission, () => io.engine.clientsCount, now);
  const trickle = () =>
    new Trickle(
      config.overload.admitPerSecond,
      config.overload.sampleMs,
      config.overload.releaseMs,
      now,
    );
  const edgeTrickle = trickle();
  const joinTrickle = trickle();
  const { maxConnections } = config.admission;
  if (maxConnections > 0) logger.info({ maxConnections }, 'admission: connection cap');
  const gate = gatedApp(framed, {
    check: (address) => {
      // while new joins are shed, new connections beyond a trickle are refused here, where it
      // costs least
      const refusal =
        overload.sheds('joins') && !edgeTrickle.take()
          ? shedRefusal(edgeTrickle.retryAfterMs())
          : admission.check(address);
      if (!refusal) metrics.connectionsAdmitted.inc();
      return refusal;
    },
    trustProxy: config.admission.trustProxy,
    cors: corsHeaders(config.corsOrigin),
    refused: (refusal) => metrics.connectionsRefused.inc({ reason: refusal.reason }),
  });
  io.attachApp(gate, {
    maxBackpressure: config.limits.backpressureHardBytes,
  } as object);

  const newId = idGenerator();
  const overload = new Overload(config.overload, (step, engaged, sample) => {
    metrics.shedLevel.set(overload.engaged);
    metrics.shedChanges.inc({ step, change: engaged ? 'engaged' : 'released' });
    const signals = {
      step,
      level: overload.engaged,
      lagMs: Math.round(sample.lagMs),
      cpu: Number(sample.cpu.toFixed(2)),
      slowSockets: Number(sample.slowSockets.toFixed(3)),
    };
    if (engaged) logger.warn(signals, `overload: shedding ${step}`);
    else logger.info(signals, `overload: released ${step}`);
    if (!engaged && step === 'viewer_counts') broadcaster.releaseCounts();
  });
  const tick = new TickLoop(
    config.rooms.tickMs,
    (room, err) => logger.error({ err, room: room.id }, 'room tick failed'),
    now,
  );
  const broadcaster: RoomBroadcaster = new RoomBroadcaster(
    io,
    metrics,
    logger,
    (room) => tick.wake(room),
    (roomId) => registry.get(roomId)?.audience.partitions ?? [],
    (socketId, roomId) => {
      const session = io.sockets.sockets.get(socketId)?.data.session;
      if (!session) return;
      media?.leave(session.id, roomId);
      void session
        .unsubscribe(roomId)
        ?.leave(session.id)
        .catch(() => undefined);
    },
    (step) => overload.sheds(step),
  );
  const moderation = new ModerationRuntime(logger.child({ component: 'moderation' }), now, metrics);
  // a new policy may put viewers in other audiences: move their connections' subscriptions
  moderation.onChange(() => {
    for (const room of registry.values()) {
      room.audience.repartition(room.members.values());
      // every connection follows its member's partition (also one that joined while this changed)
      for (const member of room.members.values())
        io.sockets.sockets.get(member.id)?.data.session.move(room.id, room.audience.of(member));
    }
  });
  const webhooks = config.webhook
    ? new WebhookSender(
        engine.merchantOutbox,
        {
          ...config.webhook,
          minBackoffMs: Math.min(500, config.webhook.maxBackoffMs),
          sender: config.nodeId ?? engine.broker.nodeId,
          posted: (outcome) => metrics.webhookPosts.inc({ outcome }),
        },
        logger,
      )
    : undefined;
  // orders are recorded in the merchant outbox with or without a webhook to post them to
  const relay = new MerchantRelay(
    engine.inventory,
    engine.merchantOutbox,
    {
      now,
      appended: () => webhooks?.poke(),
      failed: (err) => logger.warn({ err }, 'merchant relay: will retry'),
    },
    MERCHANT_RELAY,
  );
  const registry: RoomRegistry = new RoomRegistry(
    {
      engine,
      output: broadcaster,
      limits: shedLimits(config, overload),
      now,
      newId,
      dropLogged: (dropId) => relay.poke(dropId),
      merchantAppended: () => webhooks?.poke(),
      moderation,
      sha256,
      randomHex: (bytes) => randomBytes(bytes).toString('hex'),
    },
    {
      created: (room) => {
        metrics.rooms.set(registry.size);
        logger.info({ room: room.id, epoch: room.epoch }, 'room created');
      },
      disposed: (room) => {
        media?.closeRoom(room.id, 'the room closed on this server');
        metrics.rooms.set(registry.size);
        logger.info({ room: room.id }, 'room disposed');
      },
      failed: (roomId, err) => logger.error({ err, room: roomId }, 'room dispose failed'),
      reloaded: (room) => {
        metrics.roomReloads.inc();
        logger.warn(
          { room: room.id, epoch: room.epoch, seq: room.seq },
          'room restarted from the engine',
        );
      },
    },
  );
  // media workers start with the app; until they have (or have failed to), requests wait for them
  let media: MediaService | undefined;
  const mediaStarted = (
    config.media
      ? MediaService.start(config.media, logger.child({ component: 'media' }), engine.mediaBus)
      : Promise.resolve(MediaService.disabled(logger.child({ component: 'media' })))
  ).then((started) => {
    media = started;
    metrics.trackMedia(started);
    return started;
  });
  const policy = new PolicySource({
    store: engine.policies,
    file: config.moderation.policyFile,
    logger: logger.child({ component: 'moderation' }),
  });
  // every node applies the policy in force; a classifier it cannot build keeps the old one
  policy.onChange((loaded) => {
    moderation
      .set(loaded)
      .catch((err: unknown) =>
        logger.error(
          { err },
          'moderation: the new policy could not be put in force; the old one stays',
        ),
      );
  });
  const waitingRooms = new WaitingRooms(
    engine,
    registry,
    config.waitingRoom,
    () => (overload.sheds('joins') ? config.overload.admitPerSecond : null),
    logger.child({ component: 'waiting-room' }),
    now,
  );
  const services: Services = {
    config,
    policy,
    registry,
    logger,
    now,
    media: () => {
      if (!media) throw new CodedError('MEDIA_UNAVAILABLE', 'Media is starting; retry shortly');
      return media;
    },
    streamEnded: (roomId) => media?.closeRoom(roomId),
    sheds: (step) => overload.sheds(step),
    joinTrickle,
    gaveUp: (work) => metrics.shedWork.inc({ work }),
    waitingRooms,
    snapshotChat: new SnapshotChatCache(),
  };
  const dispatcher = new Dispatcher(
    handlers,
    services,
    metrics,
    new UserBudget(engine.rateLimits, config.limits.userRate, now),
    decodeWatch,
    options.outgoing,
  );
  const auth = createAuthenticator(config.auth, now);
  const backpressure = new BackpressureMonitor(io, config.limits, metrics, logger, now);
  const loadMonitor = new OverloadMonitor(
    overload,
    config.overload.sampleMs,
    () => backpressure.pausedShare(),
    now,
    (sample) => {
      metrics.loopLag.set(sample.lagMs / 1000);
      metrics.cpuShare.set(sample.cpu);
    },
  );

  let listenSocket: us_listen_socket | null = null;
  let draining = false;
  let closed: Promise<void> | undefined;

  io.use((socket, next) => {
    if (draining) {
      next(connectError('SERVER_DRAINING', 'This server is shutting down; reconnect shortly'));
      return;
    }
    const handshakeAuth: unknown = socket.handshake.auth;
    const token =
      typeof handshakeAuth === 'object' && handshakeAuth !== null
        ? (handshakeAuth as { token?: unknown }).token
        : undefined;
    auth.authenticate(token).then(
      (identity) => {
        socket.data.session = new Session(socket, identity);
        next();
      },
      (error: unknown) => {
        if (error instanceof CodedError) next(connectError(error.code, error.message));
        else {
          logger.error({ err: error }, 'authentication failed unexpectedly');
          next(connectError('INTERNAL', 'Authentication is unavailable'));
        }
      },
    );
  });

  // the protocol lives on "/": any other namespace gets a coded refusal, not socket.io's bare one
  io.of(/^\/./).use((_socket, next) => {
    next(connectError('BAD_REQUEST', 'This server serves the main namespace "/" only'));
  });

  io.on('connection', (socket) => {
    const { session } = socket.data;
    noteConnected(wsOf(socket));
    const { outgoing } = options;
    if (outgoing)
      socket.onAnyOutgoing((event: string, payload: unknown) => outgoing.event(event, payload));
    metrics.connections.inc();
    dispatcher.attach(socket, session);
    socket.on('error', () => {
      socket.emit(
        'server:error',
        errorBody('BAD_REQUEST', 'Malformed packet; closing the connection'),
      );
      noteClose(wsOf(socket), CLOSE.PROTOCOL_ERROR, 'Malformed packet');
    });
    socket.on('disconnect', () => {
      metrics.connections.dec();
      waitingRooms.forget(session);
      for (const roomId of [...session.rooms.keys()]) {
        media?.leave(session.id, roomId);
        session
          .unsubscribe(roomId)
          ?.leave(session.id)
          .catch((err: unknown) =>
            logger.error({ err, room: roomId }, 'leave on disconnect failed'),
          );
      }
    });
    const { identity } = session;
    socket.emit('server:hello', {
      protocol: PROTOCOL_VERSION,
      serverTime: now(),
      user: {
        id: identity.id,
        name: identity.name,
        role: identity.role,
        anonymous: identity.anonymous,
        region: identity.region,
        language: identity.language,
      },
    });
    metrics.eventsOut.inc({ event: 'server:hello' });
  });

  // socket.io's advice for many connections: the HTTP request that opened one is not needed after
  io.engine.on(
    'connection',
    (raw: EngineSocket & { request: unknown; on(e: 'packet', l: EngineListener): void }) => {
      raw.request = null;
      raw.on('packet', dispatcher.enginePacket);
    },
  );

  const metricsPath = metricsRoute(metrics, config.metrics.token);
  mountRoutes(uwsApp, {
    ...probeRoutes(metrics, {
      notReadyReason: () => {
        if (draining) return 'draining';
        if (!listenSocket) return 'not listening';
        const reason = engine.notReadyReason?.() ?? null;
        if (!engine.isReady()) return reason ?? `engine ${engine.name} not connected`;
        return reason;
      },
    }),
    // on a port of its own, /metrics is not served with the app
    ...(config.metrics.port === null ? metricsPath : {}),
    ...pageRoutes(),
    ...apiRoutes(auth, services, engine),
    ...demoRoutes(
      auth,
      services,
      examplePolicyFile(join(projectRoot(), 'server', 'moderation', 'example-policy.json')),
    ),
  });
  mountNotFound(uwsApp);
  const metricsApp = config.metrics.port === null ? null : uws.App();
  if (metricsApp) {
    mountRoutes(metricsApp, metricsPath);
    mountNotFound(metricsApp);
  }
  let metricsSocket: us_listen_socket | null = null;

  const stopListening = () => {
    if (listenSocket) uws.us_listen_socket_close(listenSocket);
    listenSocket = null;
  };

  const app: App = {
    metrics,
    uwsNative: native,
    internals: {
      io,
      uws: uwsApp,
      registry,
      backpressure,
      engine,
      relay,
      media: mediaStarted,
      moderation,
      policy,
      overload,
    },

    listen: async () => {
      await Promise.all([waitForEngine(engine, logger), mediaStarted]);
      // a bad policy file stops the start (PolicyError lists its problems)
      await policy.start();
      if (options.moderationPolicy !== undefined) {
        const load = await policy.apply(JSON.stringify(options.moderationPolicy), 'api');
        if (!load.ok)
          throw new Error(`the moderation policy is not valid:\n${load.problems.join('\n')}`);
      }
      // in force before the first message (its language detection loaded)
      await moderation.set(policy.current());
      let metricsPort: number | undefined;
      if (metricsApp && config.metrics.port !== null) {
        metricsSocket = await listenOn(uws, metricsApp, config.host, config.metrics.port);
        metricsPort = uws.us_socket_local_port(metricsSocket);
        logger.info({ host: config.host, port: metricsPort }, 'metrics listening');
      }
      try {
        listenSocket = await listenOn(uws, uwsApp, config.host, config.port);
      } catch (error) {
        if (metricsSocket) uws.us_listen_socket_close(metricsSocket);
        metricsSocket = null;
        throw error;
      }
      backpressure.start();
      loadMonitor.start();
      relay.start();
      webhooks?.start();
      const port = uws.us_socket_local_port(listenSocket);
      logger.info({ host: config.host, port, engine: engine.name }, 'listening');
      return { host: config.host, port, ...(metricsPort === undefined ? {} : { metricsPort }) };
    },

    async drain() {
      if (draining || closed) return app.close();
      draining = true;
      stopListening();
      const clients = io.of('/').sockets.size;
      logger.info({ clients, deadlineMs: config.drain.timeoutMs }, 'draining');
      tick.flush();
      io.emit('server:draining', { reconnectAfterMs: config.drain.reconnectMs });
      await allDisconnected(io, config.drain.timeoutMs);
      const remaining = io.of('/').sockets.size;
      if (remaining > 0) logger.warn({ remaining }, 'drain deadline passed; closing');
      await app.close();
    },

    close() {
      closed ??= (async () => {
        draining = true;
        stopListening();
        if (metricsSocket) uws.us_listen_socket_close(metricsSocket);
        metricsSocket = null;
        backpressure.stop();
        loadMonitor.stop();
        waitingRooms.close();
        await relay.stop();
        await webhooks?.stop();
        await policy.close();
        tick.flush();
        tick.stop();
        for (const socket of io.of('/').sockets.values())
          noteClose(wsOf(socket), CLOSE.GOING_AWAY, 'Server shutting down');
        await io.close();
        await registry.closeAll();
        (await mediaStarted).close();
        await engine.close();
        metrics.registry.clear();
        logger.info('closed');
      })();
      return closed;
    },
  };
  return app;
}

/** Listens on host:port, or fails with the address that could not be taken. */
function listenOn(
  uws: ReturnType<typeof loadUws>['uws'],
  app: TemplatedApp,
  host: string,
  port: number,
): Promise<us_listen_socket> {
  return new Promise((resolve, reject) => {
    app.listen(host, port, (socket) => {
      if (socket) resolve(socket);
      else reject(new Error(`Cannot listen on ${host}:${port}`));
    });
  });
}

/** The engine the configuration names: Redis when REDIS_URL is set, else the embedded one. */
function createEngine(
  config: Config,
  logger: Logger,
  now: () => number,
  metrics: Metrics,
): Engine & { mediaBus: MediaBusPort } {
  const { redis } = config;
  if (!redis)
    return createMemoryEngine({
      historyLength: config.rooms.historyLength,
      now,
      ...(config.embedded.storage === 'file' ? { dataDir: config.embedded.dataDir } : {}),
      onJournalBroken: (error) => {
        logger.error(
          { err: error.message, dataDir: config.embedded.dataDir },
          'embedded journal failed to commit: every write is refused (UNAVAILABLE) until the server restarts from its file',
        );
        metrics.journalFailures.inc();
      },
    });
  if (!redis.journal && redis.waitReplicas === 0)
    logger.warn(
      'no ORDER_JOURNAL_URL: confirmed orders are only as durable as Redis itself (a Redis that comes back empty loses them)',
    );
  return createRedisEngine({
    url: redis.url,
    keyPrefix: redis.keyPrefix,
    cluster: redis.cluster,
    presenceTtlMs: redis.presenceTtlMs,
    nodeId: config.nodeId,
    historyLength: config.rooms.historyLength,
    logger,
    now,
    journal: redis.journal ?? undefined,
    waitReplicas: redis.waitReplicas,
    waitTimeoutMs: redis.waitTimeoutMs,
    onDataLoss: (report) => metrics.dataLoss.inc({ kind: report.kind }),
  });
}

/** Gives the engine a few seconds to connect; a server whose engine is down still starts, unready. */
async function waitForEngine(engine: Engine, logger: Logger): Promise<void> {
  const started = Date.now();
  while (!engine.isReady() && Date.now() - started < ENGINE_WAIT_MS)
    await new Promise((resolve) => setTimeout(resolve, 20));
  if (!engine.isReady())
    logger.warn(
      { engine: engine.name },
      'engine not connected yet; /readyz stays false until it is',
    );
}

const ENGINE_WAIT_MS = 5000;

/** The uWS WebSocket under a socket.io socket (none while it long-polls). */
const wsOf = (socket: { conn: { transport: object } }): unknown =>
  (socket.conn.transport as { socket?: unknown }).socket;

/** A broadcast packet's `[event, payload]` for an observer. */
function broadcastTo(outgoing: OutgoingObserver): (data: unknown) => void {
  return (data) => {
    if (Array.isArray(data) && typeof data[0] === 'string') outgoing.event(data[0], data[1]);
  };
}

/**
 * The rooms' limits as overload adjusts them: rooms read them at each use, so while chat is shed
 * each tick sends fewer messages, and while replays are shed a resume replays fewer events (a
 * longer gap gets a fresh snapshot, which costs less than a long replay).
 */
function shedLimits(config: Config, overload: Overload): RoomLimits {
  const base = config.rooms;
  const shed = config.overload;
  return {
    ...base,
    get chatBudgetPerTick() {
      const budget = base.chatBudgetPerTick;
      return overload.sheds('chat') ? Math.min(budget, shed.chatBudgetPerTick) : budget;
    },
    get replayLimit() {
      const limit = base.replayLimit;
      return overload.sheds('replays') ? Math.min(limit, shed.replayLimit) : limit;
    },
  };
}

/** A new connection refused while overload sheds new joins: come back after a spread wait. */
function shedRefusal(retryAfterMs: number): Refusal {
  return {
    reason: 'shedding',
    code: 'OVERLOADED',
    status: 503,
    message: 'This server is overloaded; try again shortly',
    retryAfterMs,
  };
}

/** The CORS headers a refused long-polling handshake from `origin` gets (none: same origin only). */
function corsHeaders(
  allowed: Config['corsOrigin'],
): (origin: string) => Readonly<Record<string, string>> {
  return (origin) => {
    if (allowed === null || origin === '') return {};
    if (allowed === '*') return { 'access-control-allow-origin': '*' };
    return allowed.includes(origin)
      ? { 'access-control-allow-origin': origin, vary: 'Origin' }
      : {};
  };
}

/** uWS's reason for cutting a connection, as a metric label. */
function cutReason(reason: string): string {
  if (/utf-?8/i.test(reason)) return 'invalid_utf8';
  if (/too big/i.test(reason)) return 'too_big';
  return 'protocol';
}
/** Open drops are swept every second; a node that just wrote a drop's log relays it at once. */
const MERCHANT_RELAY = { intervalMs: 1000, batch: 100, orphanAfterMs: 60_000 };

/** Resolves when every socket has disconnected, or after `timeoutMs`. */
function allDisconnected(io: AppServer, timeoutMs: number): Promise<void> {
  const nsp = io.of('/');
  const sockets = [...nsp.sockets.values()];
  return new Promise((resolve) => {
    const deadline = setTimeout(finish, timeoutMs);
    const check = () => {
      if (nsp.sockets.size === 0) finish();
    };
    function finish() {
      clearTimeout(deadline);
      for (const socket of sockets) socket.off('disconnect', check);
      resolve();
    }
    for (const socket of sockets) socket.on('disconnect', check);
    check();
  });
}
