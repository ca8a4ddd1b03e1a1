import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { SignJWT } from 'jose';
import { WebSocket } from 'ws';
import { startPostgresServer } from './postgres-server.js';
import { startRedisServer, startReplica, stopRedis, type RedisServer } from './redis-server.js';
import type { Protocol } from './subscriber.js';
import { WireClient } from './wire-client.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const BENCH_SECRET = 'load-test-secret-load-test-secret-0123456789';

/** A token the benchmarked servers accept: HS256 with {@link BENCH_SECRET}, valid two hours. */
export function benchToken(subject: string, claims: Record<string, unknown> = {}): Promise<string> {
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(subject)
    .setExpirationTime('2h')
    .sign(new TextEncoder().encode(BENCH_SECRET));
}

/** Sends chat into a room and resolves with the message's seq once the server accepted it. */
export interface Publisher {
  send(text: string): Promise<number>;
  close(): void;
}

/** A server under test: one process, or several nodes and their Redis. */
export interface Target {
  readonly name: TargetName;
  /** The first node's process. */
  readonly pid: number;
  /** Every server-side process: the nodes, and Redis when there is one. */
  readonly pids: number[];
  /** The first node, where publishers connect. */
  readonly url: string;
  /** Every node. */
  readonly urls: string[];
  /** The Redis behind a many-node target. */
  readonly redis?: RedisServer;
  /** The processes of its stores (Redis, a replica, PostgreSQL) now; their CPU is server CPU. */
  stores?(): number[];
  readonly protocol: Protocol;
  /** A publisher connection, ready to send chat into `roomId` (creating the stream on our server). */
  publisher(roomId: string): Promise<Publisher>;
  stop(): Promise<void>;
}

export type TargetName =
  | 'liveshop'
  | 'liveshop-groups'
  | 'liveshop-durable'
  | 'plain-socketio'
  | 'uws-raw'
  | 'liveshop-redis'
  | 'liveshop-redis-always'
  | 'liveshop-redis-wait'
  | 'liveshop-redis-journal'
  | 'liveshop-2nodes'
  | 'sio-redis'
  | 'sio-redis-sharded'
  | 'sio-redis-streams';

export const TARGET_LABELS: Record<TargetName, string> = {
  liveshop: '**liveshop** (socket.io on uWS, batched)',
  'liveshop-groups': '**liveshop, viewers in policy groups** (one batch per group each tick)',
  'liveshop-durable': '**liveshop, durable embedded engine** (SQLite journal, group commit)',
  'plain-socketio': 'plain socket.io (ws engine, default adapter)',
  'uws-raw': 'raw uWS publish, one message per frame (ceiling)',
  'liveshop-redis': '**liveshop, 1 node + Redis**',
  'liveshop-redis-always': '**liveshop, 1 node + Redis, AOF fsync always**',
  'liveshop-redis-wait': '**liveshop, 1 node + Redis + 1 replica, WAIT 1 per order**',
  'liveshop-redis-journal': '**liveshop, 1 node + Redis + order journal** (PostgreSQL, fsync on)',
  'liveshop-2nodes': '**liveshop, 2 nodes + Redis** (room log + sharded pub/sub)',
  'sio-redis': 'socket.io, 2 nodes + @socket.io/redis-adapter (pub/sub)',
  'sio-redis-sharded': 'socket.io, 2 nodes + @socket.io/redis-adapter (sharded pub/sub)',
  'sio-redis-streams': 'socket.io, 2 nodes + @socket.io/redis-streams-adapter',
};

/** Targets made of nodes sharing a Redis (two, unless said). */
const MULTI_NODE: Partial<
  Record<
    TargetName,
    {
      entry: TargetName;
      env: Record<string, string>;
      nodes?: number;
      /** Redis's AOF fsync (everysec unless said). */
      fsync?: 'always';
      /** A replica, and WAIT for it on every drop and order. */
      replica?: boolean;
      /** The order journal in a PostgreSQL of its own. */
      journal?: boolean;
    }
  >
> = {
  'liveshop-redis': { entry: 'liveshop', env: {}, nodes: 1 },
  'liveshop-redis-always': { entry: 'liveshop', env: {}, nodes: 1, fsync: 'always' },
  'liveshop-redis-wait': {
    entry: 'liveshop',
    env: { REDIS_WAIT_REPLICAS: '1' },
    nodes: 1,
    replica: true,
  },
  'liveshop-redis-journal': { entry: 'liveshop', env: {}, nodes: 1, journal: true },
  'liveshop-2nodes': { entry: 'liveshop', env: {} },
  'sio-redis': { entry: 'plain-socketio', env: { ADAPTER: 'redis' } },
  'sio-redis-sharded': { entry: 'plain-socketio', env: { ADAPTER: 'redis-sharded' } },
  'sio-redis-streams': { entry: 'plain-socketio', env: { ADAPTER: 'redis-streams' } },
};

/** Settings for our server in a benchmark: anonymous subscribers, no rate limits or sampling in the way. */
const LIVESHOP_ENV: Record<string, string> = {
  // the in-memory engine unless a scenario asks for the durable one (its cost is its own figure)
  EMBEDDED_STORAGE: 'memory',
  NODE_ENV: 'production',
  AUTH_JWT_SECRET: BENCH_SECRET,
  METRICS_TOKEN: BENCH_SECRET,
  AUTH_ALLOW_ANONYMOUS: 'true',
  CHAT_RATE_PER_SECOND: '1000000',
  CHAT_RATE_BURST: '1000000',
  CONNECTION_EVENTS_PER_SECOND: '1000000',
  CONNECTION_EVENTS_BURST: '1000000',
  USER_EVENTS_PER_SECOND: '1000000',
  USER_EVENTS_BURST: '1000000',
  CHAT_BUDGET_PER_TICK: '10000',
  CLAIM_RATE_PER_SECOND: '1000000',
  CLAIM_RATE_BURST: '1000000',
  // the same work as the baselines; the flash-crowd scenario turns shedding on
  OVERLOAD_SHEDDING: 'false',
  AUTO_SHIELD: 'false',
};

const ENTRY: Record<'liveshop' | 'plain-socketio' | 'uws-raw', string[]> = {
  liveshop: ['dist/server/main.js'],
  'plain-socketio': ['--import', 'tsx', 'load-tests/baselines/plain-socketio.ts'],
  'uws-raw': ['--import', 'tsx', 'load-tests/baselines/uws-raw.ts'],
};

/**
 * Starts a target pinned to `cpu` (taskset), on free loopback ports: one process, or for a
 * many-node target two nodes and their Redis, all on the server's core.
 */
export async function startTarget(
  name: TargetName,
  cpu: number | undefined,
  env: Record<string, string> = {},
): Promise<Target> {
  const multi = MULTI_NODE[name];
  // our server with viewers split into policy groups: the caller passes the policy in `env`
  if (name === 'liveshop-groups') return startNode(name, 'liveshop', cpu, env);
  // the embedded engine as `npm start` runs it: its journal in a directory of its own
  if (name === 'liveshop-durable') {
    const dataDir = mkdtempSync(join(tmpdir(), 'liveshop-bench-data-'));
    const node = await startNode(name, 'liveshop', cpu, {
      ...env,
      EMBEDDED_STORAGE: 'file',
      DATA_DIR: dataDir,
    });
    return {
      ...node,
      async stop() {
        await node.stop();
        rmSync(dataDir, { recursive: true, force: true });
      },
    };
  }
  if (!multi) return startNode(name, name as keyof typeof ENTRY, cpu, env);
  const redis = await startRedisServer({ cpu, ...(multi.fsync ? { fsync: multi.fsync } : {}) });
  const replica = multi.replica ? await startReplica(redis, cpu) : undefined;
  const postgres = multi.journal
    ? await startPostgresServer(cpu === undefined ? {} : { cpu })
    : undefined;
  const prefix = `bench${Date.now()}:`;
  const nodes = await Promise.all(
    Array.from({ length: multi.nodes ?? 2 }, (_, i) =>
      startNode(name, multi.entry as keyof typeof ENTRY, cpu, {
        ...multi.env,
        ...env,
        REDIS_URL: redis.url,
        REDIS_KEY_PREFIX: prefix,
        NODE_ID: `node${i}`,
        NODE_NUMBER: String(i),
        ...(postgres ? { ORDER_JOURNAL_URL: postgres.url } : {}),
      }),
    ),
  );
  const [first] = nodes as [Target, Target];
  const stores = () => [
    redis.pid,
    ...(replica?.pid ? [replica.pid] : []),
    ...(postgres?.pids() ?? []),
  ];
  return {
    ...first,
    get pids() {
      return [...nodes.map((n) => n.pid), ...stores()];
    },
    get urls() {
      return nodes.map((n) => n.url);
    },
    redis,
    stores,
    async stop() {
      await Promise.all(nodes.map((n) => n.stop()));
      if (replica) await stopRedis(replica);
      await redis.remove();
      await postgres?.remove();
    },
  };
}

async function startNode(
  name: TargetName,
  entry: keyof typeof ENTRY,
  cpu: number | undefined,
  env: Record<string, string>,
): Promise<Target> {
  // PROFILE_DIR=/tmp/prof writes a CPU profile of each server process (stopped with SIGINT then)
  const prof = process.env.PROFILE_DIR;
  // LAG_PROBE_FILE in `env`: the process writes its event-loop delay there every second
  const probe = env.LAG_PROBE_FILE
    ? ['--import', join(ROOT, 'dist/load-tests/lib/lag-probe.js')]
    : [];
  const args = [
    ...(prof ? ['--cpu-prof', `--cpu-prof-dir=${prof}`] : []),
    ...probe,
    ...ENTRY[entry],
  ];
  const command = cpu === undefined ? process.execPath : 'taskset';
  const argv = cpu === undefined ? args : ['-c', String(cpu), process.execPath, ...args];
  const child = spawn(command, argv, {
    cwd: ROOT,
    env: {
      ...process.env,
      HOST: '127.0.0.1',
      PORT: '0',
      ...(entry === 'liveshop' ? LIVESHOP_ENV : {}),
      ...env,
      LOG_LEVEL: 'info',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await listeningPort(child);
  const url = `http://127.0.0.1:${port}`;
  const protocol: Protocol = entry === 'uws-raw' ? 'raw' : 'socketio';
  const pid = child.pid ?? 0;
  return {
    name,
    pid,
    pids: [pid],
    url,
    urls: [url],
    protocol,
    publisher: (roomId) =>
      protocol === 'raw' ? rawPublisher(url, roomId) : socketIoPublisher(entry, url, roomId),
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) {
          resolve();
          return;
        }
        child.once('exit', () => resolve());
        child.kill(prof ? 'SIGINT' : 'SIGKILL');
        if (prof) setTimeout(() => child.kill('SIGINT'), 500);
      }),
  };
}

async function socketIoPublisher(
  name: keyof typeof ENTRY,
  url: string,
  roomId: string,
): Promise<Publisher> {
  const token = await benchToken('publisher', { role: 'host' });
  const client = await WireClient.connect({ url, auth: { token } });
  if (name === 'liveshop') await client.request('stream:create', { roomId, title: 'Load test' });
  const joined = (await client.request('room:join', { roomId })) as { ok?: boolean };
  if (joined.ok !== true) throw new Error(`publisher could not join: ${JSON.stringify(joined)}`);
  return {
    async send(text) {
      const ack = (await client.request('chat:send', { roomId, text })) as {
        ok?: boolean;
        seq?: number;
      };
      if (ack.ok !== true || ack.seq === undefined)
        throw new Error(`chat refused: ${JSON.stringify(ack)}`);
      return ack.seq;
    },
    close: () => client.close(),
  };
}

async function rawPublisher(url: string, roomId: string): Promise<Publisher> {
  const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/raw`, { perMessageDeflate: false });
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  const waiting = new Map<number, (seq: number) => void>();
  ws.on('message', (data) => {
    const text = (data as Buffer).toString();
    if (!text.startsWith('{"ack"')) return;
    const { ack, seq } = JSON.parse(text) as { ack: number; seq: number };
    waiting.get(ack)?.(seq);
    waiting.delete(ack);
  });
  let id = 0;
  return {
    send: (text) =>
      new Promise((resolve) => {
        const n = id++;
        waiting.set(n, resolve);
        ws.send(JSON.stringify({ chat: { room: roomId, text }, id: n }));
      }),
    close: () => ws.terminate(),
  };
}

function listeningPort(child: ChildProcess): Promise<number> {
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`server exited (${code}) before listening`)));
    if (!child.stdout) throw new Error('no stdout');
    createInterface({ input: child.stdout }).on('line', (line) => {
      try {
        const entry = JSON.parse(line) as { msg?: string; port?: number };
        if (entry.msg === 'listening' && typeof entry.port === 'number') resolve(entry.port);
      } catch {
        // not a log line
      }
    });
  });
}
