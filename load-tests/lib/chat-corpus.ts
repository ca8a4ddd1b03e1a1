/**
 * What the moderation benches screen: the short chat corpus (test/data/lang/short-chat.tsv) and
 * made-up terms in four languages from a seeded generator, so every run sees the same inputs and
 * the figures are about the matcher, not a word list.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface ChatSample {
  /** ISO 639-1, as the corpus labels it. */
  lang: string;
  text: string;
}

/** The short chat corpus: live-shopping messages of 20-50 characters in 11 languages. */
export function loadChatCorpus(): ChatSample[] {
  return readFileSync(join(ROOT, 'test/data/lang/short-chat.tsv'), 'utf8')
    .split('\n')
    .filter((line) => line.includes('\t'))
    .map((line) => {
      const [lang = '', text = ''] = line.split('\t');
      return { lang, text };
    });
}

/** A small seeded generator (mulberry32), so every run builds the same terms. */
export function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SYLLABLES = [
  'ka',
  'lo',
  'mi',
  'ne',
  'ru',
  'sa',
  'to',
  'ba',
  'de',
  'gi',
  'ko',
  'pa',
  'ter',
  'zon',
  'bri',
  'ost',
];

/** The languages of the generated terms, in the order the generator takes turns. */
export const TERM_LANGUAGES = ['en', 'es', 'zh', 'ja'] as const;
export type TermLanguage = (typeof TERM_LANGUAGES)[number];

export interface MadeUpTerm {
  lang: TermLanguage;
  term: string;
}

/**
 * `count` distinct made-up terms, taking turns over English-like and Spanish-like Latin
 * syllables, Chinese ideographs and Japanese kana (about a quarter each), drawn from `rnd`.
 */
export function madeUpTerms(count: number, rnd: () => number): MadeUpTerm[] {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)] as T;
  const latin = () =>
    Array.from({ length: 2 + Math.floor(rnd() * 4) }, () => pick(SYLLABLES)).join('');
  const fromRange = (lo: number, hi: number, n: number) =>
    Array.from({ length: n }, () => String.fromCodePoint(lo + Math.floor(rnd() * (hi - lo)))).join(
      '',
    );
  const makers: Record<TermLanguage, () => string> = {
    en: () => latin(),
    es: () => `${latin()}${pick(['ción', 'ero', 'ita'])}`,
    zh: () => fromRange(0x4e00, 0x62ff, 2 + Math.floor(rnd() * 3)),
    ja: () => fromRange(0x3041, 0x3096, 2) + fromRange(0x30a1, 0x30fa, 2),
  };
  const drawn = Array.from({ length: count * 2 }, (_, i) => {
    const lang = TERM_LANGUAGES[i % TERM_LANGUAGES.length] ?? 'en';
    return { lang, term: makers[lang]() };
  });
  const seen = new Set<string>();
  const out: MadeUpTerm[] = [];
  for (const t of drawn) {
    if (seen.has(t.term)) continue;
    seen.add(t.term);
    out.push(t);
    if (out.length === count) break;
  }
  return out;
}
