import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import * as z from 'zod';
import { ShieldSettings } from '../client-sdk/src/protocol/index.js';
import type { AutoShieldRule } from '../rooms/index.js';
import { connectionCapFor, openFileLimit, type AdmissionLimits } from './admission.js';
import type { OverloadLimits } from './overload.js';
import type { WaitingRoomOptions } from './waiting-room.js';

/** Development-only signing secret, used when no auth is configured outside production. */
export const DEV_JWT_SECRET = 'liveshop-development-secret-do-not-use-in-production';

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');
const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
const positive = z.coerce.number().positive();
const optionalString = z.string().trim().min(1).optional();

/** `whsec_` and standard base64 of 24 to 64 bytes (what Standard Webhooks libraries accept). */
function isWebhookSecret(value: string): boolean {
  const match = /^whsec_([A-Za-z0-9+/]+={0,2})$/.exec(value);
  if (!match?.[1] || match[1].length % 4 !== 0) return false;
  const bytes = Buffer.from(match[1], 'base64').length;
  return bytes >= 24 && bytes <= 64;
}

/**
 * Every environment variable the server reads, with its default. The README's configuration table
 * is this schema in prose; keep them together.
 */
const EnvSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  HOST: z.string().trim().min(1).default('127.0.0.1'),
  PORT: int(0, 65535).default(3000),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  CORS_ORIGIN: optionalString,

  AUTH_JWT_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  AUTH_JWKS_URL: z.url().optional(),
  AUTH_ISSUER: optionalString,
  AUTH_AUDIENCE: optionalString,
  AUTH_ALLOW_ANONYMOUS: bool.default(false),
  AUTH_MAX_TOKEN_AGE_SECONDS: int(60, 366 * 86_400).default(86_400),
  AUTH_CLOCK_LEEWAY_SECONDS: int(0, 600).default(30),

  MAX_EVENT_BYTES: int(256, 1 << 20).default(16 * 1024),
  MAX_FRAME_BYTES: int(1024, 64 << 20).default(1 << 20),
  BACKPRESSURE_SOFT_BYTES: int(1024, 1 << 30).default(256 * 1024),
  BACKPRESSURE_HARD_BYTES: int(1024, 1 << 30).default(4 << 20),
  BACKPRESSURE_GRACE_MS: int(0, 600_000).default(5000),
  BACKPRESSURE_CHECK_MS: int(10, 60_000).default(250),
  CONNECTION_EVENTS_PER_SECOND: positive.default(30),
  CONNECTION_EVENTS_BURST: int(1, 10_000_000).default(60),
  USER_EVENTS_PER_SECOND: positive.default(60),
  USER_EVENTS_BURST: int(1, 10_000_000).default(120),
  MAX_ROOMS_PER_CONNECTION: int(1, 1000).default(10),
  // 'auto': what the open-file limit leaves room for (server/admission.ts); 0: no cap
  MAX_CONNECTIONS: z.union([z.literal('auto'), int(0, 10_000_000)]).default('auto'),
  CONNECT_RATE_PER_SECOND: z.coerce.number().min(0).default(0),
  CONNECT_RATE_BURST: int(1, 10_000_000).optional(),
  CONNECT_RATE_PER_IP_PER_SECOND: z.coerce.number().min(0).default(0),
  CONNECT_RATE_PER_IP_BURST: int(1, 10_000_000).optional(),
  CONNECT_RETRY_MS: int(100, 600_000).default(5000),
  TRUST_PROXY: bool.default(false),
  OVERLOAD_SHEDDING: bool.default(true),
  OVERLOAD_SAMPLE_MS: int(50, 60_000).default(500),
  OVERLOAD_LAG_MS: positive.default(100),
  OVERLOAD_CPU: positive.default(0.95),
  OVERLOAD_SLOW_SOCKETS: z.coerce.number().positive().max(1).default(0.25),
  OVERLOAD_RELEASE_MS: int(0, 600_000).default(5000),
  OVERLOAD_CHAT_BUDGET_PER_TICK: int(1, 10_000).default(5),
  OVERLOAD_REPLAY_LIMIT: int(1, 1_000_000).default(50),
  OVERLOAD_ADMIT_PER_SECOND: z.coerce.number().min(0).default(200),

  TICK_MS: int(5, 1000).default(50),
  CHAT_BUDGET_PER_TICK: int(1, 10_000).default(20),
  CHAT_RATE_PER_SECOND: positive.default(1),
  CHAT_RATE_BURST: int(1, 10_000_000).default(5),
  REACTION_RATE_PER_SECOND: positive.default(20),
  REACTION_RATE_BURST: int(1, 10_000_000).default(100),
  CLAIM_RATE_PER_SECOND: positive.default(2),
  CLAIM_RATE_BURST: int(1, 10_000_000).default(5),
  BID_RATE_PER_SECOND: positive.default(3),
  BID_RATE_BURST: int(1, 10_000_000).default(10),
  VIEWER_COUNT_INTERVAL_MS: int(100, 600_000).default(1000),
  HISTORY_LENGTH: int(10, 1_000_000).default(1000),
  REPLAY_LIMIT: int(1, 1_000_000).default(500),
  ROOM_RETAIN_ENDED_SECONDS: int(0, 30 * 86_400).default(3600),
  ROOM_CAPACITY: int(0, 100_000_000).default(0),
  ROOM_ADMIT_PER_SECOND: z.coerce.number().min(0).max(100_000).default(0),
  WAITING_ROOM_TICK_MS: int(20, 10_000).default(200),
  WAITING_ROOM_PASS_MS: int(1000, 600_000).default(30_000),
  WAITING_ROOM_KEEP_MS: int(1000, 86_400_000).default(600_000),
  AUTO_SHIELD: bool.default(true),
  AUTO_SHIELD_JOINS_PER_SECOND: positive.default(50),
  AUTO_SHIELD_CHAT_PER_SECOND: positive.default(50),
  AUTO_SHIELD_FLAGGED_SHARE: z.coerce.number().positive().max(1).default(0.3),
  AUTO_SHIELD_BACKLOG: int(1, 1_000_000).default(50),
  AUTO_SHIELD_WINDOW_MS: int(1000, 600_000).default(5000),
  AUTO_SHIELD_RELEASE_MS: int(0, 86_400_000).default(60_000),
  AUTO_SHIELD_SLOW_MODE_SECONDS: int(0, 3600).default(10),
  AUTO_SHIELD_NEW_ACCOUNT_MINUTES: int(0, 43_200).default(30),
  AUTO_SHIELD_NEWCOMERS: z.enum(['read-only', 'hold']).default('read-only'),

  METRICS_PORT: int(0, 65535).optional(),
  METRICS_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),

  DRAIN_TIMEOUT_MS: int(0, 600_000).default(10_000),
  DRAIN_RECONNECT_MS: int(0, 60_000).default(1000),

  REDIS_URL: z
    .string()
    .trim()
    .regex(/^rediss?:\/\//, 'must be a redis:// or rediss:// URL')
    .optional(),
  DATA_DIR: z.string().trim().min(1).max(4096).default('data'),
  EMBEDDED_STORAGE: z.enum(['file', 'memory']).default('file'),
  REDIS_KEY_PREFIX: z
    .string()
    .regex(/^[\w:.-]{1,32}$/, 'letters, digits and _:.- only')
    .default('liveshop:'),
  REDIS_CLUSTER: bool.default(false),
  REDIS_WAIT_REPLICAS: int(0, 16).default(0),
  REDIS_WAIT_TIMEOUT_MS: int(10, 60_000).default(1000),
  ORDER_JOURNAL_URL: z
    .string()
    .trim()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL')
    .optional(),
  ORDER_JOURNAL_SCHEMA: z
    .string()
    .regex(/^[a-z_][a-z0-9_]{0,62}$/, 'a lower-case SQL identifier')
    .default('liveshop'),
  ORDER_JOURNAL_AUDIT_MS: int(100, 60_000).default(1000),
  NODE_ID: z
    .string()
    .regex(/^[\w.-]{1,64}$/, 'letters, digits and _.- only')
    .optional(),
  PRESENCE_TTL_MS: int(1000, 600_000).default(5000),

  MODERATION_POLICY: optionalString,
  /** "Start a demo show" (`POST /v1/demo`): auto is on in development on the built-in secret. */
  DEMO_SHOWS: z.enum(['auto', 'on', 'off']).default('auto'),

  MERCHANT_WEBHOOK_URL: z.url().optional(),
  MERCHANT_WEBHOOK_SECRET: z
    .string()
    .refine(
      isWebhookSecret,
      'must be a Standard Webhooks secret: "whsec_" and the base64 of 24 to 64 random bytes',
    )
    .optional(),
  MERCHANT_WEBHOOK_MAX_BACKOFF_MS: int(100, 3_600_000).default(60_000),

  MEDIA_ENABLED: bool.default(true),
  MEDIA_WORKERS: int(1, 1024).optional(),
  MEDIA_CONSUMERS_PER_WORKER: int(1, 100_000).default(500),
  MEDIA_LISTEN_IP: z.union([z.ipv4(), z.ipv6()]).default('127.0.0.1'),
  MEDIA_ANNOUNCED_ADDRESS: optionalString,
  MEDIA_RTC_MIN_PORT: int(1024, 65535).default(40_000),
  MEDIA_RTC_MAX_PORT: int(1024, 65535).default(49_999),
  MEDIA_MAX_INCOMING_BITRATE: int(100_000, 100_000_000).default(3_000_000),
});

export type Env = z.input<typeof EnvSchema>;

export interface Config {
  env: 'development' | 'production' | 'test';
  /** Whether `POST /v1/demo` starts demo shows (never in production). */
  demoShows: boolean;
  host: string;
  port: number;
  logLevel: z.infer<typeof EnvSchema>['LOG_LEVEL'];
  /** Origins allowed to long-poll from browsers; null: same origin only (WebSockets are not subject to CORS). */
  corsOrigin: string[] | '*' | null;
  auth: {
    /** HS256 secret, or a JWKS URL for asymmetric keys; exactly one is set. */
    secret: string | null;
    jwksUrl: string | null;
    issuer: string | null;
    audience: string | null;
    allowAnonymous: boolean;
    /** Longest lifetime a token may have (`exp` - `iat`), in seconds. */
    maxTokenAgeSeconds: number;
    /** How far the issuer's clock may be off ours, in seconds (for `exp`, `nbf` and `iat`). */
    clockLeewaySeconds: number;
    /** True when running on {@link DEV_JWT_SECRET}. */
    devSecret: boolean;
  };
  limits: {
    maxEventBytes: number;
    maxFrameBytes: number;
    backpressureSoftBytes: number;
    backpressureHardBytes: number;
    backpressureGraceMs: number;
    backpressureCheckMs: number;
    connectionRate: { capacity: number; refillPerSecond: number };
    /** Every account's events, across its connections and nodes. */
    userRate: { capacity: number; refillPerSecond: number };
    maxRoomsPerConnection: number;
  };
  /**
   * New connections, decided at the upgrade: the node's cap (0: none), the node's and each
   * address's rate (null: none), and the base of the wait a refusal at the cap is told.
   */
  admission: AdmissionLimits & {
    /** The client's address is the last hop of `X-Forwarded-For` (behind a proxy we trust). */
    trustProxy: boolean;
  };
  /**
   * Waiting rooms: every room's capacity and admission rate unless it sets its own (null: none),
   * how often a room with people waiting admits, how long a pass holds a seat, and how long a
   * viewer who joined may come back with it without queueing.
   */
  waitingRoom: WaitingRoomOptions;
  /** Load shedding (server/overload.ts): when the node is overloaded, and what it gives up then. */
  overload: OverloadLimits;
  rooms: {
    tickMs: number;
    chatBudgetPerTick: number;
    chatRate: { capacity: number; refillPerSecond: number };
    reactionRate: { capacity: number; refillPerSecond: number };
    claimRate: { capacity: number; refillPerSecond: number };
    bidRate: { capacity: number; refillPerSecond: number };
    viewerCountIntervalMs: number;
    historyLength: number;
    replayLimit: number;
    retainEndedMs: number;
    /** The automatic shield (null: off): when it switches shield mode on and off, and its preset. */
    autoShield: AutoShieldRule | null;
  };
  /**
   * The embedded engine (no Redis): `file` keeps drops, orders and merchant events in a SQLite
   * journal under `dataDir` (an absolute path); `memory` keeps nothing across restarts (tests,
   * benchmarks).
   */
  embedded: { storage: 'file' | 'memory'; dataDir: string };
  /** Null: the embedded engine (one process). */
  redis: {
    url: string;
    keyPrefix: string;
    /** Redis Cluster: sharded pub/sub, keys kept in one slot per room. */
    cluster: boolean;
    presenceTtlMs: number;
    /**
     * The order journal (PostgreSQL): what "confirmed" waits for, and what a Redis that lost data
     * is restored from; null: orders are as durable as Redis's own persistence.
     */
    journal: { url: string; schema: string; auditMs: number } | null;
    /**
     * Replicas every new drop and order must reach (Redis WAIT) before anyone hears of it; 0: none.
     * A failover to one of them keeps it; a restart without persistence or FLUSHALL does not.
     */
    waitReplicas: number;
    waitTimeoutMs: number;
  } | null;
  /**
   * Moderation: the policy file (an absolute path), watched and re-applied when it changes; null:
   * no file (no moderation until a policy is put through `/v1/moderation/policy`).
   */
  moderation: { policyFile: string | null };
  /** Where orders and drop changes are posted, signed with the secret; null: recorded only. */
  webhook: { url: string; secret: string; maxBackoffMs: number } | null;
  /** This process among its peers; random unless NODE_ID is set. */
  nodeId: string | null;
  drain: { timeoutMs: number; reconnectMs: number };
  /** `/metrics`: on a port of its own (null: the app's), behind a bearer token (null: open). */
  metrics: { port: number | null; token: string | null };
  /** Live video (mediasoup); null: disabled, media requests get MEDIA_UNAVAILABLE. */
  media: {
    workers: number;
    consumersPerWorker: number;
    listenIp: string;
    announcedAddress: string | undefined;
    rtcMinPort: number;
    rtcMaxPort: number;
    maxIncomingBitrate: number;
    initialOutgoingBitrate: number;
  } | null;
}

/** Thrown for an invalid environment; the message lists every problem, one per line. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** Reads and checks the configuration from environment variables. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const present = Object.fromEntries(
    Object.entries(env).filter(([k, v]) => k in EnvSchema.shape && v !== undefined && v !== ''),
  );
  const parsed = EnvSchema.safeParse(present);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  const problems: string[] = [];
  if (e.MERCHANT_WEBHOOK_URL && !e.MERCHANT_WEBHOOK_SECRET)
    problems.push(
      '  MERCHANT_WEBHOOK_SECRET: required with MERCHANT_WEBHOOK_URL (webhooks are signed)',
    );
  if (e.AUTH_JWT_SECRET && e.AUTH_JWKS_URL)
    problems.push('  AUTH_JWT_SECRET, AUTH_JWKS_URL: set one, not both');
  const devSecret = !e.AUTH_JWT_SECRET && !e.AUTH_JWKS_URL;
  if (devSecret && e.NODE_ENV === 'production') {
    problems.push('  AUTH_JWT_SECRET or AUTH_JWKS_URL: required when NODE_ENV=production');
  }
  if (e.DEMO_SHOWS === 'on' && e.NODE_ENV === 'production')
    problems.push("  DEMO_SHOWS: cannot be on when NODE_ENV=production (demo tokens are anyone's)");
  if (e.DEMO_SHOWS === 'on' && e.AUTH_JWKS_URL)
    problems.push('  DEMO_SHOWS: needs an HS256 secret to sign demo tokens, not AUTH_JWKS_URL');
  if (e.BACKPRESSURE_SOFT_BYTES >= e.BACKPRESSURE_HARD_BYTES) {
    problems.push('  BACKPRESSURE_SOFT_BYTES: must be below BACKPRESSURE_HARD_BYTES');
  }
  if (e.MAX_EVENT_BYTES > e.MAX_FRAME_BYTES)
    problems.push('  MAX_EVENT_BYTES: must not exceed MAX_FRAME_BYTES');
  if (e.NODE_ENV === 'production' && e.METRICS_PORT === undefined && !e.METRICS_TOKEN)
    problems.push(
      '  METRICS_PORT or METRICS_TOKEN: required when NODE_ENV=production (/metrics would be open to anyone)',
    );
  if (e.METRICS_PORT !== undefined && e.METRICS_PORT !== 0 && e.METRICS_PORT === e.PORT)
    problems.push('  METRICS_PORT: must differ from PORT');
  if (e.MEDIA_RTC_MIN_PORT > e.MEDIA_RTC_MAX_PORT)
    problems.push('  MEDIA_RTC_MIN_PORT: must not exceed MEDIA_RTC_MAX_PORT');
  if (e.REDIS_WAIT_REPLICAS > 0 && e.REDIS_CLUSTER)
    problems.push(
      '  REDIS_WAIT_REPLICAS: Redis standalone only (in a Cluster, WAIT reaches one shard; use ORDER_JOURNAL_URL)',
    );
  if (problems.length > 0) throw new ConfigError(`Invalid configuration:\n${problems.join('\n')}`);

  return {
    env: e.NODE_ENV,
    demoShows:
      e.DEMO_SHOWS === 'on' ||
      (e.DEMO_SHOWS === 'auto' && devSecret && e.NODE_ENV !== 'production'),
    host: e.HOST,
    port: e.PORT,
    logLevel: e.LOG_LEVEL,
    corsOrigin: !e.CORS_ORIGIN
      ? null
      : e.CORS_ORIGIN === '*'
        ? '*'
        : e.CORS_ORIGIN.split(',').map((o) => o.trim()),
    auth: {
      secret: devSecret ? DEV_JWT_SECRET : (e.AUTH_JWT_SECRET ?? null),
      jwksUrl: e.AUTH_JWKS_URL ?? null,
      issuer: e.AUTH_ISSUER ?? null,
      audience: e.AUTH_AUDIENCE ?? null,
      allowAnonymous: e.AUTH_ALLOW_ANONYMOUS,
      maxTokenAgeSeconds: e.AUTH_MAX_TOKEN_AGE_SECONDS,
      clockLeewaySeconds: e.AUTH_CLOCK_LEEWAY_SECONDS,
      devSecret,
    },
    limits: {
      maxEventBytes: e.MAX_EVENT_BYTES,
      maxFrameBytes: e.MAX_FRAME_BYTES,
      backpressureSoftBytes: e.BACKPRESSURE_SOFT_BYTES,
      backpressureHardBytes: e.BACKPRESSURE_HARD_BYTES,
      backpressureGraceMs: e.BACKPRESSURE_GRACE_MS,
      backpressureCheckMs: e.BACKPRESSURE_CHECK_MS,
      connectionRate: {
        capacity: e.CONNECTION_EVENTS_BURST,
        refillPerSecond: e.CONNECTION_EVENTS_PER_SECOND,
      },
      userRate: { capacity: e.USER_EVENTS_BURST, refillPerSecond: e.USER_EVENTS_PER_SECOND },
      maxRoomsPerConnection: e.MAX_ROOMS_PER_CONNECTION,
    },
    admission: {
      maxConnections: e.MAX_CONNECTIONS === 'auto' ? autoConnectionCap() : e.MAX_CONNECTIONS,
      nodeRate: rateOrNull(e.CONNECT_RATE_PER_SECOND, e.CONNECT_RATE_BURST),
      ipRate: rateOrNull(e.CONNECT_RATE_PER_IP_PER_SECOND, e.CONNECT_RATE_PER_IP_BURST),
      capRetryMs: e.CONNECT_RETRY_MS,
      trustProxy: e.TRUST_PROXY,
    },
    waitingRoom: {
      defaults: {
        capacity: e.ROOM_CAPACITY === 0 ? null : e.ROOM_CAPACITY,
        admitPerSecond: e.ROOM_ADMIT_PER_SECOND === 0 ? null : e.ROOM_ADMIT_PER_SECOND,
      },
      tickMs: e.WAITING_ROOM_TICK_MS,
      passMs: e.WAITING_ROOM_PASS_MS,
      keepMs: e.WAITING_ROOM_KEEP_MS,
    },
    overload: {
      enabled: e.OVERLOAD_SHEDDING,
      sampleMs: e.OVERLOAD_SAMPLE_MS,
      lagMs: e.OVERLOAD_LAG_MS,
      cpu: e.OVERLOAD_CPU,
      slowSockets: e.OVERLOAD_SLOW_SOCKETS,
      releaseMs: e.OVERLOAD_RELEASE_MS,
      chatBudgetPerTick: e.OVERLOAD_CHAT_BUDGET_PER_TICK,
      replayLimit: e.OVERLOAD_REPLAY_LIMIT,
      admitPerSecond: e.OVERLOAD_ADMIT_PER_SECOND,
    },
    rooms: {
      tickMs: e.TICK_MS,
      chatBudgetPerTick: e.CHAT_BUDGET_PER_TICK,
      chatRate: { capacity: e.CHAT_RATE_BURST, refillPerSecond: e.CHAT_RATE_PER_SECOND },
      claimRate: { capacity: e.CLAIM_RATE_BURST, refillPerSecond: e.CLAIM_RATE_PER_SECOND },
      bidRate: { capacity: e.BID_RATE_BURST, refillPerSecond: e.BID_RATE_PER_SECOND },
      reactionRate: {
        capacity: e.REACTION_RATE_BURST,
        refillPerSecond: e.REACTION_RATE_PER_SECOND,
      },
      viewerCountIntervalMs: e.VIEWER_COUNT_INTERVAL_MS,
      historyLength: e.HISTORY_LENGTH,
      replayLimit: e.REPLAY_LIMIT,
      retainEndedMs: e.ROOM_RETAIN_ENDED_SECONDS * 1000,
      autoShield: e.AUTO_SHIELD
        ? {
            joinsPerSecond: e.AUTO_SHIELD_JOINS_PER_SECOND,
            chatPerSecond: e.AUTO_SHIELD_CHAT_PER_SECOND,
            flaggedShare: e.AUTO_SHIELD_FLAGGED_SHARE,
            backlog: e.AUTO_SHIELD_BACKLOG,
            windowMs: e.AUTO_SHIELD_WINDOW_MS,
            releaseMs: e.AUTO_SHIELD_RELEASE_MS,
            settings: ShieldSettings.parse({
              slowModeSeconds: e.AUTO_SHIELD_SLOW_MODE_SECONDS,
              newAccountMinutes: e.AUTO_SHIELD_NEW_ACCOUNT_MINUTES,
              newcomers: e.AUTO_SHIELD_NEWCOMERS,
            }),
          }
        : null,
    },
    embedded: { storage: e.EMBEDDED_STORAGE, dataDir: resolve(e.DATA_DIR) },
    redis: e.REDIS_URL
      ? {
          url: e.REDIS_URL,
          keyPrefix: e.REDIS_KEY_PREFIX,
          cluster: e.REDIS_CLUSTER,
          presenceTtlMs: e.PRESENCE_TTL_MS,
          waitReplicas: e.REDIS_WAIT_REPLICAS,
          waitTimeoutMs: e.REDIS_WAIT_TIMEOUT_MS,
          journal: e.ORDER_JOURNAL_URL
            ? {
                url: e.ORDER_JOURNAL_URL,
                schema: e.ORDER_JOURNAL_SCHEMA,
                auditMs: e.ORDER_JOURNAL_AUDIT_MS,
              }
            : null,
        }
      : null,
    moderation: { policyFile: e.MODERATION_POLICY ? resolve(e.MODERATION_POLICY) : null },
    webhook:
      e.MERCHANT_WEBHOOK_URL && e.MERCHANT_WEBHOOK_SECRET
        ? {
            url: e.MERCHANT_WEBHOOK_URL,
            secret: e.MERCHANT_WEBHOOK_SECRET,
            maxBackoffMs: e.MERCHANT_WEBHOOK_MAX_BACKOFF_MS,
          }
        : null,
    nodeId: e.NODE_ID ?? null,
    drain: { timeoutMs: e.DRAIN_TIMEOUT_MS, reconnectMs: e.DRAIN_RECONNECT_MS },
    metrics: { port: e.METRICS_PORT ?? null, token: e.METRICS_TOKEN ?? null },
    media: e.MEDIA_ENABLED
      ? {
          workers: e.MEDIA_WORKERS ?? availableParallelism(),
          consumersPerWorker: e.MEDIA_CONSUMERS_PER_WORKER,
          listenIp: e.MEDIA_LISTEN_IP,
          announcedAddress: e.MEDIA_ANNOUNCED_ADDRESS,
          rtcMinPort: e.MEDIA_RTC_MIN_PORT,
          rtcMaxPort: e.MEDIA_RTC_MAX_PORT,
          maxIncomingBitrate: e.MEDIA_MAX_INCOMING_BITRATE,
          initialOutgoingBitrate: INITIAL_OUTGOING_BITRATE,
        }
      : null,
  };
}

/** What a viewer's transport sends at first, before bandwidth estimation has a figure. */
const INITIAL_OUTGOING_BITRATE = 1_000_000;

/** The connection cap the process's open-file limit allows; 0 (none) where it is unknown. */
function autoConnectionCap(): number {
  const limit = openFileLimit();
  return limit === null ? 0 : connectionCapFor(limit);
}

/** A token bucket from a rate (0: none) and a burst (default: one second's worth, at least 1). */
function rateOrNull(
  perSecond: number,
  burst: number | undefined,
): { capacity: number; refillPerSecond: number } | null {
  if (perSecond === 0) return null;
  return { capacity: burst ?? Math.max(1, Math.ceil(perSecond)), refillPerSecond: perSecond };
}
