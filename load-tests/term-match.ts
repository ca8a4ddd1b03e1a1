/**
 * `npm run bench:terms`: multi-term matchers for moderation (Aho-Corasick libraries) with 10,000
 * terms in 4 languages (en, es, zh, ja; made up by a seeded generator, so the figure is about
 * the automaton, not a word list), scanning the short chat corpus (test/data/lang/short-chat.tsv,
 * one message in ten carrying a term). Build time, heap, messages scanned per CPU-second of one
 * pinned core (every match collected), and a check that every matcher finds the same matches.
 * Writes its section of BENCHMARKS.md.
 */
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { loadChatCorpus, madeUpTerms, random } from './lib/chat-corpus.js';
import { heapAfterGc, perCpuSecond } from './lib/cpu.js';
import { fmt, machine, median, table, writeSection } from './lib/report.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const { values } = parseArgs({
  options: {
    terms: { type: 'string', default: '10000' },
    runs: { type: 'string', default: '3' },
    'no-pin': { type: 'boolean', default: false },
    'no-write': { type: 'boolean', default: false },
  },
});
if (!values['no-pin'])
  execFileSync('taskset', ['-pc', '0', String(process.pid)], { stdio: 'ignore' });

const rnd = random(12);
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)] as T;
const count = Number(values.terms);
const terms = madeUpTerms(count, rnd).map((t) => t.term);

const corpus = loadChatCorpus()
  .map(({ text }) => text)
  .map((text, i) => (i % 10 === 0 ? `${text} ${pick(terms)}` : text.toLowerCase()));

interface Matcher {
  name: string;
  /** Every match as `start:term`, sorted (to compare matchers). */
  matches(text: string): string[];
  /** How many matches (the timed call: collects them as the library returns them). */
  scan(text: string): number;
}

async function matchers(): Promise<{ m: Matcher; buildMs: number; heapBytes: number }[]> {
  const out: { m: Matcher; buildMs: number; heapBytes: number }[] = [];
  const add = async (make: () => Promise<Matcher>) => {
    const before = heapAfterGc();
    const started = performance.now();
    const m = await make();
    const buildMs = performance.now() - started;
    out.push({ m, buildMs, heapBytes: heapAfterGc() - before });
  };
  await add(async () => {
    const { default: AhoCorasick } = (await import('modern-ahocorasick')) as {
      default: new (k: string[]) => {
        search(t: string): { pattern: string; start: number }[];
      };
    };
    const ac = new AhoCorasick(terms);
    return {
      name: 'modern-ahocorasick 3.3.0',
      matches: (t) =>
        ac
          .search(t)
          .map((x) => `${x.start}:${x.pattern}`)
          .sort(),
      scan: (t) => ac.search(t).length,
    };
  });
  await add(async () => {
    const { AhoCorasick } = (await import('@monyone/aho-corasick')) as unknown as {
      AhoCorasick: new (k: string[]) => {
        matchInText(t: string): { begin: number; keyword: string }[];
      };
    };
    const ac = new AhoCorasick(terms);
    return {
      name: '@monyone/aho-corasick 1.1.11',
      matches: (t) =>
        ac
          .matchInText(t)
          .map((x) => `${x.begin}:${x.keyword}`)
          .sort(),
      scan: (t) => ac.matchInText(t).length,
    };
  });
  await add(() => {
    // a CommonJS package without types
    const AhoCorasick = createRequire(import.meta.url)('ahocorasick') as new (k: string[]) => {
      search(t: string): [number, string[]][];
    };
    const ac = new AhoCorasick(terms);
    return Promise.resolve({
      name: 'ahocorasick 1.0.2',
      matches: (t: string) =>
        ac
          .search(t)
          .flatMap(([end, ks]) => ks.map((k) => `${end - k.length + 1}:${k}`))
          .sort(),
      scan: (t: string) => ac.search(t).reduce((n, [, ks]) => n + ks.length, 0),
    });
  });
  await add(() => {
    const list = terms;
    return Promise.resolve({
      name: 'baseline: String.includes per term',
      matches: (t) => {
        const found: string[] = [];
        for (const k of list)
          for (let i = t.indexOf(k); i >= 0; i = t.indexOf(k, i + 1)) found.push(`${i}:${k}`);
        return found.sort();
      },
      scan: (t) => {
        let n = 0;
        for (const k of list) if (t.includes(k)) n++;
        return n;
      },
    });
  });
  return out;
}

const loaded = await matchers();
const first = loaded[0];
if (!first) throw new Error('no matcher loaded');
const reference = first.m;
const runs = Number(values.runs);
const rows: (string | number)[][] = [];
for (const { m, buildMs, heapBytes } of loaded) {
  const disagree = corpus.filter(
    (t) => m.matches(t).join('|') !== reference.matches(t).join('|'),
  ).length;
  const found = corpus.reduce((n, t) => n + m.matches(t).length, 0);
  let sink = 0;
  const round = () => {
    for (const text of corpus) sink += m.scan(text);
    return corpus.length;
  };
  perCpuSecond(round, 200); // warm-up
  const rates = Array.from({ length: runs }, () => perCpuSecond(round));
  if (sink < 0) throw new Error('unreachable'); // keeps the scans from being optimised away
  rows.push([
    m.name,
    `${fmt(Math.round(buildMs))} ms`,
    `${(heapBytes / 1048576).toFixed(1)} MB`,
    fmt(Math.round(median(rates))),
    fmt(found),
    disagree === 0 ? 'same' : `${fmt(disagree)} messages differ`,
  ]);
  process.stdout.write(`${m.name}: ${fmt(Math.round(median(rates)))} messages/CPU-s\n`);
}
const summary = table(
  ['matcher', 'build', 'heap', 'messages scanned per CPU-s', 'matches found', 'vs the first'],
  rows,
);
const command = `npm run bench:terms -- --terms ${values.terms} --runs ${runs}${values['no-pin'] ? ' --no-pin' : ''}`;
const body = `## Matching ${fmt(count)} terms at once

\`${command}\` on ${new Date().toISOString().slice(0, 10)}; ${machine()}.
${values['no-pin'] ? 'Not pinned.' : 'Pinned to core 0 with taskset.'} ${fmt(terms.length)} terms, a quarter each in English-like and Spanish-like Latin syllables, Chinese ideographs and Japanese kana (seeded, made up: the figure is the automaton's, not a word list's), built into each matcher; then the ${fmt(corpus.length)} chat messages of test/data/lang/short-chat.tsv (one in ten with a term appended) scanned again and again, every match collected. Speed is median of ${runs} runs of about one CPU-second; heap is V8's used heap after building, after a full GC. "vs the first" compares every message's matches with the first matcher's.

${summary}
`;
process.stdout.write(`\n${summary}\n`);
if (!values['no-write']) writeSection(join(ROOT, 'BENCHMARKS.md'), 'term-match', body);
