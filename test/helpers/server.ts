import { pino } from 'pino';
import { io as ioClient, type Socket } from 'socket.io-client';
import { afterEach } from 'vitest';
import type {
  ClientToServerEvents,
  ServerToClientEvents,
} from '../../client-sdk/src/protocol/index.js';
import {
  createClient,
  type LiveShopClient,
  type ClientOptions,
} from '../../client-sdk/src/index.js';
import { createApp, type App, type AppOptions } from '../../server/app.js';
import { signToken, type Claims } from '../../server/auth.js';
import { loadConfig, type Config, type Env } from '../../server/config.js';
import type { ErrorBody } from '../../client-sdk/src/protocol/index.js';
import { nextEvent } from './events.js';
import { protocolChecker } from './protocol-check.js';

export const TEST_SECRET = 'test-secret-that-is-at-least-32-characters-long';

/** Settings every test server starts from: loopback, free port, quiet, quick viewer counts. */
const TEST_ENV: Partial<Record<keyof Env, string>> = {
  NODE_ENV: 'test',
  HOST: '127.0.0.1',
  PORT: '0',
  LOG_LEVEL: 'silent',
  AUTH_JWT_SECRET: TEST_SECRET,
  VIEWER_COUNT_INTERVAL_MS: '100',
  // media tests turn it on; the others need no mediasoup workers
  MEDIA_ENABLED: 'false',
  // a busy CI machine must not shed what a test counts; overload tests turn it on
  OVERLOAD_SHEDDING: 'false',
  // tests flood chat on purpose; shield tests turn the automatic shield on
  AUTO_SHIELD: 'false',
  // nothing kept on disk unless a test asks for it (DATA_DIR, EMBEDDED_STORAGE: 'file')
  EMBEDDED_STORAGE: 'memory',
};

export type RawSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

export interface TestServer {
  app: App;
  config: Config;
  url: string;
  port: number;
  /** The metrics port, when METRICS_PORT gives metrics one of their own. */
  metricsPort: number | undefined;
  /** A signed token for these claims. */
  token(claims: Claims, ttlSeconds?: number): Promise<string>;
  /** A raw socket.io client (WebSocket only), connected and authenticated. */
  socket(
    claims?: Claims | null,
    options?: { transports?: ('websocket' | 'polling')[] },
  ): Promise<RawSocket>;
  /** An SDK client, connected. */
  client(claims?: Claims | null, options?: Partial<ClientOptions>): Promise<LiveShopClient>;
}

/**
 * Starts servers for a test file and closes them, and every client they made, after each test.
 * Usage: `const start = useServers();` then `const server = await start({ CHAT_RATE_BURST: '100' })`.
 */
export function useServers(): (
  env?: Partial<Record<keyof Env, string>>,
  options?: Omit<AppOptions, 'logger' | 'outgoing'>,
) => Promise<TestServer> {
  const cleanups: (() => Promise<void> | void)[] = [];
  // everything the servers send is checked against the protocol's schemas
  const checked = protocolChecker();
  afterEach(async () => {
    const tasks = cleanups.splice(0).reverse();
    for (const task of tasks) await task();
    const problems = checked.problems.splice(0);
    if (problems.length > 0)
      throw new Error(
        `the server sent ${problems.length} payload(s) outside the protocol:\n${problems.slice(0, 5).join('\n')}`,
      );
  });

  return async (env = {}, options = {}) => {
    const config = loadConfig({ ...TEST_ENV, ...env });
    const app = createApp(config, {
      ...options,
      logger: pino({ level: 'silent' }),
      outgoing: checked.observer,
    });
    const { port, metricsPort } = await app.listen();
    cleanups.push(() => app.close());
    const url = `http://127.0.0.1:${port}`;
    const token = (claims: Claims, ttl = 3600) =>
      signToken(claims, TEST_SECRET, { ttlSeconds: ttl });

    const server: TestServer = {
      app,
      config,
      url,
      port,
      metricsPort,
      token,
      async socket(claims = { sub: 'viewer' }, options = {}) {
        const auth = claims ? { token: await token(claims) } : {};
        const socket: RawSocket = ioClient(url, {
          auth,
          transports: options.transports ?? ['websocket'],
          reconnection: false,
          forceNew: true,
        });
        cleanups.push(() => {
          socket.close();
        });
        await new Promise<void>((resolve, reject) => {
          socket.once('connect', resolve);
          socket.once('connect_error', reject);
        });
        return socket;
      },
      async client(claims = { sub: 'viewer' }, options = {}) {
        const client = createClient({
          url,
          ...(claims ? { token: await token(claims) } : {}),
          transports: ['websocket'],
          requestTimeoutMs: 5000,
          socketOptions: { reconnectionDelay: 50, reconnectionDelayMax: 200 },
          ...options,
        });
        cleanups.push(() => client.close());
        await new Promise<void>((resolve, reject) => {
          client.once('connected', () => resolve());
          client.once('error', reject);
        });
        return client;
      },
    };
    return server;
  };
}

/** A host (`hana`) that created and joined `roomId`, and one viewer socket per claim that joined it. */
export async function openShow(
  server: TestServer,
  viewers: Claims[] = [{ sub: 'vic' }],
  roomId = 'show',
) {
  const host = await server.socket({ sub: 'hana', role: 'host' });
  const created = await host.emitWithAck('stream:create', { roomId, title: 'Show' });
  if (!created.ok) throw new Error(`stream:create failed: ${created.error.message}`);
  const joined = await host.emitWithAck('room:join', { roomId });
  if (!joined.ok || joined.recovered) throw new Error('host join failed');
  const sockets = await Promise.all(viewers.map((claims) => server.socket(claims)));
  for (const socket of sockets) {
    const ack = await socket.emitWithAck('room:join', { roomId });
    if (!ack.ok) throw new Error(`viewer join failed: ${ack.error.message}`);
  }
  return { host, viewers: sockets, snapshot: joined.snapshot };
}

/** Settings for a test of many nodes: limits high enough that only the test's own checks apply. */
const NODE_ENV_DEFAULTS: Partial<Record<keyof Env, string>> = {
  CHAT_BUDGET_PER_TICK: '1000',
  CHAT_RATE_BURST: '1000',
  CHAT_RATE_PER_SECOND: '1000',
  CONNECTION_EVENTS_BURST: '1000',
  USER_EVENTS_BURST: '1000',
};

/**
 * Starts `count` servers on one Redis (a fresh key prefix, so tests stay apart), as `count`
 * processes behind a balancer would be.
 */
export function startNodes(
  start: ReturnType<typeof useServers>,
  redis: { url: string; prefix(): string },
  count: number,
  env: Partial<Record<keyof Env, string>> = {},
  options?: Parameters<ReturnType<typeof useServers>>[1],
): Promise<TestServer[]> {
  const prefix = redis.prefix();
  return Promise.all(
    Array.from({ length: count }, (_, i) =>
      start(
        {
          ...NODE_ENV_DEFAULTS,
          REDIS_URL: redis.url,
          REDIS_KEY_PREFIX: prefix,
          NODE_ID: `node${i}`,
          ...env,
        },
        options,
      ),
    ),
  );
}

/** What socket.io-client's connect_error carries for a connection to `url` with this auth. */
export async function connectErrorOf(
  url: string,
  auth: Record<string, unknown>,
): Promise<ErrorBody | undefined> {
  const socket = ioClient(url, {
    auth,
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
  });
  try {
    return (await nextEvent<Error & { data?: ErrorBody }>(socket, 'connect_error')).data;
  } finally {
    socket.close();
  }
}
