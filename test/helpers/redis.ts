import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';

/** A real redis-server on a free loopback port, for one test file. */
export interface TestRedis {
  readonly url: string;
  readonly port: number;
  /** Stops it (SIGTERM, so the append-only file is complete) and starts it again on the same port. */
  restart(options?: { downMs?: number }): Promise<void>;
  /** Stops it; `start()` brings it back on the same port with the same data. */
  stop(signal?: NodeJS.Signals): Promise<void>;
  start(): Promise<void>;
  /** A key prefix no other test uses, so tests sharing this Redis stay apart. */
  prefix(): string;
}

const REDIS_BIN = process.env.REDIS_SERVER_BIN ?? 'redis-server';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        if (address && typeof address === 'object') resolve(address.port);
        else reject(new Error('no port'));
      });
    });
  });
}

function runRedis(args: string[]): Promise<ChildProcess> {
  const proc = spawn(REDIS_BIN, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise<ChildProcess>((resolve, reject) => {
    let output = '';
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('Ready to accept connections')) {
        proc.stdout.off('data', onData);
        resolve(proc);
      }
    };
    proc.stdout.on('data', onData);
    proc.once('error', (err) =>
      reject(
        new Error(`cannot run ${REDIS_BIN} (install the redis-server package): ${err.message}`),
      ),
    );
    proc.once('exit', (code) => reject(new Error(`redis-server exited (${code}): ${output}`)));
  });
}

/** Starts redis-server before the file's tests and stops it (and deletes its files) after. */
export function useRedis(): TestRedis {
  const dir = mkdtempSync(join(tmpdir(), 'liveshop-redis-'));
  let port = 0;
  let child: ChildProcess | undefined;
  let prefixes = 0;

  const start = async (): Promise<void> => {
    port ||= await freePort();
    const args = [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--dir',
      dir,
      '--save',
      '',
      '--appendonly',
      'yes',
      '--appendfsync',
      'always',
    ];
    child = await runRedis(args);
  };

  const stop = async (signal: NodeJS.Signals = 'SIGTERM'): Promise<void> => {
    const proc = child;
    child = undefined;
    if (!proc || proc.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      proc.once('exit', () => resolve());
      proc.kill(signal);
    });
  };

  beforeAll(start, 20_000);
  afterAll(async () => {
    await stop();
    rmSync(dir, { recursive: true, force: true });
  });

  return {
    get url() {
      return `redis://127.0.0.1:${port}`;
    },
    get port() {
      return port;
    },
    start,
    stop,
    async restart({ downMs = 0 } = {}) {
      await stop();
      if (downMs > 0) await new Promise((resolve) => setTimeout(resolve, downMs));
      await start();
    },
    prefix: () => `t${process.pid}-${++prefixes}-${Math.random().toString(36).slice(2, 6)}:`,
  };
}

/** A local Redis Cluster of three masters (no replicas), for one test file. */
export interface TestRedisCluster {
  /** The first master; a cluster client discovers the rest. */
  readonly url: string;
  prefix(): string;
}

/** Starts three cluster-enabled redis-servers and joins them with `redis-cli --cluster create`. */
export function useRedisCluster(): TestRedisCluster {
  const dir = mkdtempSync(join(tmpdir(), 'liveshop-cluster-'));
  const children: ChildProcess[] = [];
  const ports: number[] = [];
  let prefixes = 0;

  beforeAll(async () => {
    for (let i = 0; i < 3; i++) ports.push(await freePort());
    for (const port of ports) {
      children.push(
        await runRedis([
          '--port',
          String(port),
          '--bind',
          '127.0.0.1',
          '--dir',
          dir,
          '--save',
          '',
          '--appendonly',
          'no',
          '--cluster-enabled',
          'yes',
          '--cluster-config-file',
          `nodes-${port}.conf`,
        ]),
      );
    }
    const nodes = ports.map((port) => `127.0.0.1:${port}`);
    await run('redis-cli', [
      '--cluster',
      'create',
      ...nodes,
      '--cluster-replicas',
      '0',
      '--cluster-yes',
    ]);
    // every node must agree that all slots are served before clients connect
    for (const port of ports) {
      for (let tries = 0; ; tries++) {
        const info = await run('redis-cli', ['-p', String(port), 'cluster', 'info']);
        if (info.includes('cluster_state:ok')) break;
        if (tries > 200) throw new Error(`cluster not ok on ${port}: ${info}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
  }, 30_000);
  afterAll(async () => {
    await Promise.all(
      children.map(
        (proc) =>
          new Promise<void>((resolve) => {
            if (proc.exitCode !== null) resolve();
            proc.once('exit', () => resolve());
            proc.kill('SIGTERM');
          }),
      ),
    );
    rmSync(dir, { recursive: true, force: true });
  });

  return {
    get url() {
      return `redis://127.0.0.1:${ports[0] ?? 0}`;
    },
    prefix: () => `c${process.pid}-${++prefixes}-${Math.random().toString(36).slice(2, 6)}:`,
  };
}

function run(command: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const proc = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    proc.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    proc.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    proc.once('error', reject);
    proc.once('exit', (code) =>
      code === 0 ? resolve(output) : reject(new Error(`${command} failed (${code}): ${output}`)),
    );
  });
}
