import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A redis-server for one benchmark run, on a free loopback port, with an append-only file. */
export interface RedisServer {
  readonly url: string;
  readonly pid: number;
  /** SIGTERM, then start again on the same port with the same data; resolves when it accepts again. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

function freePort(): Promise<number> {
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

/** Starts redis-server, pinned to `cpu` when given (it belongs to the server side of a benchmark). */
export async function startRedisServer(cpu: number | undefined): Promise<RedisServer> {
  const dir = mkdtempSync(join(tmpdir(), 'liveshop-bench-redis-'));
  const port = await freePort();
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', ''];
  args.push('--appendonly', 'yes', '--appendfsync', 'everysec');
  let child: ChildProcess = await run();

  function run(): Promise<ChildProcess> {
    const argv = cpu === undefined ? args : ['-c', String(cpu), 'redis-server', ...args];
    const proc = spawn(cpu === undefined ? 'redis-server' : 'taskset', argv, {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    return new Promise((resolve, reject) => {
      let output = '';
      proc.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes('Ready to accept connections')) resolve(proc);
      });
      proc.once('error', reject);
      proc.once('exit', (code) => reject(new Error(`redis-server exited (${code}): ${output}`)));
    });
  }

  const stop = (proc: ChildProcess) =>
    new Promise<void>((resolve) => {
      if (proc.exitCode !== null) {
        resolve();
        return;
      }
      proc.once('exit', () => resolve());
      proc.kill('SIGTERM');
    });

  return {
    url: `redis://127.0.0.1:${port}`,
    get pid() {
      return child.pid ?? 0;
    },
    async restart() {
      await stop(child);
      child = await run();
    },
    async stop() {
      await stop(child);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
