import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './redis-server.js';

/** Where Debian's postgresql package puts its programs (the newest version installed), or PATH. */
function binDir(): string {
  if (process.env.POSTGRES_BIN_DIR) return process.env.POSTGRES_BIN_DIR;
  const root = '/usr/lib/postgresql';
  if (existsSync(root)) {
    const versions = readdirSync(root)
      .filter((v) => existsSync(join(root, v, 'bin', 'postgres')))
      .sort((a, b) => Number(b) - Number(a));
    if (versions[0]) return join(root, versions[0], 'bin');
  }
  return '';
}

/** PostgreSQL refuses to run as root: as root, its programs run as the package's `postgres` user. */
function runAs(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const id = (flag: string) => Number(spawnSync('id', [flag, 'postgres']).stdout.toString().trim());
  const uid = id('-u');
  const gid = id('-g');
  if (!Number.isInteger(uid) || uid <= 0)
    throw new Error('running as root needs the postgres user (apt-get install postgresql)');
  return { uid, gid };
}

export interface PostgresServer {
  /** A connection URL for the `liveshop` database. */
  readonly url: string;
  readonly port: number;
  /** Its processes now: the postmaster and its children (backends, writers). */
  pids(): number[];
  /** Stops it and deletes its data. */
  remove(): Promise<void>;
}

/**
 * A PostgreSQL server for one run (tests, benchmarks): a fresh cluster in a temporary directory on
 * a free loopback port, with its socket there too, trusting local connections, and a `liveshop`
 * database. Durable as configured by default (fsync and synchronous_commit on).
 */
export async function startPostgresServer(options: { cpu?: number } = {}): Promise<PostgresServer> {
  const bin = binDir();
  const program = (name: string) => (bin ? join(bin, name) : name);
  const dir = mkdtempSync(join(tmpdir(), 'liveshop-pg-'));
  const data = join(dir, 'data');
  const user = runAs();
  if (user) chownSync(dir, user.uid, user.gid);
  const initdb = spawnSync(
    program('initdb'),
    ['-D', data, '-U', 'liveshop', '--auth=trust', '--no-sync', '-E', 'UTF8'],
    { ...user, stdio: 'pipe' },
  );
  if (initdb.error || initdb.status !== 0)
    throw new Error(
      `initdb failed (install the postgresql package): ${initdb.error?.message ?? initdb.stderr.toString()}`,
    );
  const port = await freePort();
  const args = ['-D', data, '-p', String(port), '-k', dir, '-c', 'listen_addresses=127.0.0.1'];
  args.push('-c', 'max_connections=200', '-c', 'fsync=on', '-c', 'synchronous_commit=on');
  const argv =
    options.cpu === undefined ? args : ['-c', String(options.cpu), program('postgres'), ...args];
  const child: ChildProcess = spawn(
    options.cpu === undefined ? program('postgres') : 'taskset',
    argv,
    {
      ...user,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  await new Promise<void>((resolve, reject) => {
    let output = '';
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('ready to accept connections')) {
        child.stderr?.off('data', onData);
        child.stderr?.resume();
        resolve();
      }
    };
    child.stderr?.on('data', onData);
    child.stdout?.resume();
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`postgres exited (${code}): ${output}`)));
  });
  const created = spawnSync(
    program('createdb'),
    ['-h', '127.0.0.1', '-p', String(port), '-U', 'liveshop', 'liveshop'],
    { ...user, stdio: 'pipe' },
  );
  if (created.status !== 0) throw new Error(`createdb failed: ${created.stderr.toString()}`);
  return {
    url: `postgres://liveshop@127.0.0.1:${port}/liveshop`,
    port,
    pids() {
      const root = child.pid ?? 0;
      const children = readdirSync('/proc')
        .filter((entry) => /^\d+$/.test(entry))
        .filter((pid) => {
          try {
            const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
            return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === root;
          } catch {
            return false;
          }
        })
        .map(Number);
      return [root, ...children];
    },
    async remove() {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        // fast shutdown: ends sessions, checkpoints, exits
        child.kill('SIGINT');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
