import { fmt, median } from './lib/report.js';
import type { TargetName } from './lib/targets.js';
import { connectCost, type ConnectCostResult } from './scenarios/connect-cost.js';
import { peaksBy } from './lib/measure.js';
import { flashCrowd, type FlashCrowdResult } from './scenarios/flash-crowd.js';
import type { BenchSpec } from './lib/bench-spec.js';

type Values = Record<string, string>;
const num = (o: Values, k: string) => Number(o[k]);
const med = <R>(runs: R[], f: (r: R) => number) => median(runs.map(f));
const of = <R extends { target: TargetName }>(all: R[], t: TargetName) =>
  all.filter((r) => r.target === t);
const check = (ok: boolean, text: string) => `- ${ok ? '✅ met' : '❌ missed'}: ${text}`;

/** What a newcomer costs: opening, signing in and joining, server CPU per connection. */
export const connectCostSpec: BenchSpec<ConnectCostResult> = {
  options: { connections: '5000', chat: '50', client: 'wire' },
  targets: ['plain-socketio', 'uws-raw', 'liveshop'],
  variant: (o) => (o.client === 'sdk' ? connectCostSdkSpec : undefined),
  key: (o) => `connect-cost-${o.connections}`,
  title: (o) => `Connection cost: ${fmt(num(o, 'connections'))} newcomers open, sign in and join`,
  method: (o) =>
    `${o.connections} viewers, each with its own HS256 token, open a WebSocket, authenticate and join one room whose snapshot carries its last ${o.chat} chat messages, 100 at a time per load worker. Server CPU (user + system, /proc) from the first connection to the last join answered, per connection. Plain socket.io (ws engine) joins a socket.io room: no token check, no snapshot. Raw uWS only opens the WebSocket: the floor.`,
  run: (t, o, cpus) =>
    connectCost(t, {
      connections: num(o, 'connections'),
      chat: num(o, 'chat'),
      client: 'wire',
      ...cpus,
    }),
  line: (r) =>
    `${fmt(r.msPerConnection, 3)} ms CPU per connection (${fmt(r.serverCpuSeconds, 2)} s for ${fmt(r.connections)}), ${fmt(r.connections / r.wallSeconds)} joined/s`,
  columns: [
    [
      'server CPU per connection',
      (rs) =>
        `${fmt(
          med(rs, (r) => r.msPerConnection),
          3,
        )} ms`,
    ],
    ['per 1,000', (rs) => `${fmt(med(rs, (r) => r.msPerConnection) * 1000)} ms`],
    ['newcomers per core-second', (rs) => fmt(1000 / med(rs, (r) => r.msPerConnection))],
    ['joined /s (load-bound)', (rs) => fmt(med(rs, (r) => r.connections / r.wallSeconds))],
  ],
  verdicts: (all) => {
    const ours = med(of(all, 'liveshop'), (r) => r.msPerConnection);
    return [
      check(
        ours <= 0.3,
        `≤ 0.3 ms of server CPU per admitted connection (median ${fmt(ours, 3)} ms)`,
      ),
    ];
  },
};

/** The same with real SDK clients, ours only (they speak our protocol, and sync the clock). */
const connectCostSdkSpec: BenchSpec<ConnectCostResult> = {
  ...connectCostSpec,
  targets: ['liveshop'],
  key: (o) => `connect-cost-sdk-${o.connections}`,
  title: (o) => `Connection cost with the SDK: ${fmt(num(o, 'connections'))} newcomers`,
  method: (o) =>
    `As the connection-cost benchmark, with ${o.connections} real SDK clients (createClient, WebSocket transport) in one load process: each connects, receives server:hello, joins (the snapshot with ${o.chat} messages) as an app's viewers do (the hello is the SDK's clock sample: it asks no time:sync).`,
  run: (t, o, cpus) =>
    connectCost(t, {
      connections: num(o, 'connections'),
      chat: num(o, 'chat'),
      client: 'sdk',
      ...cpus,
    }),
  verdicts: (all) => {
    const ours = med(of(all, 'liveshop'), (r) => r.msPerConnection);
    return [
      check(ours <= 0.3, `≤ 0.3 ms of server CPU per SDK connection (median ${fmt(ours, 3)} ms)`),
    ];
  },
};

/** The flash crowd: a live room, a surge of newcomers, a drop in the middle of it. */
export const flashCrowdSpec: BenchSpec<FlashCrowdResult> = {
  options: {
    viewers: '2000',
    newcomers: '20000',
    seconds: '10',
    'chat-rate': '5',
    quantity: '500',
    buyers: '1000',
    workers: '4',
    'admit-rate': '2500',
  },
  targets: ['plain-socketio', 'liveshop'],
  key: (o) => `flash-crowd-${o.viewers}-${o.newcomers}`,
  title: (o) =>
    `Flash crowd: ${fmt(num(o, 'newcomers'))} newcomers in ${o.seconds} s into a room of ${fmt(num(o, 'viewers'))}, a ${o.quantity}-unit drop in the middle`,
  method: (o) =>
    `A room with ${o.viewers} signed-in viewers watching its chat (${o['chat-rate']} messages/s, each stamped with its send time) and ${o.buyers} buyers; then ${o.newcomers} signed-in newcomers arrive at uniform random times over ${o.seconds} s from ${o.workers} load processes, each joining the room and, when refused, coming back as the SDK does (the server's wait plus full jitter; an attempt that takes over 10 s counts as failed); newcomers still out 60 s after the surge give up. Half-way through, a ${o.quantity}-unit drop starts and every buyer claims once. Ours runs with load shedding on (its defaults: a trickle of 200 new connections and joins a second while joins are shed) and admits at most ${o['admit-rate']} new connections a second; plain socket.io has neither. One process may hold 20,000 open files here: ours caps its connections at 18,000 by default (its open-file limit less a tenth), so at most about 15,000 newcomers fit next to the room. "Chat" is the existing viewers' latency over the whole run, "ack" the chat sender's send-to-answer time; RSS is sampled every 250 ms, open files every second; the event-loop lag is the p99 of each second's delay, measured inside each server by the same probe (load-tests/lib/lag-probe.ts; a second the loop was blocked through is one sample); the cores' shares come from /proc/stat. The load core runs every client: a few thousand chat frames per second per thousand viewers is what it can take, so the chat rate is kept low.`,
  run: (t, o, cpus) =>
    flashCrowd(t, {
      viewers: num(o, 'viewers'),
      newcomers: num(o, 'newcomers'),
      surgeSeconds: num(o, 'seconds'),
      chatRate: num(o, 'chat-rate'),
      quantity: num(o, 'quantity'),
      buyers: num(o, 'buyers'),
      workers: num(o, 'workers'),
      admitRate: num(o, 'admit-rate'),
      ...cpus,
    }),
  line: (r) =>
    `chat p50 ${fmt(r.chatMs.p50)} / p99 ${fmt(r.chatMs.p99)} ms, ${fmt(r.chatLost)} lost; ${fmt(r.joined)} newcomers in (peak ${fmt(r.peakJoinsPerSecond)}/s), ${fmt(r.gaveUp)} gave up, wait p50 ${fmt(r.waitMs.p50)} / p99 ${fmt(r.waitMs.p99)} ms, ${fmt(r.refusals)} refusals; claims ${fmt(r.claimsAnswered)}/${fmt(r.claims)} answered; ack p99 ${fmt(r.ackMs.p99)} ms; RSS ${fmt(r.rssStartMiB)} → ${fmt(r.rssPeakMiB)} MiB; shed: ${r.shed.join(', ') || 'none'}; open files peak ${fmt(r.openFilesPeak)}; load core ${fmt(r.loadBusy * 100)}% busy${r.serverCore ? `; server core: ${fmt(r.serverCore.user * 100)}% user, ${fmt(r.serverCore.system * 100)}% system, ${fmt(r.serverCore.interrupts * 100)}% interrupts` : ''}; server CPU ${fmt(r.serverCpuSeconds, 1)} s; event-loop lag p99 each 5 s (worst second): ${peaksBy(
      r.lagMsBySecond,
      5,
    )
      .map((v) => fmt(v))
      .join(' · ')} ms; RSS each 5 s: ${r.rssMiBBy5s.map((v) => fmt(v)).join(' · ')} MiB`,
  columns: [
    [
      "viewers' chat p50 / p99 ms",
      (rs) => `${fmt(med(rs, (r) => r.chatMs.p50))} / ${fmt(med(rs, (r) => r.chatMs.p99))}`,
    ],
    ['chat lost', (rs) => fmt(med(rs, (r) => r.chatLost))],
    ['newcomers in', (rs) => fmt(med(rs, (r) => r.joined))],
    ['peak joins /s', (rs) => fmt(med(rs, (r) => r.peakJoinsPerSecond))],
    [
      'wait p50 / p99 ms',
      (rs) => `${fmt(med(rs, (r) => r.waitMs.p50))} / ${fmt(med(rs, (r) => r.waitMs.p99))}`,
    ],
    ['gave up', (rs) => fmt(med(rs, (r) => r.gaveUp))],
    [
      'claims answered',
      (rs) => `${fmt(med(rs, (r) => r.claimsAnswered))} / ${fmt(rs[0]?.claims ?? 0)}`,
    ],
    ['sender ack p99 ms', (rs) => fmt(med(rs, (r) => r.ackMs.p99))],
    ['RSS peak MiB', (rs) => fmt(med(rs, (r) => r.rssPeakMiB))],
    [
      'event-loop lag p99 ms: median second / worst',
      (rs) =>
        `${fmt(med(rs, (r) => median(r.lagMsBySecond)))} / ${fmt(med(rs, (r) => Math.max(0, ...r.lagMsBySecond)))}`,
    ],
    ['load core busy', (rs) => `${fmt(med(rs, (r) => r.loadBusy * 100))}%`],
  ],
  verdicts: (all) => {
    const ours = of(all, 'liveshop');
    return [
      check(
        med(ours, (r) => r.chatMs.p99) <= 250,
        `existing viewers' chat p99 ≤ 250 ms during the surge (median ${fmt(med(ours, (r) => r.chatMs.p99))} ms)`,
      ),
      check(
        ours.every((r) => r.claimsAnswered === r.claims),
        'every claim answered (every run)',
      ),
      check(
        ours.every((r) => r.chatLost === 0),
        'no chat lost by the existing viewers (every run)',
      ),
      `- the load core (every client) was ${fmt(med(ours, (r) => r.loadBusy * 100))}% busy in our runs (median)${med(ours, (r) => r.loadBusy) >= 0.95 ? ': the clients measuring the latency were themselves the bottleneck' : ''}; the server's core spent ${fmt(med(ours, (r) => ((r.serverCore?.system ?? 0) + (r.serverCore?.interrupts ?? 0)) * 100))}% in the kernel (on loopback a send also runs the receiver's TCP stack on the sender's core)`,
      `- shedding steps engaged (our runs): ${ours.map((r) => r.shed.join(', ') || 'none').join(' | ')}`,
    ];
  },
};
