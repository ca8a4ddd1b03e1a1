import { readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ClaimerPool } from '../lib/claimers.js';
import { latencyHistogram, percentiles, type Percentiles } from '../lib/histogram.js';
import { joinAll, peakPerSecond, peaksBy, waitFor } from '../lib/measure.js';
import { coreTimes, cpuSeconds, openFiles, rssBytes, type CoreTimes } from '../lib/proc.js';
import { BENCH_SECRET, benchToken, startTarget, type TargetName } from '../lib/targets.js';
import { WireClient } from '../lib/wire-client.js';
import { WorkerPool } from '../lib/workers.js';

export interface FlashCrowdOptions {
  /** Viewers in the room before the surge, watching its chat. */
  viewers: number;
  /** New connections arriving during the surge. */
  newcomers: number;
  surgeSeconds: number;
  /** Chat messages per second into the room throughout. */
  chatRate: number;
  /** Units of the drop that starts in the middle of the surge; `buyers` of the viewers claim it. */
  quantity: number;
  buyers: number;
  /** Load processes for the newcomers (one process may hold at most 20,000 open files here). */
  workers: number;
  /** Our server's admission rate (CONNECT_RATE_PER_SECOND); 0: none. */
  admitRate: number;
  serverCpu?: number | undefined;
  loadCpu?: number | undefined;
}

export interface FlashCrowdResult {
  target: TargetName;
  /** The existing viewers' chat during the surge, from each message's send to its arrival. */
  chatMs: Percentiles;
  chatDelivered: number;
  chatLost: number;
  joined: number;
  gaveUp: number;
  /** Newcomers' joins per second: the peak second, and over the whole surge. */
  peakJoinsPerSecond: number;
  joinsPerSecond: number;
  /** From a newcomer's first attempt to its join answered. */
  waitMs: Percentiles;
  refusals: number;
  /** Newcomers' failed attempts by error code. */
  errors: Record<string, number>;
  claims: number;
  claimsAnswered: number;
  claimOutcomes: Record<string, number>;
  /** The publisher's send-to-ack time, sampled throughout: how long the server took to answer. */
  ackMs: Percentiles;
  rssStartMiB: number;
  rssPeakMiB: number;
  /** RSS over the surge, the peak of each 5 s. */
  rssMiBBy5s: number[];
  /** The server's event-loop delay over the surge (the probe inside it), p99 of each second. */
  lagMsBySecond: number[];
  /** The most files (sockets included) the server held open at once; one process may hold 20,000 here. */
  openFilesPeak: number;
  serverCpuSeconds: number;
  /** Share of the load core the load processes (and this harness) used during the surge. */
  loadBusy: number;
  /** How the server's core spent the surge (when pinned): shares of user, system, interrupts. */
  serverCore?: Omit<CoreTimes, 'idle'>;
  /** Load-shedding steps engaged during the run (our server), from its metrics. */
  shed: string[];
}

const ROOM = 'flash';
const PRODUCT = {
  id: 'flash-sneaker',
  title: 'Sneaker',
  price: { amountMinor: 12_900, currency: 'EUR' },
  imageUrl: null,
  sku: 'SNK-F',
};

/**
 * A flash crowd: a room with `viewers` watching its chat, then `newcomers` new connections within
 * `surgeSeconds`, and a drop starting in the middle of it. What the existing viewers' chat looked
 * like meanwhile, how fast the newcomers got in and how long they waited, whether every claim was
 * answered, and the server's memory and responsiveness over the run.
 */
export async function flashCrowd(
  name: TargetName,
  options: FlashCrowdOptions,
): Promise<FlashCrowdResult> {
  const ours = name.startsWith('liveshop');
  const lagFile = join(tmpdir(), `liveshop-lag-${process.pid}-${Date.now()}.txt`);
  const target = await startTarget(name, options.serverCpu, {
    LAG_PROBE_FILE: lagFile,
    ...(ours
      ? {
          OVERLOAD_SHEDDING: 'true',
          ...(options.admitRate > 0 ? { CONNECT_RATE_PER_SECOND: String(options.admitRate) } : {}),
        }
      : {}),
  });
  const existing = await WorkerPool.start(1, options.loadCpu);
  const crowd = await WorkerPool.start(options.workers, options.loadCpu);
  const claimers = await ClaimerPool.start(1, options.loadCpu);
  const rss: number[] = [];
  const files: number[] = [];
  const acks = latencyHistogram();
  let sampling: NodeJS.Timeout | undefined;
  try {
    const host = await WireClient.connect({
      url: target.url,
      auth: { token: await benchToken('host', { role: 'host' }) },
    });
    if (ours) {
      await host.request('stream:create', { roomId: ROOM, title: 'Flash crowd' });
      await host.request('room:join', { roomId: ROOM });
      await host.request('product:upsert', { roomId: ROOM, product: PRODUCT });
    }
    await joinAll(existing, target, ROOM, options.viewers, {
      resume: ours,
      latencyFrom: 'sender',
      secret: BENCH_SECRET,
      regions: ['US'],
    });
    await claimers.connect({
      urls: [target.url],
      roomId: ROOM,
      total: options.buyers,
      secret: BENCH_SECRET,
    });
    const publisher = await target.publisher(ROOM);
    // chat throughout, each message stamped with its send time; each ack's time is sampled
    let lastSeq = 0;
    const chatting = { on: true };
    const chat = (async () => {
      const started = performance.now();
      let sent = 0;
      while (chatting.on) {
        const due = Math.floor(((performance.now() - started) / 1000) * options.chatRate);
        for (; sent < due; sent++) {
          const at = performance.now();
          void publisher.send(`t${Date.now()}`).then((seq) => {
            acks.recordValue(Math.max(1, Math.round(performance.now() - at)));
            lastSeq = Math.max(lastSeq, seq);
          });
        }
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    })();
    await new Promise((resolve) => setTimeout(resolve, 1000));
    await existing.reset();
    const rssStart = rssBytes(target.pid);
    let tick = 0;
    sampling = setInterval(() => {
      rss.push(rssBytes(target.pid));
      if (tick++ % 4 === 0) files.push(openFiles(target.pid));
    }, 250);
    const cpu0 = cpuSeconds(target.pid);
    const loadPids = [...existing.pids, ...crowd.pids, ...claimers.pids, process.pid];
    const loadCpu = () => loadPids.reduce((sum, pid) => sum + cpuSeconds(pid), 0);
    const load0 = loadCpu();
    const surgeStart = Date.now();
    const core0 = options.serverCpu === undefined ? undefined : coreTimes(options.serverCpu);
    const rssFrom = rss.length;

    const spreadMs = options.surgeSeconds * 1000;
    const surging = crowd.surge({
      url: target.url,
      roomId: ROOM,
      total: options.newcomers,
      spreadMs,
      deadlineMs: spreadMs + 60_000,
      secret: BENCH_SECRET,
      offset: 0,
    });
    // the drop starts in the middle of the surge, and the buyers all claim it at once
    await new Promise((resolve) => setTimeout(resolve, spreadMs / 2));
    const startsAt = Date.now() + 100;
    await host.request('drop:create', {
      roomId: ROOM,
      dropId: 'flash-drop',
      productId: PRODUCT.id,
      quantity: options.quantity,
      startsAt,
      durationSeconds: 3600,
    });
    const claimed = claimers.burst({
      roomId: ROOM,
      dropId: 'flash-drop',
      atMs: startsAt,
      timeoutMs: 60_000,
    });
    const [surge, claims] = await Promise.all([surging, claimed]);
    const serverCpuSeconds = cpuSeconds(target.pid) - cpu0;
    const surgeEnd = Date.now();
    const loadBusy = (loadCpu() - load0) / ((surgeEnd - surgeStart) / 1000);
    const serverCore =
      core0 && options.serverCpu !== undefined
        ? shares(core0, coreTimes(options.serverCpu))
        : undefined;
    const rssMiBBy5s = peaksBy(rss.slice(rssFrom), 20).map((b) => b / 2 ** 20);
    const lagMsBySecond = lagSeconds(readFileSync(lagFile, 'utf8'), surgeStart, surgeEnd);
    chatting.on = false;
    await chat;
    await new Promise((resolve) => setTimeout(resolve, 1000));
    // the existing viewers' deliveries settle, then what never arrived is lost
    await waitFor(existing, () => false, 1000, 5000);
    await existing.settle(lastSeq);
    const report = await existing.report();
    publisher.close();
    host.close();
    const joinsSeconds = Math.max(1, surge.joins.length) / 10;
    let shed: string[] = [];
    if (ours) {
      const metrics = await fetch(`${target.url}/metrics`, {
        headers: { authorization: `Bearer ${BENCH_SECRET}` },
      }).then((r) => r.text());
      shed = [
        ...metrics.matchAll(/liveshop_shed_changes_total\{step="(\w+)",change="engaged"\} (\d+)/g),
      ]
        .filter((m) => Number(m[2]) > 0)
        .map((m) => `${m[1]} ×${m[2]}`);
    }
    return {
      target: name,
      chatMs: percentiles(report.histogram),
      chatDelivered: report.delivered,
      chatLost: report.lost,
      joined: surge.joined,
      gaveUp: surge.failed,
      peakJoinsPerSecond: peakPerSecond(surge.joins),
      joinsPerSecond: surge.joined / joinsSeconds,
      waitMs: percentiles(surge.waits),
      refusals: surge.refusals,
      errors: surge.errors,
      claims: options.buyers,
      claimsAnswered: claims.answered,
      claimOutcomes: claims.outcomes,
      ackMs: percentiles(acks),
      rssStartMiB: rssStart / 2 ** 20,
      rssPeakMiB: Math.max(rssStart, ...rss) / 2 ** 20,
      rssMiBBy5s,
      lagMsBySecond,
      openFilesPeak: Math.max(0, ...files),
      serverCpuSeconds,
      loadBusy,
      ...(serverCore ? { serverCore } : {}),
      shed,
    };
  } finally {
    clearInterval(sampling);
    existing.close();
    crowd.close();
    claimers.close();
    await target.stop();
    rmSync(lagFile, { force: true });
  }
}

/** Shares of the time between two readings of a core. */
function shares(from: CoreTimes, to: CoreTimes): Omit<CoreTimes, 'idle'> {
  const spent = (k: keyof CoreTimes) => to[k] - from[k];
  const total = Math.max(
    0.01,
    spent('user') + spent('system') + spent('interrupts') + spent('idle'),
  );
  return {
    user: spent('user') / total,
    system: spent('system') / total,
    interrupts: spent('interrupts') / total,
  };
}

/** The p99 of each second the lag probe wrote (`epoch-ms p99-ms max-ms` lines) within [from, to]. */
function lagSeconds(text: string, from: number, to: number): number[] {
  return text
    .split('\n')
    .map((line) => line.split(' ').map(Number))
    .filter(([at, p99]) => at !== undefined && p99 !== undefined && at > from && at <= to + 1000)
    .map(([, p99]) => p99 ?? 0);
}
