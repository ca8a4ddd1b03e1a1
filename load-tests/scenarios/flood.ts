import { SignJWT } from 'jose';
import { percentiles, type Percentiles } from '../lib/histogram.js';
import { joinAll, loadCpuSeconds, waitFor } from '../lib/measure.js';
import { cpuSeconds } from '../lib/proc.js';
import { BENCH_SECRET, startTarget, type TargetName } from '../lib/targets.js';
import { WireClient } from '../lib/wire-client.js';
import { WorkerPool } from '../lib/workers.js';

export interface FloodOptions {
  chatters: number;
  /** Messages per second from each chatter. */
  perChatter: number;
  viewers: number;
  seconds: number;
  serverCpu?: number | undefined;
  loadCpu?: number | undefined;
}

export interface FloodResult {
  target: TargetName;
  chatters: number;
  viewers: number;
  /** Chat messages the server accepted per second (all of them go to the history on ours). */
  acceptedPerSecond: number;
  /** Chat messages delivered to viewers per second, summed over viewers. */
  deliveriesPerSecond: number;
  /** Share of the offered messages each viewer got (sampling on ours; lateness on a saturated server). */
  deliveredShare: number;
  /** Share of one server core used. */
  serverCoreBusy: number;
  /** From the chatter's send to a viewer's receipt (includes time queued inside a busy server). */
  latencyMs: Percentiles;
  loadCoreBusy: number;
  wallSeconds: number;
}

const ROOM = 'flood';

/**
 * Hot-room chat flood: M chatters each sending at r/s into one room watched by N viewers. Our
 * server runs its defaults here (a per-tick chat budget, then sampling); the baselines send
 * everything to everyone.
 */
export async function flood(name: TargetName, options: FloodOptions): Promise<FloodResult> {
  const target = await startTarget(name, options.serverCpu, { CHAT_BUDGET_PER_TICK: '20' });
  const pool = await WorkerPool.start(
    Math.max(1, Math.ceil(options.viewers / 5000)),
    options.loadCpu,
  );
  const chatters: { send(text: string): Promise<boolean>; close(): void }[] = [];
  try {
    (await target.publisher(ROOM)).close(); // creates the room on ours
    const connected = await joinAll(pool, target, ROOM, options.viewers, { latencyFrom: 'sender' });
    for (let i = 0; i < options.chatters; i++)
      chatters.push(await chatter(target.url, target.protocol, i));

    await pool.reset();
    const cpu0 = cpuSeconds(target.pid);
    const load0 = loadCpuSeconds(pool);
    const started = performance.now();
    let accepted = 0;
    const total = options.chatters * options.perChatter * options.seconds;
    const rate = options.chatters * options.perChatter;
    const acks: Promise<void>[] = [];
    let sent = 0;
    while (sent < total) {
      const due = Math.min(total, Math.floor(((performance.now() - started) / 1000) * rate) + 1);
      for (; sent < due; sent++) {
        const c = chatters[sent % chatters.length];
        if (c) {
          acks.push(
            c.send(`t${Date.now()}`).then((ok) => {
              if (ok) accepted++;
            }),
          );
        }
      }
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    await Promise.all(acks);
    // a saturated server may take minutes to deliver everything: count what arrived in time
    const report = await waitFor(pool, () => false, 1000, options.seconds * 1000 + 20_000);
    const wall = (performance.now() - started) / 1000;
    return {
      target: name,
      chatters: options.chatters,
      viewers: connected,
      acceptedPerSecond: accepted / options.seconds,
      deliveriesPerSecond: report.delivered / wall,
      deliveredShare: report.delivered / (connected * total),
      serverCoreBusy: (cpuSeconds(target.pid) - cpu0) / wall,
      latencyMs: percentiles(report.histogram),
      loadCoreBusy: (loadCpuSeconds(pool) - load0) / wall,
      wallSeconds: wall,
    };
  } finally {
    for (const c of chatters) c.close();
    pool.close();
    await target.stop();
  }
}

async function chatter(url: string, protocol: 'socketio' | 'raw', i: number) {
  if (protocol === 'raw') {
    const { WebSocket } = await import('ws');
    const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/raw`);
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    return {
      send: (text: string) => {
        ws.send(JSON.stringify({ chat: { room: ROOM, text } }));
        return Promise.resolve(true);
      },
      close: () => ws.terminate(),
    };
  }
  const token = await new SignJWT({})
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(`chatter${i}`)
    .setExpirationTime('1h')
    .sign(new TextEncoder().encode(BENCH_SECRET));
  const client = await WireClient.connect({ url, auth: { token } });
  await client.request('room:join', { roomId: ROOM });
  return {
    send: async (text: string) =>
      ((await client.request('chat:send', { roomId: ROOM, text })) as { ok?: boolean }).ok === true,
    close: () => client.close(),
  };
}
