/**
 * `npm run bench -- <scenario> [--option value ...]`: runs a scenario against our server and the
 * baselines in the same run (alternating their order), prints a table and updates its section
 * of BENCHMARKS.md. Scenarios: fanout, idle, flood, reconnect, crossnode (fan-out over two nodes
 * and Redis) and relay (node-to-node fan-out against socket.io's Redis adapters, across a Redis
 * restart). drop-burst (claims against a drop, memory and Redis, against a naive socket.io handler),
 * auction-snipe (a crowd of max bids in an auction's last seconds, likewise).
 *
 *   npm run bench -- fanout --subscribers 10000
 *   npm run bench -- crossnode --subscribers 10000
 *   npm run bench -- idle --connections 45000 --processes 3
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { fmt, machine, table, writeSection } from './lib/report.js';
import type { TargetName } from './lib/targets.js';
import { SPECS, TARGET_LABELS } from './specs.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const scenario = process.argv[2] ?? '';
const base = SPECS[scenario];
if (!base) {
  process.stderr.write(`Usage: npm run bench -- <${Object.keys(SPECS).join('|')}> [options]\n`);
  process.exit(64);
}
const { values } = parseArgs({
  args: process.argv.slice(3),
  options: {
    ...Object.fromEntries(
      Object.entries(base.options).map(([k, v]) => [k, { type: 'string' as const, default: v }]),
    ),
    runs: { type: 'string', default: '3' },
    targets: { type: 'string', default: '' },
    'no-pin': { type: 'boolean', default: false },
    'no-write': { type: 'boolean', default: false },
    'skip-build': { type: 'boolean', default: false },
  },
});
const o = values as unknown as Record<string, string>;
// some options make a scenario another comparison (fanout --groups 4: audiences, ours only)
const spec = base.variant?.(o) ?? base;
const pin = !values['no-pin'];
if (pin) execFileSync('taskset', ['-pc', '1', String(process.pid)], { stdio: 'ignore' });
if (!values['skip-build'])
  execFileSync('npm', ['run', '-s', 'build'], { cwd: ROOT, stdio: 'inherit' });

const runs = Number(values.runs);
const targets = (values.targets === '' ? spec.targets : values.targets.split(',')) as TargetName[];
const cpus = pin ? { serverCpu: 0, loadCpu: 1 } : {};
const results: { target: TargetName }[] = [];
const perRun: (string | number)[][] = [];
for (let run = 1; run <= runs; run++) {
  const order = run % 2 === 1 ? targets : [...targets].reverse();
  for (const target of order) {
    process.stdout.write(`run ${run}/${runs}: ${target} ... `);
    const result = await spec.run(target, o, cpus);
    results.push(result);
    const line = spec.line(result);
    perRun.push([run, target, line]);
    process.stdout.write(`${line}\n`);
  }
}

const summary = table(
  ['server', ...spec.columns.map(([h]) => h)],
  targets.map((t) => [
    TARGET_LABELS[t],
    ...spec.columns.map(([, f]) =>
      f(
        results.filter((r) => r.target === t),
        results,
      ),
    ),
  ]),
);
const verdicts = targets.some((t) => t.startsWith('liveshop')) ? spec.verdicts(results) : [];
const flags = Object.keys(spec.options)
  .filter((k) => o[k] !== '')
  .map((k) => `--${k} ${o[k]}`)
  .join(' ');
const command = `npm run bench -- ${scenario} ${flags} --runs ${runs}${pin ? '' : ' --no-pin'}`;
const body = `## ${spec.title(o)}

\`${command}\` on ${new Date().toISOString().slice(0, 10)}; ${machine()}.
${pin ? 'Server pinned to core 0, load (workers, publishers) to core 1 with taskset.' : 'Not pinned.'} ${spec.method(o)} Medians of ${runs} runs; all servers measured in the same run, in alternating order.

${summary}
${verdicts.length > 0 ? `\nTargets:\n\n${verdicts.join('\n')}\n` : ''}
Each run:

${table(['run', 'server', 'result'], perRun)}
`;
process.stdout.write(`\n${summary}\n${verdicts.join('\n')}\n`);
if (!values['no-write']) {
  writeSection(`${ROOT}BENCHMARKS.md`, spec.key(o), body);
  process.stdout.write(`BENCHMARKS.md updated (${fmt(results.length)} runs).\n`);
}
