import { sourceAddresses, waitFor } from '../lib/measure.js';
import { rssBytes } from '../lib/proc.js';
import { startTarget, type Target, type TargetName } from '../lib/targets.js';
import { WorkerPool } from '../lib/workers.js';

export interface IdleOptions {
  connections: number;
  /** Server processes to spread the connections over (one core each is not needed: they idle). */
  processes: number;
  /** Rooms the connections join, round robin; 0 only connects (and authenticates). */
  rooms: number;
  /** How long connections idle before RSS is read (default 3 s). */
  settleMs?: number;
  serverCpu?: number | undefined;
  loadCpu?: number | undefined;
}

export interface IdleResult {
  target: TargetName;
  connections: number;
  processes: number;
  /** Sum over the server processes. */
  rssBeforeMiB: number;
  rssAfterMiB: number;
  bytesPerConnection: number;
}

/** Idle density: N connections, each a viewer in a room, held open; server RSS per connection. */
export async function idle(name: TargetName, options: IdleOptions): Promise<IdleResult> {
  const targets: Target[] = [];
  const perWorker = 10_000;
  const pool = await WorkerPool.start(
    Math.max(1, Math.ceil(options.connections / perWorker)),
    options.loadCpu,
  );
  try {
    for (let i = 0; i < options.processes; i++)
      targets.push(await startTarget(name, options.serverCpu));
    const roomIds = Array.from({ length: options.rooms }, (_, i) => `room${i}`);
    // rooms exist on our server once a host created them; the publishers do that
    for (const t of targets) for (const roomId of roomIds) (await t.publisher(roomId)).close();
    const rss = () => targets.reduce((sum, t) => sum + rssBytes(t.pid), 0);
    const before = rss();
    const { connected } = await pool.connect({
      protocol: targets[0]?.protocol ?? 'socketio',
      urls: targets.map((t) => t.url),
      roomIds,
      total: options.connections,
      localAddresses: sourceAddresses(Math.ceil(options.connections / options.processes)),
    });
    if (connected < options.connections)
      throw new Error(`only ${connected} of ${options.connections} connected`);
    // let the servers settle (handshake garbage collected, timers armed), still all open
    await new Promise((resolve) => setTimeout(resolve, options.settleMs ?? 3000));
    const report = await waitFor(pool, (r) => r.open === connected, 2000);
    if (report.open < connected)
      throw new Error(`${connected - report.open} connections dropped while idle`);
    const after = rss();
    return {
      target: name,
      connections: connected,
      processes: options.processes,
      rssBeforeMiB: before / 2 ** 20,
      rssAfterMiB: after / 2 ** 20,
      bytesPerConnection: (after - before) / connected,
    };
  } finally {
    pool.close();
    await Promise.all(targets.map((t) => t.stop()));
  }
}
