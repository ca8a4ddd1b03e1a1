import { fmt, median } from './lib/report.js';
import type { TargetName } from './lib/targets.js';
import { connectCost, type ConnectCostResult } from './scenarios/connect-cost.js';
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
    `As the connection-cost benchmark, with ${o.connections} real SDK clients (createClient, WebSocket transport) in one load process: each connects, receives server:hello, joins (the snapshot with ${o.chat} messages) and takes one clock sample (time:sync), as an app's viewers do.`,
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
