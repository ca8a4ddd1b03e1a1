import { spawn, type ChildProcess } from 'node:child_process';
import { Redis } from 'ioredis';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const REDIS_BIN = process.env.REDIS_SERVER_BIN ?? 'redis-server';

/** A free TCP port on loopback (free when asked; a caller that races others retries). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        address && typeof address === 'object'
          ? resolve(address.port)
          : reject(new Error('no port')),
      );
    });
  });
}

/** Runs redis-server with `args` (pinned to `cpu` when given); resolves once it accepts connections. */
export function spawnRedis(args: string[], cpu?: number): Promise<ChildProcess> {
  const argv = cpu === undefined ? args : ['-c', String(cpu), REDIS_BIN, ...args];
  const proc = spawn(cpu === undefined ? REDIS_BIN : 'taskset', argv, {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let output = '';
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('Ready to accept connections')) {
        proc.stdout.off('data', onData);
        proc.stdout.resume();
        resolve(proc);
      }
    };
    proc.stdout.on('data', onData);
    proc.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    proc.once('error', (err) =>
      reject(
        new Error(`cannot run ${REDIS_BIN} (install the redis-server package): ${err.message}`),
      ),
    );
    proc.once('exit', (code) => reject(new Error(`redis-server exited (${code}): ${output}`)));
  });
}

/** Stops a redis-server with SIGTERM (it finishes its append-only file first). */
export function stopRedis(proc: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (proc.exitCode !== null || proc.signalCode !== null) {
      resolve();
      return;
    }
    proc.once('exit', () => resolve());
    proc.kill('SIGTERM');
  });
}

/** A redis-server for one run, on a free loopback port, with an append-only file. */
export interface RedisServer {
  readonly url: string;
  readonly port: number;
  readonly pid: number;
  /** Stops it and starts it again on the same port with the same data. */
  restart(options?: { downMs?: number }): Promise<void>;
  /** Stops it, keeping its data for `start()`. */
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Stops it and deletes its data. */
  remove(): Promise<void>;
}

/**
 * Starts redis-server, pinned to `cpu` when given (a benchmark counts it as server side).
 * `fsync: 'always'` makes a SIGKILL lose nothing acknowledged, as tests want.
 */
export async function startRedisServer(
  options: { cpu?: number | undefined; fsync?: 'always' | 'everysec' } = {},
): Promise<RedisServer> {
  const dir = mkdtempSync(join(tmpdir(), 'liveshop-redis-'));
  const port = await freePort();
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', ''];
  args.push('--appendonly', 'yes', '--appendfsync', options.fsync ?? 'everysec');
  let child: ChildProcess | undefined = await spawnRedis(args, options.cpu);
  const server: RedisServer = {
    url: `redis://127.0.0.1:${port}`,
    port,
    get pid() {
      return child?.pid ?? 0;
    },
    async start() {
      child ??= await spawnRedis(args, options.cpu);
    },
    async stop() {
      if (child) await stopRedis(child);
      child = undefined;
    },
    async restart({ downMs = 0 } = {}) {
      await server.stop();
      if (downMs > 0) await new Promise((resolve) => setTimeout(resolve, downMs));
      await server.start();
    },
    async remove() {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return server;
}

/**
 * A replica of `master` (append-only file, fsync every second), pinned to `cpu` when given;
 * resolves once it has synced.
 */
export async function startReplica(master: RedisServer, cpu?: number): Promise<ChildProcess> {
  const admin = new Redis(master.port, '127.0.0.1');
  try {
    // the first sync at once (Redis waits 5 s for more replicas by default)
    await admin.config('SET', 'repl-diskless-sync-delay', '0');
    const dir = mkdtempSync(join(tmpdir(), 'liveshop-replica-'));
    const port = await freePort();
    const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', ''];
    args.push('--appendonly', 'yes', '--appendfsync', 'everysec');
    args.push('--replicaof', '127.0.0.1', String(master.port));
    const child = await spawnRedis(args, cpu);
    child.once('exit', () => rmSync(dir, { recursive: true, force: true }));
    for (;;) {
      const info = await admin.info('replication');
      if (/^slave0:.*state=online/m.test(info)) return child;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  } finally {
    admin.disconnect();
  }
}
