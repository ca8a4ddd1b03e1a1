/**
 * `npm run bench:lang`: language detectors on short chat text (test/data/lang/short-chat.tsv:
 * live-shopping messages of 20-50 characters in 11 languages). For each candidate, accuracy
 * overall, by length and by language, with the detector left open to every language it knows and
 * restricted to the corpus's languages (as a policy would restrict it to its groups' languages),
 * and speed in detections per CPU-second of one pinned core, and the heap its data takes. Writes
 * its section of BENCHMARKS.md.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { loadChatCorpus, type ChatSample } from './lib/chat-corpus.js';
import { heapAfterGc, perCpuSecond } from './lib/cpu.js';
import { fmt, machine, median, table, writeSection } from './lib/report.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '3' },
    'no-pin': { type: 'boolean', default: false },
    'no-write': { type: 'boolean', default: false },
  },
});
if (!values['no-pin'])
  execFileSync('taskset', ['-pc', '0', String(process.pid)], { stdio: 'ignore' });

const corpus: ChatSample[] = loadChatCorpus();
const LANGS = [...new Set(corpus.map((s) => s.lang))].sort();

/** ISO 639-3 (franc, lande) to the 639-1 codes tokens carry. */
const ISO3: Record<string, string> = {
  eng: 'en',
  cmn: 'zh',
  jpn: 'ja',
  spa: 'es',
  eus: 'eu',
  fra: 'fr',
  deu: 'de',
  por: 'pt',
  ita: 'it',
  rus: 'ru',
  kor: 'ko',
};
const TO3 = Object.fromEntries(Object.entries(ISO3).map(([k, v]) => [v, k]));

interface Detector {
  name: string;
  /** The detector open to every language it knows, and restricted to the corpus's. */
  open(text: string): string;
  restricted(text: string): string;
}

async function detectors(): Promise<{ detector: Detector; heapBytes: number }[]> {
  const loaded: { detector: Detector; heapBytes: number }[] = [];
  const add = async (make: () => Promise<Detector>) => {
    const before = heapAfterGc();
    const detector = await make();
    detector.open('warm up');
    loaded.push({ detector, heapBytes: heapAfterGc() - before });
  };
  await add(async () => {
    const { detect } = await import('tinyld');
    return {
      name: 'tinyld 1.3.4 (normal)',
      open: (t) => detect(t),
      restricted: (t) => detect(t, { only: LANGS }),
    };
  });
  await add(async () => {
    const { detect } = await import('tinyld/light');
    return {
      name: 'tinyld 1.3.4 (light)',
      open: (t) => detect(t),
      restricted: (t) => detect(t, { only: LANGS }),
    };
  });
  for (const size of ['extrasmall', 'small', 'medium', 'large'] as const) {
    await add(async () => {
      const { eld } = (await import(`eld/${size}`)) as typeof import('eld/medium');
      const subset = eld.newInstance();
      subset.setLanguageSubset(LANGS);
      return {
        name: `eld 2.1.0 (${size})`,
        open: (t) => eld.detect(t).language,
        restricted: (t) => subset.detect(t).language,
      };
    });
  }
  for (const pkg of ['franc', 'franc-min'] as const) {
    await add(async () => {
      const { franc } = (await import(pkg)) as typeof import('franc');
      const only = LANGS.map((l) => TO3[l] ?? l);
      return {
        name: `${pkg} 6.2.0`,
        open: (t) => ISO3[franc(t, { minLength: 1 })] ?? 'other',
        restricted: (t) => ISO3[franc(t, { minLength: 1, only })] ?? 'other',
      };
    });
  }
  await add(async () => {
    const { default: lande } = await import('lande');
    return {
      name: 'lande 1.0.10',
      open: (t) => ISO3[lande(t)[0]?.[0] ?? ''] ?? 'other',
      restricted: (t) => ISO3[lande(t).find(([l]) => ISO3[l] !== undefined)?.[0] ?? ''] ?? 'other',
    };
  });
  return loaded;
}

/** Code points, as the corpus counts length. */
const codePoints = (text: string) => Array.from(text).length;
const bucket = (text: string) => {
  const n = codePoints(text);
  return n < 30 ? '20-29' : n < 40 ? '30-39' : '40-50';
};
const pct = (ok: number, all: number) => (all === 0 ? '–' : `${((100 * ok) / all).toFixed(1)}%`);

function accuracy(detect: (t: string) => string) {
  const by = new Map<string, [number, number]>();
  const count = (key: string, ok: boolean) => {
    const [hit, all] = by.get(key) ?? [0, 0];
    by.set(key, [hit + (ok ? 1 : 0), all + 1]);
  };
  for (const { lang, text } of corpus) {
    const ok = detect(text) === lang;
    count('all', ok);
    count(bucket(text), ok);
    count(lang, ok);
  }
  return (key: string) => {
    const [hit, all] = by.get(key) ?? [0, 0];
    return pct(hit, all);
  };
}

const loaded = await detectors();
const runs = Number(values.runs);
const rows: (string | number)[][] = [];
const byLang: (string | number)[][] = [];
for (const { detector, heapBytes } of loaded) {
  const open = accuracy((t) => detector.open(t));
  const restricted = accuracy((t) => detector.restricted(t));
  const round = () => {
    for (const { text } of corpus) detector.restricted(text);
    return corpus.length;
  };
  perCpuSecond(round, 200); // warm-up
  const rates = Array.from({ length: runs }, () => perCpuSecond(round));
  rows.push([
    detector.name,
    open('all'),
    restricted('all'),
    restricted('20-29'),
    restricted('30-39'),
    restricted('40-50'),
    fmt(Math.round(median(rates))),
    `${(heapBytes / 1048576).toFixed(1)} MB`,
  ]);
  byLang.push([detector.name, ...LANGS.map((l) => restricted(l))]);
  process.stdout.write(`${detector.name}: ${open('all')} open, ${restricted('all')} restricted\n`);
}

const summary = table(
  [
    'detector',
    'accuracy, open',
    'accuracy, restricted',
    '20-29 chars',
    '30-39 chars',
    '40-50 chars',
    'detections per CPU-s (restricted)',
    'heap of its data',
  ],
  rows,
);
const perLanguage = table(['detector (restricted)', ...LANGS], byLang);
const counts = LANGS.map((l) => `${l} ${corpus.filter((s) => s.lang === l).length}`).join(', ');
const command = `npm run bench:lang -- --runs ${runs}${values['no-pin'] ? ' --no-pin' : ''}`;
const body = `## Language detection on short chat

\`${command}\` on ${new Date().toISOString().slice(0, 10)}; ${machine()}.
${values['no-pin'] ? 'Not pinned.' : 'Pinned to core 0 with taskset.'} ${fmt(corpus.length)} live-shopping chat messages of 20-50 characters written for this test (\`test/data/lang/short-chat.tsv\`: ${counts}). "Open": the detector may answer any language it knows; "restricted": only the corpus's ${LANGS.length} languages (as a policy restricts it to the languages its groups name). Accuracy is the share of messages given their own language. Speed is detections per CPU-second of one core, restricted, median of ${runs} runs of about one CPU-second each over the whole corpus. Heap is V8's used heap after loading the detector, after a full GC when run with \`--expose-gc\`.

${summary}

By language (restricted):

${perLanguage}
`;
process.stdout.write(`\n${summary}\n\n${perLanguage}\n`);
if (!values['no-write']) writeSection(join(ROOT, 'BENCHMARKS.md'), 'lang-detect', body);
