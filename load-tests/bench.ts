/**
 * `npm run bench -- <scenario> [options]`: runs a scenario against our server and the baselines
 * in the same run, prints a table and updates BENCHMARKS.md.
 *
 *   npm run bench -- fanout --subscribers 5000 --rate 50 --messages 200 --runs 3
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { fmt, machine, median, table, writeSection } from './lib/report.js';
import type { TargetName } from './lib/targets.js';
import { fanout, type FanoutResult } from './scenarios/fanout.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    subscribers: { type: 'string', default: '5000' },
    rate: { type: 'string', default: '50' },
    messages: { type: 'string', default: '200' },
    bytes: { type: 'string', default: '100' },
    runs: { type: 'string', default: '3' },
    workers: { type: 'string', default: '2' },
    'no-pin': { type: 'boolean', default: false },
    'no-write': { type: 'boolean', default: false },
    'skip-build': { type: 'boolean', default: false },
  },
});

const scenario = positionals[0] ?? 'fanout';
if (scenario !== 'fanout') {
  process.stderr.write(`Unknown scenario "${scenario}". Available: fanout\n`);
  process.exit(64);
}

const pin = !values['no-pin'];
if (pin) execFileSync('taskset', ['-pc', '1', String(process.pid)], { stdio: 'ignore' });
if (!values['skip-build'])
  execFileSync('npm', ['run', '-s', 'build'], { cwd: ROOT, stdio: 'inherit' });

const options = {
  subscribers: Number(values.subscribers),
  rate: Number(values.rate),
  messages: Number(values.messages),
  bytes: Number(values.bytes),
  workers: Number(values.workers),
  serverCpu: pin ? 0 : undefined,
  loadCpu: pin ? 1 : undefined,
};
const runs = Number(values.runs);
const targets: TargetName[] = ['plain-socketio', 'liveshop'];
const results: FanoutResult[] = [];

for (let run = 1; run <= runs; run++) {
  const order = run % 2 === 1 ? targets : [...targets].reverse();
  for (const target of order) {
    process.stdout.write(`run ${run}/${runs}: ${target} ... `);
    const result = await fanout(target, options);
    results.push(result);
    process.stdout.write(
      `${fmt(result.deliveriesPerCpuSecond)} deliveries/CPU-s, p99 ${result.latencyMs.p99} ms, ${fmt(result.delivered)}/${fmt(result.expected)} delivered\n`,
    );
  }
}

const byTarget = (t: TargetName) => results.filter((r) => r.target === t);
const med = (t: TargetName, f: (r: FanoutResult) => number) => median(byTarget(t).map(f));
const baseline = med('plain-socketio', (r) => r.deliveriesPerCpuSecond);
const summary = table(
  [
    'server',
    'deliveries per server CPU-second (median)',
    'vs plain socket.io',
    'p50 ms',
    'p99 ms',
    'p99.9 ms',
    'delivered',
    'server RSS MiB',
  ],
  targets.map((t) => [
    t === 'liveshop'
      ? '**liveshop** (socket.io on uWS, batched)'
      : 'plain socket.io (ws engine, default adapter)',
    fmt(med(t, (r) => r.deliveriesPerCpuSecond)),
    `${fmt(med(t, (r) => r.deliveriesPerCpuSecond) / baseline, 1)}×`,
    fmt(med(t, (r) => r.latencyMs.p50)),
    fmt(med(t, (r) => r.latencyMs.p99)),
    fmt(med(t, (r) => r.latencyMs.p999)),
    `${fmt(byTarget(t).reduce((n, r) => n + r.delivered, 0))} / ${fmt(byTarget(t).reduce((n, r) => n + r.expected, 0))}`,
    fmt(med(t, (r) => r.serverRssMiB)),
  ]),
);
const perRun = table(
  [
    'run',
    'server',
    'deliveries/CPU-s',
    'server CPU s',
    'wall s',
    'load core busy',
    'p50',
    'p99',
    'p99.9',
    'max',
    'delivered',
  ],
  results.map((r, i) => [
    Math.floor(i / targets.length) + 1,
    r.target,
    fmt(r.deliveriesPerCpuSecond),
    fmt(r.cpuSeconds, 2),
    fmt(r.wallSeconds, 1),
    `${fmt(r.loadCoreBusy * 100)}%`,
    r.latencyMs.p50,
    r.latencyMs.p99,
    r.latencyMs.p999,
    r.latencyMs.max,
    `${fmt(r.delivered)}/${fmt(r.expected)}`,
  ]),
);
const command = `npm run bench -- fanout --subscribers ${options.subscribers} --rate ${options.rate} --messages ${options.messages} --bytes ${options.bytes} --runs ${runs}${pin ? '' : ' --no-pin'}`;
const body = `## Fan-out: one room, ${fmt(options.subscribers)} subscribers, ${options.rate} messages/s

\`${command}\` on ${new Date().toISOString().slice(0, 10)}; ${machine()}.
${pin ? 'Server pinned to core 0, load (workers and publisher) to core 1 with taskset.' : 'Not pinned.'} One publisher sends ${options.messages} chat messages of ${options.bytes} bytes at ${options.rate}/s into one room; every subscriber is a lightweight socket.io client over \`ws\` (WebSocket). Latency is from the server's timestamp on each message to its arrival at a subscriber. Server CPU is user + system time from /proc over the measured window (first message sent to last delivered). Medians of ${runs} runs, both servers measured in the same run, alternating order.

${summary}

Each run:

${perRun}
`;
process.stdout.write(`\n${summary}\n\n${perRun}\n`);
if (!values['no-write']) {
  writeSection(`${ROOT}BENCHMARKS.md`, `fanout-${options.subscribers}-at-${options.rate}`, body);
  process.stdout.write('\nBENCHMARKS.md updated.\n');
}
