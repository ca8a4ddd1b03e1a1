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
import { cpuTimes } from './lib/proc.js';
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
  /** Cores used by the worker (user + system), and the system share of it. */
  cpu: number;
  system: number;
  /** What the source sent during the window, kbit/s. */
  sourceKbps: number;
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

/** Pins every thread of a process to one core. */
function pin(pid: number, cpu: number): void {
  execFileSync('taskset', ['-a', '-pc', String(cpu), String(pid)], { stdio: 'ignore' });
}

/** A UDP port free right now (for ffmpeg to send from). */
async function freePort(): Promise<number> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const { port } = socket.address();
  await new Promise<void>((resolve) => socket.close(resolve));
  return port;
}

function startFfmpeg(port: number, from: number): ChildProcess {
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
      `rtp://127.0.0.1:${port}?rtcpport=${port}&localrtpport=${from}&pkt_size=1200`,
    ],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  );
}

async function oneRun(srtp: boolean): Promise<Run> {
  const worker = await mediasoup.createWorker({ logLevel: 'error' });
  pin(worker.pid, 0);
  const router = await worker.createRouter({
    mediaCodecs: [{ kind: 'video', mimeType: 'video/VP8', clockRate: 90_000 }],
  });
  // ffmpeg sends RTCP from another port than RTP: tell the transport where RTP comes from
  const from = await freePort();
  const source = await router.createPlainTransport({
    listenInfo: { protocol: 'udp', ip: '127.0.0.1' },
    rtcpMux: true,
    comedia: false,
  });
  await source.connect({ ip: '127.0.0.1', port: from });
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
  const ffmpeg = startFfmpeg(source.tuple.localPort, from);
  const consumers: types.Consumer[] = [];
  const steps: Step[] = [];
  try {
    // the source must be flowing before anything is measured
    const deadline = Date.now() + 10_000;
    while ((await producer.getStats())[0]?.bitrate === undefined) {
      if (Date.now() > deadline) throw new Error('no RTP from ffmpeg within 10 s');
      await sleep(200);
    }
    for (let target = STEP; target <= MAX; target += STEP) {
      while (consumers.length < target) {
        const transport = await router.createPlainTransport({
          listenInfo: { protocol: 'udp', ip: '127.0.0.1' },
          rtcpMux: true,
          comedia: false,
          enableSrtp: srtp,
          ...(srtp ? { srtpCryptoSuite: 'AES_CM_128_HMAC_SHA1_80' as const } : {}),
        });
        await transport.connect({
          ip: '127.0.0.1',
          port: sinkPort,
          ...(srtp
            ? {
                srtpParameters: {
                  cryptoSuite: 'AES_CM_128_HMAC_SHA1_80' as const,
                  keyBase64: randomBytes(30).toString('base64'),
                },
              }
            : {}),
        });
        consumers.push(
          await transport.consume({
            producerId: producer.id,
            rtpCapabilities: router.rtpCapabilities,
          }),
        );
      }
      await sleep(SETTLE_MS);
      // read from /proc, not asked of the worker: a busy worker answers late
      const source0 = (await producer.getStats())[0];
      const cpu0 = cpuTimes(worker.pid);
      const got0 = received;
      const t0 = performance.now();
      await sleep(WINDOW_MS);
      const cpu1 = cpuTimes(worker.pid);
      const seconds = (performance.now() - t0) / 1000;
      const source1 = (await producer.getStats())[0];
      const user = (cpu1.user - cpu0.user) / seconds;
      const system = (cpu1.system - cpu0.system) / seconds;
      const sent = (source1?.packetCount ?? 0) - (source0?.packetCount ?? 0);
      const sourceKbps = ((source1?.byteCount ?? 0) - (source0?.byteCount ?? 0)) / seconds / 125;
      // the sink also gets each consumer's RTCP sender reports, a few per second
      const delivered = sent > 0 ? (received - got0) / (sent * consumers.length) : 0;
      const cpu = user + system;
      steps.push({ consumers: consumers.length, cpu, system, sourceKbps, delivered });
      process.stdout.write(
        `  ${consumers.length} consumers: worker CPU ${fmt(cpu * 100)}% (system ${fmt(system * 100)}%), source ${fmt(sourceKbps)} kbit/s, delivered ${fmt(delivered * 100)}%\n`,
      );
      if (cpu >= TARGET) break;
    }
    const producerKbps = median(steps.map((step) => step.sourceKbps));
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
const MODES = [
  { srtp: true, label: 'SRTP (as WebRTC viewers get)' },
  { srtp: false, label: 'plain RTP (no encryption)' },
];
const runs: Run[][] = MODES.map(() => []);
for (let i = 1; i <= RUNS; i++) {
  // alternate the order, so neither mode always runs on a warmer machine
  const order = i % 2 === 1 ? [0, 1] : [1, 0];
  for (const m of order) {
    const mode = MODES[m];
    if (!mode) continue;
    process.stdout.write(`run ${i}/${RUNS}, ${mode.label}\n`);
    runs[m]?.push(await oneRun(mode.srtp));
  }
}

const cell = (v: number) => (Number.isNaN(v) ? `> ${MAX}` : fmt(v));
const rows = MODES.flatMap((mode, m) =>
  (runs[m] ?? []).map((r, i) => [
    mode.label,
    i + 1,
    fmt(r.producerKbps),
    cell(r.at80),
    fmt(r.perConsumerUs),
    `${fmt(Math.min(...r.steps.map((s) => s.delivered)) * 100)}%`,
  ]),
);
const medians = MODES.map((_, m) => ({
  at80: median((runs[m] ?? []).map((r) => r.at80)),
  perConsumer: median((runs[m] ?? []).map((r) => r.perConsumerUs)),
}));
const [withSrtp, plain] = medians as [(typeof medians)[0], (typeof medians)[0]];
const command = `npm run bench:media -- --bitrate ${BITRATE} --step ${STEP} --runs ${RUNS}`;
const curve = (m: number) =>
  table(
    ['consumers', ...(runs[m] ?? []).map((_, i) => `run ${i + 1}: worker CPU (system part)`)],
    (runs[m] ?? [])
      .reduce<Step[]>((a, r) => (r.steps.length > a.length ? r.steps : a), [])
      .map((step, i) => [
        step.consumers,
        ...(runs[m] ?? []).map((r) => {
          const at = r.steps[i];
          return at ? `${fmt(at.cpu * 100)}% (${fmt(at.system * 100)}%)` : '';
        }),
      ]),
  );
const body = `## Media: consumers per worker at 80% of a core

\`${command}\` on ${machine()}.

One mediasoup ${mediasoup.version} worker (our build, pinned to core 0) relays one VP8 track
(640×360, 30 fps, ffmpeg's test pattern at ${fmt(BITRATE / 1000)} kbit/s, sent by ffmpeg to a
PlainTransport, as a host's camera reaches the router) to consumers added ${STEP} at a time, each on a
PlainTransport of its own sending to a local sink: with SRTP (AES_CM_128_HMAC_SHA1_80), as a
viewer's WebRTC transport encrypts every packet, and without, to show what encryption costs.
ffmpeg, the sink and the script share core 1. The worker's CPU (user + system) is read over
${WINDOW_MS / 1000} s at each step; "delivery" is packets at the sink over packets expected
(a little over 100%: the sink also gets each consumer's RTCP).

| consumers on | run | source kbit/s | consumers at 80% of a core | CPU per consumer (µs/s) | lowest delivery |
|---|---|---|---|---|---|
${rows.map((r) => `| ${r.join(' | ')} |`).join('\n')}

**Median: ${cell(withSrtp.at80)} consumers per worker at 80% of a core with SRTP**
(${fmt(withSrtp.perConsumer)} µs of CPU per consumer per second), ${cell(plain.at80)} without
encryption (${fmt(plain.perConsumer)} µs), against the about 500 per worker that mediasoup's
documentation gives. ${
  withSrtp.at80 >= 500
    ? 'This machine relays more than that; the default budget (MEDIA_CONSUMERS_PER_WORKER=500) keeps headroom for audio, retransmissions and bandwidth estimation.'
    : `This machine relays fewer: at ${fmt(BITRATE / 1000)} kbit/s per viewer an operator here should set MEDIA_CONSUMERS_PER_WORKER to about ${fmt(Math.floor(withSrtp.at80 / 10) * 10)}.`
}

Encryption costs ${fmt((withSrtp.perConsumer / plain.perConsumer - 1) * 100)}% more CPU per consumer
than plain RTP here. The worker links libsrtp 2.5 built with OpenSSL (media/worker/build.sh):
with Debian 12's own libsrtp2, which encrypts through NSS (a PKCS#11 context per packet), the
same benchmark gave a median of 246 consumers with SRTP (3,445 µs per consumer per second; commit
eb4b7ec), so building it with OpenSSL is worth the extra step. The system part is the loopback
send path, which the kernel charges to the sending worker.

CPU by step, with SRTP:

${curve(0)}

Without encryption:

${curve(1)}
`;
process.stdout.write(`\n${body}\n`);
if (!values['no-write']) writeSection(`${ROOT}BENCHMARKS.md`, 'media-consumers', body);
