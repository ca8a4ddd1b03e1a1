import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { joinAll } from '../lib/measure.js';
import { cpuSeconds } from '../lib/proc.js';
import { BENCH_SECRET, startTarget, type TargetName } from '../lib/targets.js';
import { WorkerPool } from '../lib/workers.js';

export interface ConnectCostOptions {
  connections: number;
  /** Chat messages in the room before anyone joins (each snapshot carries the recent ones). */
  chat: number;
  serverCpu?: number | undefined;
  loadCpu?: number | undefined;
  /** `wire`: the load workers' minimal clients; `sdk`: real SDK clients (what apps ship: they also sync the clock once). */
  client: 'wire' | 'sdk';
}

export interface ConnectCostResult {
  target: TargetName;
  connections: number;
  /** Server CPU from the first connection to the last join answered, in seconds. */
  serverCpuSeconds: number;
  /** Server CPU per connection opened, signed in and joined (snapshot included), ms. */
  msPerConnection: number;
  wallSeconds: number;
}

const ROOM = 'connect-cost';

/**
 * What a newcomer costs the server: `connections` signed-in viewers (a JWT each) open a
 * connection and join one room, whose snapshot carries its recent chat; the server's CPU over the
 * whole arrival, per connection. Plain socket.io joins a socket.io room (no auth, no snapshot);
 * raw uWS only opens the WebSocket (the floor).
 */
export async function connectCost(
  name: TargetName,
  options: ConnectCostOptions,
): Promise<ConnectCostResult> {
  const target = await startTarget(name, options.serverCpu);
  const pool =
    options.client === 'wire'
      ? await WorkerPool.start(Math.max(1, Math.ceil(options.connections / 5000)), options.loadCpu)
      : undefined;
  try {
    const publisher = await target.publisher(ROOM);
    for (let i = 0; i < options.chat; i++) await publisher.send(`recent message ${i} `.repeat(3));
    // let the server settle after the room's creation and its chat
    await new Promise((resolve) => setTimeout(resolve, 500));
    let cpu0 = cpuSeconds(target.pid);
    let started = performance.now();
    const connected = pool
      ? await joinAll(pool, target, ROOM, options.connections, {
          secret: BENCH_SECRET,
          regions: ['US'],
        })
      : await sdkJoin(target.url, options.connections, options.loadCpu, () => {
          cpu0 = cpuSeconds(target.pid);
          started = performance.now();
        });
    const serverCpuSeconds = cpuSeconds(target.pid) - cpu0;
    const wallSeconds = (performance.now() - started) / 1000;
    publisher.close();
    return {
      target: name,
      connections: connected,
      serverCpuSeconds,
      msPerConnection: (serverCpuSeconds * 1000) / connected,
      wallSeconds,
    };
  } finally {
    pool?.close();
    await target.stop();
  }
}

const JOINER = fileURLToPath(new URL('../sdk-joiner.ts', import.meta.url));

/** Joins `count` SDK clients from a process of their own; `go()` is called as they start. */
async function sdkJoin(
  url: string,
  count: number,
  cpu: number | undefined,
  go: () => void,
): Promise<number> {
  const args = ['--import', 'tsx', JOINER, url, ROOM, String(count), BENCH_SECRET];
  const child =
    cpu === undefined
      ? spawn(process.execPath, args, { stdio: ['pipe', 'pipe', 'inherit'] })
      : spawn('taskset', ['-c', String(cpu), process.execPath, ...args], {
          stdio: ['pipe', 'pipe', 'inherit'],
        });
  try {
    const lines = createInterface({ input: child.stdout });
    const next = () =>
      new Promise<Record<string, number | boolean>>((resolve, reject) => {
        child.once('exit', (code) => reject(new Error(`SDK joiner exited (${code})`)));
        lines.once('line', (line) => resolve(JSON.parse(line) as Record<string, number>));
      });
    await next(); // tokens signed
    go();
    child.stdin.write('go\n');
    const { joined = 0 } = (await next()) as { joined?: number };
    if (joined < count) throw new Error(`only ${joined} of ${count} SDK clients joined`);
    return joined;
  } finally {
    child.kill('SIGTERM');
  }
}
