/**
 * `npm run bench:moderation`: what moderation costs a chat message, with a policy of 4 audiences
 * and 10,000 made-up terms in 4 languages (plus links, mentions and account-age rules) in force.
 *
 * 1. Screening throughput, in process, pinned to one core: the chat corpus screened by the very
 *    code the sending node runs per message (RoomModeration.screen: language detection with
 *    eld when the token has no `lang`, CompiledPolicy.screen, the sender's group, outcomeOf and
 *    the statements of reasons), then the event's decision; against the same path with no policy
 *    in force, in the same run. Messages per CPU-second, and each stage on its own.
 * 2. Added send-path latency: a real server (dist/server/main.js, pinned to core 0) started without
 *    a policy and with it, in alternating order; a viewer sends messages one at a time, each
 *    awaiting its ack (socket.io-client, from core 1), while four viewers of the four audiences
 *    watch. Ack latency p50 and p99 of both, and the p99 the policy adds.
 *
 * Writes its section of BENCHMARKS.md.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { SignJWT } from 'jose';
import { pino } from 'pino';
import { io, type Socket } from 'socket.io-client';
// eslint-disable-next-line no-restricted-imports -- times the domain's own screening code, in process
import { chatMessage } from '../rooms/chat/decisions.js';
// eslint-disable-next-line no-restricted-imports -- times the domain's own screening code, in process
import {
  authorOf,
  loadPolicy,
  outcomeOf,
  RoomModeration,
  CompiledPolicy,
  type GroupVerdict,
  type Identity,
  type MessageLanguage,
  type ModerationHooks,
  type Standing,
} from '../rooms/index.js';
// eslint-disable-next-line no-restricted-imports -- times the domain's own screening code, in process
import { normalize } from '../rooms/moderation/normalize.js';
// eslint-disable-next-line no-restricted-imports -- the server's language detection, in process
import { ModerationRuntime } from '../server/moderation/runtime.js';
import { loadChatCorpus, madeUpTerms, random, type MadeUpTerm } from './lib/chat-corpus.js';
import { heapAfterGc, perCpuSecondAsync } from './lib/cpu.js';
import { screeningPolicy, writePolicyFile } from './lib/policies.js';
import { fmt, machine, median, table, writeSection } from './lib/report.js';
import { BENCH_SECRET, startTarget } from './lib/targets.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const { values } = parseArgs({
  options: {
    terms: { type: 'string', default: '10000' },
    runs: { type: 'string', default: '5' },
    messages: { type: 'string', default: '2000' },
    'latency-runs': { type: 'string', default: '3' },
    'no-pin': { type: 'boolean', default: false },
    'no-write': { type: 'boolean', default: false },
    'skip-build': { type: 'boolean', default: false },
  },
});
const pin = !values['no-pin'];
const runs = Number(values.runs);
const latencyRuns = Number(values['latency-runs']);
const sendCount = Number(values.messages);
const termCount = Number(values.terms);
const SERVER_CPU = 0;
const LOAD_CPU = 1;
const pinTo = (cpu: number) => {
  if (pin) execFileSync('taskset', ['-pc', String(cpu), String(process.pid)], { stdio: 'ignore' });
};
// the server under test runs the built code (as `npm run bench` does)
if (!values['skip-build'])
  execFileSync('npm', ['run', '-s', 'build'], { cwd: ROOT, stdio: 'inherit' });

// ---- inputs: terms, messages, senders --------------------------------------------------------

const rnd = random(13);
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)] as T;
const terms: MadeUpTerm[] = madeUpTerms(termCount, rnd);
const termsIn = (lang: string) => terms.filter((t) => t.lang === lang).map((t) => t.term);
const allTerms = terms.map((t) => t.term);
const policyInput = screeningPolicy(terms);

/**
 * The chat corpus, some messages given something to find: one in ten a term (of the message's
 * language when there is a list for it), one in twenty a link off the allow list, one in forty a
 * link on it, one in twenty-five more mentions than allowed.
 */
const corpus = loadChatCorpus().map(({ lang, text }, i) => {
  let out = text;
  if (i % 10 === 0) {
    const own = termsIn(lang);
    out += ` ${pick(own.length > 0 ? own : allTerms)}`;
  }
  if (i % 20 === 5) out += ' deals-4u.xyz/sale';
  if (i % 40 === 25) out += ' https://shop.example.com/p/1';
  if (i % 25 === 7) out += ' @ana @ben @cai @dev';
  return { lang, text: out };
});

/** A region for each corpus language (Basque from Spain): a sender's token carries it. */
const REGION: Record<string, string> = {
  zh: 'CN',
  ja: 'JP',
  es: 'ES',
  eu: 'ES',
  en: 'US',
  fr: 'FR',
  de: 'DE',
  pt: 'BR',
  it: 'IT',
  ru: 'RU',
  ko: 'KR',
};
const DAY_MS = 86_400_000;
const started = Date.now();
/**
 * Each message's sender: half of them have a `lang` in their token (the message's), the other
 * half none, so their messages go through language detection; one in twenty is a day-old account.
 */
const senders: Identity[] = corpus.map(({ lang }, i) => ({
  id: `user-${i}`,
  name: `User ${i}`,
  anonymous: false,
  role: 'viewer',
  roomRoles: {},
  region: REGION[lang] ?? 'US',
  language: i % 2 === 0 ? lang : null,
  accountCreatedAt: started - (i % 20 === 13 ? DAY_MS / 24 : 30 * DAY_MS),
}));

// ---- 1. screening throughput -----------------------------------------------------------------

pinTo(SERVER_CPU);
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const load = loadPolicy(policyInput, sha256);
if (!load.ok) throw new Error(`the bench policy is not valid:\n${load.problems.join('\n')}`);
const runtime = new ModerationRuntime(pino({ level: 'silent' }));
const heapBefore = heapAfterGc();
const setStarted = performance.now();
await runtime.set(load.loaded);
const setMs = performance.now() - setStarted;
const runtimeHeap = heapAfterGc() - heapBefore;
const compiled: CompiledPolicy | null = runtime.policy();
if (!compiled) throw new Error('the policy is not in force');
const policy = compiled;
/** The compiled policy alone (its automaton and rule maps), built again and measured. */
const { compileMs, compiledHeap } = (() => {
  const before = heapAfterGc();
  const from = performance.now();
  const again = new CompiledPolicy(load.loaded);
  const ms = performance.now() - from;
  const heap = heapAfterGc() - before;
  if (again.version !== policy.version) throw new Error('unreachable');
  return { compileMs: ms, compiledHeap: heap };
})();

/** A room as RoomModeration reads it while screening: its id, host, clock and ids. */
let ids = 0;
const room = {
  id: 'bench',
  hostId: 'host',
  now: () => Date.now(),
  newId: () => `m${(ids++).toString(36)}`,
} as unknown as ConstructorParameters<typeof RoomModeration>[0];
const noPolicy: ModerationHooks = { policy: () => null, detect: () => null };
const withPolicy = new RoomModeration(room, runtime);
const without = new RoomModeration(room, noPolicy);
const noSanctions: Standing = { sanctions: [], reports: 0 };

/** The send path's screening and decision for every corpus message, as the sending node runs it. */
let sink = 0;
const sendPath = (moderation: RoomModeration) => async () => {
  for (const [i, { text }] of corpus.entries()) {
    const identity = senders[i] as Identity;
    const id = room.newId();
    const { outcome } = await moderation.screen(identity, id, text, noSanctions);
    if (outcome.kind === 'block') continue;
    sink += chatMessage(room.id, id, authorOf(identity, room), text, outcome.stamp).type.length;
  }
  return corpus.length;
};

/** A message's language as RoomModeration finds it: the token's, else detected among the policy's. */
function languageOf(identity: Identity, text: string): MessageLanguage {
  if (identity.language) return { lang: identity.language, source: 'token' };
  const detected = runtime.detect(text, policy.detectLanguages);
  return detected ? { lang: detected, source: 'detected' } : { lang: null, source: 'unknown' };
}
const senderOf = (identity: Identity) => ({
  region: identity.region,
  language: identity.language,
  accountAgeMs: started - (identity.accountCreatedAt ?? started),
});

/** What the policy decides for the corpus, once (for the section), and each stage's inputs. */
const outcomes = new Map<string, number>();
const languages: MessageLanguage[] = [];
const verdictsOf: GroupVerdict[][] = [];
for (const [i, { text }] of corpus.entries()) {
  const identity = senders[i] as Identity;
  const language = languageOf(identity, text);
  languages.push(language);
  verdictsOf.push(policy.screen(text, senderOf(identity), language));
  const { outcome } = await withPolicy.screen(identity, room.newId(), text, noSanctions);
  const key =
    outcome.kind !== 'publish'
      ? outcome.kind
      : outcome.stamp
        ? 'published, withheld or masked for some audience'
        : 'published as written';
  outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
}
const undetected = corpus.filter((_, i) => senders[i]?.language === null);

interface Stage {
  name: string;
  /** One round over the messages; resolves with how many it did (messages, or detections). */
  round: () => number | Promise<number>;
}
const stages: Stage[] = [
  {
    name: 'no policy in force (baseline): the send path screens nothing',
    round: sendPath(without),
  },
  {
    name: '**with the policy: the full screening path** (RoomModeration.screen, then the decision)',
    round: sendPath(withPolicy),
  },
  {
    name: `stage: language detection (ModerationRuntime.detect), the ${fmt(undetected.length)} messages whose sender has no token lang`,
    round: () => {
      for (const { text } of undetected)
        sink += runtime.detect(text, policy.detectLanguages)?.length ?? 0;
      return undetected.length;
    },
  },
  {
    name: 'stage: CompiledPolicy.screen (terms, links, mentions, account age for every group)',
    round: () => {
      for (const [i, { text }] of corpus.entries()) {
        const sender = senderOf(senders[i] as Identity);
        sink += policy.screen(text, sender, languages[i] as MessageLanguage).length;
      }
      return corpus.length;
    },
  },
  {
    name: 'of which: normalize (the text folding the term matcher runs on each message)',
    round: () => {
      for (const { text } of corpus) sink += normalize(text).text.length;
      return corpus.length;
    },
  },
  {
    name: "stage: the sender's group and outcomeOf",
    round: () => {
      for (const [i, identity] of senders.entries()) {
        const outcome = outcomeOf(verdictsOf[i] ?? [], policy.groupOf(identity), policy.version);
        sink += outcome.kind.length;
      }
      return senders.length;
    },
  },
];

const rates = new Map<Stage, number[]>(stages.map((s) => [s, []]));
// one await per round of 440 messages: nothing next to the work, for the stages that do not await
const measure = (stage: Stage, ms: number) => perCpuSecondAsync(async () => stage.round(), ms);
for (const stage of stages) await measure(stage, 200); // warm-up
for (let run = 0; run < runs; run++) {
  // the baseline and the full path alternate their order from run to run
  const [baseline, full, ...alone] = stages;
  const order = run % 2 === 0 ? [baseline, full, ...alone] : [full, baseline, ...alone];
  for (const stage of order) if (stage) rates.get(stage)?.push(await measure(stage, 1000));
}
if (sink < 0) throw new Error('unreachable'); // keeps the work from being optimised away
const rateOf = (stage: Stage | undefined) => median(stage ? (rates.get(stage) ?? []) : []);
const baselineRate = rateOf(stages[0]);
const fullRate = rateOf(stages[1]);
const us = (rate: number) => 1e6 / rate;
const throughputRows = stages.map((stage, i) => {
  const rate = rateOf(stage);
  return [
    stage.name,
    fmt(Math.round(rate)),
    fmt(us(rate), 2),
    i === 1 ? `+${fmt(us(rate) - us(baselineRate), 2)} µs (${fmt(rate / baselineRate, 3)}×)` : '',
  ];
});
const throughput = table(['path', 'per CPU-second', 'µs each', 'vs no policy'], throughputRows);
const outcomeRows = [...outcomes].map(([k, n]) => [k, fmt(n)]);
process.stdout.write(`\n${throughput}\n\n${table(['outcome', 'messages'], outcomeRows)}\n`);

// ---- 2. added send-path latency --------------------------------------------------------------

pinTo(LOAD_CPU);
const policyFile = writePolicyFile(policyInput);
const ROOM_ID = 'moderation-bench';

const token = (sub: string, claims: Record<string, unknown>) =>
  new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(sub)
    .setExpirationTime('2h')
    .sign(new TextEncoder().encode(BENCH_SECRET));

function connect(url: string, auth: { token: string }): Promise<Socket> {
  const socket = io(url, { transports: ['websocket'], auth, reconnection: false, forceNew: true });
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', (error) => reject(error));
  });
}

async function request(socket: Socket, event: string, payload: unknown): Promise<unknown> {
  const ack = (await socket.emitWithAck(event, payload)) as { ok?: boolean; error?: unknown };
  if (ack.ok !== true) throw new Error(`${event} refused: ${JSON.stringify(ack.error)}`);
  return ack;
}

interface LatencyRun {
  server: 'none' | 'policy';
  run: number;
  p50: number;
  p99: number;
  mean: number;
  published: number;
  /** Messages the viewer in `cn` was shown as withheld placeholders. */
  withheld: number;
}

const percentile = (sorted: number[], q: number) =>
  sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? Number.NaN;

async function latencyRun(server: 'none' | 'policy', run: number): Promise<LatencyRun> {
  const env: Record<string, string> =
    server === 'policy' ? { MODERATION_POLICY: policyFile.file } : {};
  const target = await startTarget('liveshop', pin ? SERVER_CPU : undefined, env);
  const sockets: Socket[] = [];
  try {
    // the policy the server has in force is ours (or none)
    const admin = await token('bench-admin', { role: 'admin' });
    const answer = await fetch(`${target.url}/v1/moderation/policy`, {
      headers: { authorization: `Bearer ${admin}` },
    });
    const inForce = answer.ok ? ((await answer.json()) as { version?: string }).version : null;
    const expected = server === 'policy' ? policy.version : null;
    if (inForce !== expected)
      throw new Error(`the server has policy ${String(inForce)} in force, not ${String(expected)}`);

    const host = await connect(target.url, { token: await token('bench-host', { role: 'host' }) });
    sockets.push(host);
    await request(host, 'stream:create', { roomId: ROOM_ID, title: 'Moderation bench' });
    await request(host, 'room:join', { roomId: ROOM_ID });
    let withheld = 0;
    // a viewer in each audience: cn by region, jp and es by language, global
    for (const [i, claims] of [
      { region: 'CN' },
      { region: 'JP', lang: 'ja' },
      { region: 'ES', lang: 'es' },
      { region: 'US' },
    ].entries()) {
      const viewer = await connect(target.url, { token: await token(`viewer-${i}`, claims) });
      sockets.push(viewer);
      if (i === 0)
        viewer.on('chat:batch', (batch: { withheld?: number[] }) => {
          withheld += batch.withheld?.length ?? 0;
        });
      await request(viewer, 'room:join', { roomId: ROOM_ID });
    }
    // the writer has no lang in its token, so each of its messages is detected first
    const created = Math.floor(started / 1000) - 30 * 86_400;
    const writer = await connect(target.url, {
      token: await token('writer', { region: 'US', created }),
    });
    sockets.push(writer);
    await request(writer, 'room:join', { roomId: ROOM_ID });

    const send = async (i: number) => {
      const text = corpus[i % corpus.length]?.text ?? 'hello';
      const from = performance.now();
      const ack = (await request(writer, 'chat:send', { roomId: ROOM_ID, text })) as {
        status?: string;
      };
      return { ms: performance.now() - from, published: ack.status === 'published' };
    };
    for (let i = 0; i < Math.min(200, sendCount); i++) await send(i); // warm-up
    await new Promise((resolve) => setTimeout(resolve, 200));
    withheld = 0;
    const latencies: number[] = [];
    let published = 0;
    for (let i = 0; i < sendCount; i++) {
      const one = await send(i);
      latencies.push(one.ms);
      if (one.published) published++;
    }
    await new Promise((resolve) => setTimeout(resolve, 300)); // the last ticks
    latencies.sort((a, b) => a - b);
    return {
      server,
      run,
      p50: percentile(latencies, 0.5),
      p99: percentile(latencies, 0.99),
      mean: latencies.reduce((a, b) => a + b, 0) / latencies.length,
      published,
      withheld,
    };
  } finally {
    for (const s of sockets) s.disconnect();
    await target.stop();
  }
}

const latency: LatencyRun[] = [];
try {
  for (let run = 1; run <= latencyRuns; run++) {
    const order = run % 2 === 1 ? (['none', 'policy'] as const) : (['policy', 'none'] as const);
    for (const server of order) {
      process.stdout.write(`latency run ${run}/${latencyRuns}: ${server} ... `);
      const r = await latencyRun(server, run);
      latency.push(r);
      process.stdout.write(
        `p50 ${fmt(r.p50, 3)} ms, p99 ${fmt(r.p99, 3)} ms, ${fmt(r.published)}/${fmt(sendCount)} published, ${fmt(r.withheld)} withheld from cn\n`,
      );
    }
  }
} finally {
  policyFile.remove();
}
const ofServer = (server: LatencyRun['server']) => latency.filter((r) => r.server === server);
const medianOf = (server: LatencyRun['server'], f: (r: LatencyRun) => number) =>
  median(ofServer(server).map(f));
const p99Added = medianOf('policy', (r) => r.p99) - medianOf('none', (r) => r.p99);
const LABEL = { none: 'no policy', policy: `**policy: 4 groups, ${fmt(termCount)} terms**` };
const latencyTable = table(
  ['server', 'ack p50 ms', 'ack p99 ms', 'mean ms', 'published', 'withheld from the cn viewer'],
  (['none', 'policy'] as const).map((s) => [
    LABEL[s],
    fmt(
      medianOf(s, (r) => r.p50),
      3,
    ),
    fmt(
      medianOf(s, (r) => r.p99),
      3,
    ),
    fmt(
      medianOf(s, (r) => r.mean),
      3,
    ),
    `${fmt(ofServer(s).reduce((n, r) => n + r.published, 0))} / ${fmt(ofServer(s).length * sendCount)}`,
    fmt(ofServer(s).reduce((n, r) => n + r.withheld, 0)),
  ]),
);
const perRunTable = table(
  ['run', 'server', 'p50 ms', 'p99 ms', 'mean ms'],
  latency.map((r) => [r.run, LABEL[r.server], fmt(r.p50, 3), fmt(r.p99, 3), fmt(r.mean, 3)]),
);
process.stdout.write(`\n${latencyTable}\n\np99 added: ${fmt(p99Added, 3)} ms\n`);

// ---- the section -----------------------------------------------------------------------------

const mib = (bytes: number) => (bytes / 1048576).toFixed(1);
const check = (ok: boolean, text: string) => `- ${ok ? '✅ met' : '❌ missed'}: ${text}`;
const groupsLine = policy.groupIds
  .map((g) => {
    const group = policy.loaded.groups.get(g);
    const match = group?.match.regions
      ? `region ${group.match.regions.join(', ')}`
      : group?.match.langs
        ? `lang ${group.match.langs.join(', ')}`
        : 'everyone else: the default';
    return `\`${g}\` (${match})`;
  })
  .join(', ');
const command = `npm run bench:moderation -- --terms ${termCount} --runs ${runs} --messages ${sendCount} --latency-runs ${latencyRuns}${pin ? '' : ' --no-pin'}`;
const body = `## Moderation: what screening costs a chat message

\`${command}\` on ${new Date().toISOString().slice(0, 10)}; ${machine()}.
The policy (\`load-tests/lib/policies.ts\`): 4 groups, ${groupsLine}; ${fmt(terms.length)} made-up terms (the seeded generator of the term-match bench), a quarter each in Chinese, Japanese, Spanish and English, one terms rule per group for one language (\`lang\` set, so a list applies only to messages in its language); every group also withholds links off an allow list and more than 3 mentions, and \`global\` holds messages of accounts younger than a day. Nothing blocks, so every message is published to the audiences that see it. Compiling it (CompiledPolicy: one automaton for every group's terms) takes ${fmt(compileMs)} ms and ${mib(compiledHeap)} MB of heap; putting it in force (ModerationRuntime.set: compiling, and loading eld's small model the first time) ${fmt(setMs)} ms and ${mib(runtimeHeap)} MB (V8's used heap after a full GC).

### Screening throughput

${pin ? 'Pinned to core 0 with taskset.' : 'Not pinned.'} In process: the ${fmt(corpus.length)} messages of \`test/data/lang/short-chat.tsv\` (11 languages; one in ten given a term of its language's list, one in twenty a link off the allow list, one in forty one on it, one in twenty-five four mentions), each from its own sender (region from the message's language; half with a token \`lang\`, half without, whose messages are detected among ${policy.detectLanguages.join(', ')}; one in twenty a day-old account), put through \`RoomModeration.screen\`, the sending node's own code: language detection (ModerationRuntime.detect, eld small) when the token has no \`lang\`, CompiledPolicy.screen, the sender's group, outcomeOf, statements of reasons; then the message's decision (\`chatMessage\`). The baseline is that same path with no policy in force, which is what a send costs moderation today. Messages per CPU-second of this process (user + system), median of ${runs} runs of about one CPU-second each, baseline and policy in alternating order; then each stage alone on the same messages. No classifier (an HTTP call, outside this figure).

${throughput}

What the policy decided for the corpus:

${table(['outcome', 'messages'], outcomeRows)}

### Added send-path latency

${pin ? 'The server (`dist/server/main.js`, memory engine, the bench settings of `npm run bench`: no rate limits in the way) pinned to core 0; the clients to core 1.' : 'Not pinned.'} One server without a policy and one with it (\`MODERATION_POLICY\`; the bench checks \`/v1/moderation/policy\` shows it in force, or none), started in turn, alternating which goes first, ${latencyRuns} runs each. A host creates the room and joins; four viewers join, one per audience (region CN; JP with lang ja; ES with lang es; US); a writer (region US, a month-old account, no \`lang\` in its token, so every message is detected first) sends ${fmt(sendCount)} messages of the corpus above one at a time, each awaiting its ack (socket.io-client over WebSocket; 200 sent first to warm up). Latency is from \`emit\` to the ack, on the client. With the policy the room also cuts each tick into four audience batches (one per group present), which runs on the same core. Medians of the runs.

${latencyTable}

p99 added by the policy: **${fmt(p99Added, 3)} ms** (median p99 with it minus median p99 without).

Each run:

${perRunTable}

Targets:

${check(fullRate >= 50_000, `≥ 50,000 messages screened per CPU-second (${fmt(Math.round(fullRate))})`)}
${check(p99Added <= 2, `p99 send latency added ≤ 2 ms (${fmt(p99Added, 3)} ms)`)}
`;
if (!values['no-write']) {
  writeSection(join(ROOT, 'BENCHMARKS.md'), 'moderation-pipeline', body);
  process.stdout.write('BENCHMARKS.md updated.\n');
}
