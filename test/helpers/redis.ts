import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { afterAll, beforeAll } from 'vitest';
import { restartablePort } from './network.js';
import {
  spawnRedis,
  startRedisServer,
  stopRedis,
  type RedisServer,
} from '../../load-tests/lib/redis-server.js';

/** A real redis-server on a free loopback port, for one test file. */
export interface TestRedis {
  readonly url: string;
  /** Stops it (SIGTERM, so the append-only file is complete) and starts it again on the same port. */
  restart(options?: { downMs?: number }): Promise<void>;
  /** Stops it; `start()` brings it back on the same port with the same data. */
  stop(): Promise<void>;
  start(): Promise<void>;
  /** A key prefix no other test uses, so tests sharing this Redis stay apart. */
  prefix(): string;
}

let prefixes = 0;
const uniquePrefix = (tag: string) =>
  `${tag}${process.pid}-${++prefixes}-${Math.random().toString(36).slice(2, 6)}:`;

/** Starts redis-server (fsync always) before the file's tests and removes it after. */
export function useRedis(): TestRedis {
  let server: RedisServer | undefined;
  const running = () => {
    if (!server) throw new Error('useRedis: Redis is not started yet (use it inside a test)');
    return server;
  };
  beforeAll(async () => {
    server = await startRedisServer({ fsync: 'always' });
  }, 20_000);
  afterAll(() => server?.remove());
  return {
    get url() {
      return running().url;
    },
    start: () => running().start(),
    stop: () => running().stop(),
    restart: (options) => running().restart(options),
    prefix: () => uniquePrefix('t'),
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

  beforeAll(async () => {
    // a cluster node also listens on its port + 10000 (the bus): both free, and out of the range
    // the kernel gives client sockets, so neither is taken meanwhile
    for (let i = 0; i < 3; i++) ports.push(await restartablePort(10_000));
    for (const port of ports) {
      const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', ''];
      args.push('--cluster-enabled', 'yes', '--cluster-config-file', `nodes-${port}.conf`);
      children.push(await spawnRedis(args));
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
    await Promise.all(children.map(stopRedis));
    rmSync(dir, { recursive: true, force: true });
  });

  return {
    get url() {
      return `redis://127.0.0.1:${ports[0] ?? 0}`;
    },
    prefix: () => uniquePrefix('c'),
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
