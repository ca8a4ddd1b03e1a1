import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterEach } from 'vitest';
import { TEST_SECRET } from './server.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface ServerProcess {
  child: ChildProcess;
  port: number;
  url: string;
  /** Every log line the process printed, parsed. */
  logs: Record<string, unknown>[];
  /** Resolves with the exit code (or signal) when the process ends. */
  exited: Promise<number | string>;
}

/** Runs `server/main.ts` in its own process (as `npm start` would) on a free port; killed after each test. */
export function useServerProcesses(): (env?: Record<string, string>) => Promise<ServerProcess> {
  const children: ChildProcess[] = [];
  afterEach(() => {
    for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
  });
  return (env = {}) =>
    new Promise((resolve, reject) => {
      const child = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
        cwd: ROOT,
        env: {
          ...process.env,
          NODE_ENV: 'test',
          HOST: '127.0.0.1',
          PORT: '0',
          AUTH_JWT_SECRET: TEST_SECRET,
          LOG_LEVEL: 'info',
          MEDIA_ENABLED: 'false',
          // a busy CI machine must not shed what a test counts; overload tests turn it on
          OVERLOAD_SHEDDING: 'false',
          // tests flood chat on purpose; shield tests turn the automatic shield on
          AUTO_SHIELD: 'false',
          EMBEDDED_STORAGE: 'memory',
          ...env,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      children.push(child);
      const logs: Record<string, unknown>[] = [];
      const exited = new Promise<number | string>((done) =>
        child.once('exit', (code, signal) => done(code ?? signal ?? -1)),
      );
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      exited.then(
        (code) => reject(new Error(`server exited (${code}) before listening: ${stderr}`)),
        reject,
      );
      createInterface({ input: child.stdout }).on('line', (line) => {
        let entry: Record<string, unknown>;
        try {
          entry = JSON.parse(line) as Record<string, unknown>;
        } catch {
          return;
        }
        logs.push(entry);
        if (entry.msg === 'listening' && typeof entry.port === 'number') {
          resolve({ child, port: entry.port, url: `http://127.0.0.1:${entry.port}`, logs, exited });
        }
      });
    });
}

/** The environment of node `i` of a many-node test on one Redis, with limits a crowd of test clients needs. */
export function nodeEnv(
  redis: { url: string },
  prefix: string,
  i: number,
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    REDIS_URL: redis.url,
    REDIS_KEY_PREFIX: prefix,
    NODE_ID: `node${i}`,
    CONNECTION_EVENTS_PER_SECOND: '10000',
    CONNECTION_EVENTS_BURST: '10000',
    USER_EVENTS_PER_SECOND: '10000',
    USER_EVENTS_BURST: '10000',
    ...extra,
  };
}
