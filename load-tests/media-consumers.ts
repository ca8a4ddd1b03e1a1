/**
 * `npm run bench:media`: how many consumers one mediasoup worker relays at 80% of a core, the
 * figure our consumer budget (MEDIA_CONSUMERS_PER_WORKER) is set from, against the about 500 per
 * worker that mediasoup's documentation gives.
 *
 * A real RTP source: ffmpeg (Debian's) encodes a test pattern to VP8 and sends it to a
 * PlainTransport, as the host's camera would reach the router. Each consumer gets a PlainTransport
 * of its own with SRTP on (a viewer's WebRTC transport encrypts every packet too), sending to a
 * local sink. The worker runs on core 0, alone; ffmpeg, the sink and this script on core 1.
 * Consumers are added in steps; at each, the worker's CPU (user + system) is read over a window.
 *
 *   npm run bench:media -- [--bitrate 1000000] [--step 100] [--max 2000] [--runs 3] [--no-write]
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import * as mediasoup from 'mediasoup';
import type { types } from 'mediasoup';
import { fmt, machine, median, table, writeSection } from './lib/report.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const { values } = parseArgs({
  args: process.argv.slice(2),
  options: {
    bitrate: { type: 'string', default: '1000000' },
    step: { type: 'string', default: '100' },
    max: { type: 'string', default: '2000' },
    runs: { type: 'string', default: '3' },
    'settle-ms': { type: 'string', default: '2000' },
    'window-ms': { type: 'string', default: '5000' },
    'no-write': { type: 'boolean', default: false },
  },
});
const BITRATE = Number(values.bitrate);
const STEP = Number(values.step);
const MAX = Number(values.max);
const RUNS = Number(values.runs);
const SETTLE_MS = Number(values['settle-ms']);
const WINDOW_MS = Number(values['window-ms']);
const TARGET = 0.8;
const SSRC = 22_222_222;
const PAYLOAD_TYPE = 101;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Step {
  consumers: number;
  cpu: number;
  /** Packets the sink got per second, over what the consumers should have sent. */
  delivered: number;
}

interface Run {
  steps: Step[];
  /** Consumers at 80% of a core, interpolated between the steps around it. */
  at80: number;
  /** CPU per consumer, from the slope over the steps (microseconds per second per consumer). */
  perConsumerUs: number;
  producerKbps: number;
}

function pin(pid: number, cpu: number): void {
  execFileSync('taskset', ['-pc', String(cpu), String(pid)], { stdio: 'ignore' });
}

async function cpuSeconds(worker: types.Worker): Promise<number> {
  const usage = await worker.getResourceUsage();
  return (usage.ru_utime + usage.ru_stime) / 1000;
}

function startFfmpeg(port: number): ChildProcess {
  const kbit = Math.round(BITRATE / 1000);
  return spawn(
    'taskset',
    [
      '-c',
      '1',
      'ffmpeg',
      ...['-hide_banner', '-loglevel', 'error', '-re'],
      ...['-f', 'lavfi', '-i', 'testsrc2=size=640x360:rate=30'],
      ...['-an', '-c:v', 'libvpx', '-deadline', 'realtime', '-cpu-used', '8'],
      ...['-b:v', `${kbit}k`, '-maxrate', `${kbit}k`, '-bufsize', `${kbit}k`, '-g', '60'],
      ...['-payload_type', String(PAYLOAD_TYPE), '-ssrc', String(SSRC), '-f', 'rtp'],
      `rtp://127.0.0.1:${port}?rtcpport=${port}&pkt_size=1200`,
    ],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  );
}

async function oneRun(): Promise<Run> {
  const worker = await mediasoup.createWorker({ logLevel: 'error' });
  pin(worker.pid, 0);
  const router = await worker.createRouter({
    mediaCodecs: [{ kind: 'video', mimeType: 'video/VP8', clockRate: 90_000 }],
  });
  const source = await router.createPlainTransport({
    listenInfo: { protocol: 'udp', ip: '127.0.0.1' },
    rtcpMux: true,
    comedia: true,
  });
  const producer = await source.produce({
    kind: 'video',
    rtpParameters: {
      codecs: [
        {
          mimeType: 'video/VP8',
          payloadType: PAYLOAD_TYPE,
          clockRate: 90_000,
          rtcpFeedback: [
            { type: 'nack' },
            { type: 'nack', parameter: 'pli' },
            { type: 'ccm', parameter: 'fir' },
          ],
        },
      ],
      encodings: [{ ssrc: SSRC }],
    },
  });
  const sink = createSocket('udp4');
  let received = 0;
  sink.on('message', () => {
    received += 1;
  });
  await new Promise<void>((resolve) => sink.bind(0, '127.0.0.1', resolve));
  sink.setRecvBufferSize(64 << 20);
  const sinkPort = sink.address().port;
  const ffmpeg = startFfmpeg(source.tuple.localPort);
  const consumers: types.Consumer[] = [];
  const steps: Step[] = [];
  try {
    // the source must be flowing before anything is measured
    const deadline = Date.now() + 10_000;
    while ((await producer.getStats())[0]?.bitrate === undefined) {
      if (Date.now() > deadline) throw new Error('no RTP from ffmpeg within 10 s');
      await sleep(200);
    }
    const producerKbps = ((await producer.getStats())[0]?.bitrate ?? 0) / 1000;
    for (let target = STEP; target <= MAX; target += STEP) {
      while (consumers.length < target) {
        const transport = await router.createPlainTransport({
          listenInfo: { protocol: 'udp', ip: '127.0.0.1' },
          rtcpMux: true,
          comedia: false,
          enableSrtp: true,
          srtpCryptoSuite: 'AES_CM_128_HMAC_SHA1_80',
        });
        await transport.connect({
          ip: '127.0.0.1',
          port: sinkPort,
          srtpParameters: {
            cryptoSuite: 'AES_CM_128_HMAC_SHA1_80',
            keyBase64: randomBytes(30).toString('base64'),
          },
        });
        consumers.push(
          await transport.consume({
            producerId: producer.id,
            rtpCapabilities: router.rtpCapabilities,
          }),
        );
      }
      await sleep(SETTLE_MS);
      const cpu0 = await cpuSeconds(worker);
      const packets0 = (await producer.getStats())[0]?.packetCount ?? 0;
      const got0 = received;
      const t0 = performance.now();
      await sleep(WINDOW_MS);
      const seconds = (performance.now() - t0) / 1000;
      const cpu = ((await cpuSeconds(worker)) - cpu0) / seconds;
      const sent = ((await producer.getStats())[0]?.packetCount ?? 0) - packets0;
      const delivered = sent > 0 ? (received - got0) / (sent * consumers.length) : 0;
      steps.push({ consumers: consumers.length, cpu, delivered });
      process.stdout.write(
        `  ${consumers.length} consumers: worker CPU ${fmt(cpu * 100)}%, delivered ${fmt(delivered * 100)}%\n`,
      );
      if (cpu >= TARGET) break;
    }
    return { steps, at80: interpolate(steps), perConsumerUs: slope(steps) * 1e6, producerKbps };
  } finally {
    ffmpeg.kill('SIGKILL');
    sink.close();
    worker.close();
  }
}

/** Where the CPU line crosses 80%, between the last step under it and the first at or over. */
function interpolate(steps: Step[]): number {
  const over = steps.findIndex((s) => s.cpu >= TARGET);
  if (over <= 0) return over === 0 ? (steps[0]?.consumers ?? 0) : Number.NaN;
  const a = steps[over - 1];
  const b = steps[over];
  if (!a || !b) return Number.NaN;
  return a.consumers + ((TARGET - a.cpu) / (b.cpu - a.cpu)) * (b.consumers - a.consumers);
}

/** Least-squares CPU (cores) per consumer over the steps. */
function slope(steps: Step[]): number {
  const n = steps.length;
  const mx = steps.reduce((sum, s) => sum + s.consumers, 0) / n;
  const my = steps.reduce((sum, s) => sum + s.cpu, 0) / n;
  let num = 0;
  let den = 0;
  for (const s of steps) {
    num += (s.consumers - mx) * (s.cpu - my);
    den += (s.consumers - mx) ** 2;
  }
  return den > 0 ? num / den : Number.NaN;
}

pin(process.pid, 1);
execFileSync('ffmpeg', ['-version'], { stdio: 'ignore' });
const runs: Run[] = [];
for (let i = 1; i <= RUNS; i++) {
  process.stdout.write(`run ${i}/${RUNS}\n`);
  runs.push(await oneRun());
}

const rows = runs.map((r, i) => [
  i + 1,
  fmt(r.producerKbps),
  Number.isNaN(r.at80) ? `> ${MAX}` : fmt(r.at80),
  fmt(r.perConsumerUs),
  `${fmt(Math.min(...r.steps.map((s) => s.delivered)) * 100)}%`,
]);
const at80 = median(runs.map((r) => r.at80));
const perConsumer = median(runs.map((r) => r.perConsumerUs));
const command = `npm run bench:media -- --bitrate ${BITRATE} --step ${STEP} --runs ${RUNS}`;
const body = `## Media: consumers per worker at 80% of a core

\`${command}\` on ${machine()}.

One mediasoup ${mediasoup.version} worker (our build, pinned to core 0) relays one VP8 track
(640×360, 30 fps, ffmpeg's test pattern at ${fmt(BITRATE / 1000)} kbit/s, sent by ffmpeg to a
PlainTransport as a host's camera reaches the router) to consumers added ${STEP} at a time, each on a
PlainTransport of its own with SRTP (AES_CM_128_HMAC_SHA1_80), as a viewer's WebRTC transport
encrypts every packet. ffmpeg, the packet sink and the script share core 1. The worker's CPU
(user + system) is read over ${WINDOW_MS / 1000} s at each step.

| run | source kbit/s | consumers at 80% of a core | CPU per consumer (µs/s) | lowest delivery |
|---|---|---|---|---|
${rows.map((r) => `| ${r.join(' | ')} |`).join('\n')}

**Median: ${fmt(at80)} consumers per worker at 80% of a core** (${fmt(perConsumer)} µs of CPU per
consumer per second), against the about 500 per worker that mediasoup's documentation gives
(a figure for a worker on a typical server core, with a mix of layers). Our default budget,
MEDIA_CONSUMERS_PER_WORKER=500, stays at mediasoup's figure: ${
  at80 >= 500
    ? 'this machine relays more, and the budget keeps headroom for audio, RTCP, retransmissions and bandwidth estimation that a plain relay does not exercise'
    : 'this machine relays fewer at this bitrate, so an operator should lower the budget here'
}.

${table(
  ['consumers', ...runs.map((_, i) => `run ${i + 1} CPU`)],
  (runs[0]?.steps ?? []).map((step, i) => [
    step.consumers,
    ...runs.map((r) => (r.steps[i] ? `${fmt(r.steps[i].cpu * 100)}%` : '')),
  ]),
)}
`;
process.stdout.write(`\n${body}\n`);
if (!values['no-write']) writeSection(`${ROOT}BENCHMARKS.md`, 'media-consumers', body);
