/**
 * Writes evasions.tsv: each blocked term of terms.json disguised as people disguise words to get
 * past a filter, inside a chat line. `npx tsx test/data/moderation/generate-evasions.ts`
 * (deterministic: the same file every time). Lines: `<lang>\t<term>\t<message>`.
 */
import { readFileSync, writeFileSync } from 'node:fs';

const dir = new URL('.', import.meta.url);
const terms = JSON.parse(readFileSync(new URL('terms.json', dir), 'utf8')) as Record<
  string,
  string[]
>;

const FULLWIDTH = (s: string) =>
  Array.from(s, (c) =>
    c >= '!' && c <= '~' ? String.fromCodePoint((c.codePointAt(0) ?? 0) + 0xfee0) : c,
  ).join('');
const LEET: Record<string, string> = { a: '4', e: '3', i: '1', o: '0', s: '5', t: '7' };
const CYRILLIC: Record<string, string> = { a: 'а', e: 'е', o: 'о', p: 'р', c: 'с', x: 'х', y: 'у' };
const ACCENT: Record<string, string> = { a: 'á', e: 'é', i: 'í', o: 'ö', u: 'ü', n: 'ñ' };
const map = (s: string, table: Record<string, string>, every = 1) =>
  Array.from(s, (c, i) => (i % every === 0 ? (table[c] ?? c) : c)).join('');
const letters = (s: string, sep: string) =>
  s
    .split(' ')
    .map((w) => Array.from(w).join(sep))
    .join(sep === ' ' ? '   ' : ' ');

/** Disguises for words in scripts with spaces. */
const LATIN: [string, (t: string) => string][] = [
  ['upper', (t) => t.toUpperCase()],
  ['title', (t) => t.replace(/\b\w/g, (c) => c.toUpperCase())],
  ['fullwidth', FULLWIDTH],
  ['leet', (t) => map(t, LEET)],
  ['leet-some', (t) => map(t, LEET, 2)],
  ['symbols', (t) => t.replace(/a/g, '@').replace(/s/g, '$')],
  ['spaced', (t) => letters(t, ' ')],
  ['dotted', (t) => letters(t, '.')],
  ['zero-width', (t) => Array.from(t).join('\u200B')],
  ['cyrillic', (t) => map(t, CYRILLIC)],
  ['accents', (t) => map(t, ACCENT)],
  ['repeats', (t) => t.replace(/([aeiou])/g, '$1$1$1')],
  ['mixed', (t) => map(t.toUpperCase(), { A: '4', E: '3', O: '0' })],
];
/** Disguises for Chinese and Japanese. */
const CJK: [string, (t: string) => string][] = [
  ['spaced', (t) => Array.from(t).join(' ')],
  ['dotted', (t) => Array.from(t).join('.')],
  ['zero-width', (t) => Array.from(t).join('\u200B')],
  ['bidi', (t) => `\u202A${t}\u202C`],
  ['variation', (t) => Array.from(t).join('\uFE0F')],
  ['halfwidth', (t) => t.normalize('NFKC').replace(/[ァ-ヶ]/g, (c) => HALF[c] ?? c)],
  ['word-joiner', (t) => Array.from(t).join('\u2060')],
];
const HALF: Record<string, string> = { ラ: 'ﾗ', イ: 'ｲ', ン: 'ﾝ', バ: 'ﾊﾞ', カ: 'ｶ' };
const FRAMES = ['{}', 'hey {} ok?', 'lol {} for real', '{}!!', 'ok so {} now'];
const FRAMES_CJK = ['{}', '大家{}', '{}吧', 'ねえ{}', '{}！'];

const lines: string[] = [];
for (const [lang, list] of Object.entries(terms)) {
  const cjk = lang === 'zh' || lang === 'ja';
  const disguises = cjk ? CJK : LATIN;
  const frames = cjk ? FRAMES_CJK : FRAMES;
  list.forEach((term, t) =>
    disguises.forEach(([, disguise], d) => {
      const frame = frames[(t + d) % frames.length] ?? '{}';
      lines.push(`${lang}\t${term}\t${frame.replace('{}', disguise(term))}`);
    }),
  );
}
writeFileSync(new URL('evasions.tsv', dir), `${lines.join('\n')}\n`);
console.log(`${lines.length} evasions`);
