/**
 * `npm run cluster -- --nodes 3`: N server processes sharing one Redis, behind a small TCP
 * balancer on PORT (default 3000), so a laptop can try what production runs on many machines.
 * Without REDIS_URL it starts its own redis-server (it must be installed) on a free port.
 * Nodes listen on PORT+1..PORT+N; every other setting comes from the environment as for
 * `npm start`. Ctrl-C drains the nodes and stops everything.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { startBalancer } from './balancer.js';

const { values } = parseArgs({
  options: {
    nodes: { type: 'string', default: '3' },
    port: { type: 'string', default: process.env.PORT ?? '3000' },
  },
});
const count = Number(values.nodes);
const port = Number(values.port);
const host = process.env.HOST ?? '127.0.0.1';
if (!Number.isInteger(count) || count < 1 || count > 64) throw new Error('--nodes: 1 to 64');

let stopping = false;
const MAIN = fileURLToPath(new URL('../main.js', import.meta.url));
const children: ChildProcess[] = [];
const say = (text: string) => process.stdout.write(`[cluster] ${text}\n`);

let redisUrl = process.env.REDIS_URL;
let redisDir: string | undefined;
if (!redisUrl) {
  redisDir = mkdtempSync(join(tmpdir(), 'liveshop-cluster-'));
  const redisPort = port + 1000;
  const redis = spawn(
    'redis-server',
    ['--port', String(redisPort), '--bind', '127.0.0.1', '--dir', redisDir, '--appendonly', 'yes'],
    { stdio: ['ignore', 'ignore', 'inherit'], detached: true },
  );
  redis.once('error', (err) => {
    say(`cannot start redis-server (${err.message}); install it, or set REDIS_URL`);
    process.exit(1);
  });
  children.push(redis);
  redisUrl = `redis://127.0.0.1:${redisPort}`;
  say(`redis-server on ${redisUrl} (data in ${redisDir})`);
}

const ports = Array.from({ length: count }, (_, i) => port + 1 + i);
for (const [i, nodePort] of ports.entries()) {
  const child = spawn(process.execPath, [MAIN], {
    env: {
      ...process.env,
      HOST: host,
      PORT: String(nodePort),
      REDIS_URL: redisUrl,
      NODE_ID: `node${i + 1}`,
    },
    stdio: 'inherit',
    // its own process group: Ctrl-C reaches this launcher only, which drains each node once
    detached: true,
  });
  child.once('exit', (code, signal) => {
    if (!stopping) say(`node${i + 1} exited (${code ?? signal}); the others carry on`);
  });
  children.push(child);
}
const nodeHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
const balancer = await startBalancer(ports, { host, port }, nodeHost);
say(`${count} nodes on ${ports.join(', ')}; connect to ${balancer.url}`);

const stop = () => {
  if (stopping) return;
  stopping = true;
  say('stopping: draining the nodes');
  void balancer.close();
  const nodes = children.slice(redisDir ? 1 : 0);
  const redis = redisDir ? children[0] : undefined;
  void Promise.all(nodes.map(terminate))
    .then(() => redis && terminate(redis))
    .then(() => {
      if (redisDir) rmSync(redisDir, { recursive: true, force: true });
      process.exit(0);
    });
};

function terminate(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else {
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    }
  });
}
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
