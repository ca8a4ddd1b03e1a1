/**
 * Text as the term matcher sees it: what people do to slip a word past a filter undone, the same
 * way for messages and for the policy's terms. Each step is there for an evasion:
 * - format characters (zero-width, bidi controls, variation selectors) removed;
 * - NFKC (full- and half-width forms, ligatures, circled and styled letters), then lower case;
 * - diacritics removed from Latin, Greek and Cyrillic letters (not from kana: が stays が);
 * - look-alike letters of another script inside a Latin word mapped to Latin (а in "pаy" is
 *   Cyrillic), the mixed-script case of Unicode's confusables (UTS #39); a word wholly in one
 *   script is left alone, so Russian stays Russian;
 * - leetspeak digits and symbols inside words with letters ("fr33", "$cam");
 * - letters spaced or dotted out ("f r e e", "f.r.e.e") joined;
 * - repeated letters collapsed ("freeee" is "fre"), each keeping how many it stood for in
 *   `runs`, so the matcher can tell "as" from "ass" and "good" from "god".
 * - runs of spaces as one space.
 * `from[i]` and `to[i]` are where, in the original text, the characters output code unit `i`
 * stands for start and end (`to` exclusive), so a match can be masked in the original.
 */
export interface Normalized {
  text: string;
  from: number[];
  to: number[];
  /** How many repeats of its letter output code unit `i` stands for (1 when not repeated). */
  runs: number[];
}

const FORMAT = /[\p{Cf}\u{FE00}-\u{FE0F}\u{E0100}-\u{E01EF}\u{180B}-\u{180D}]/u;
const MARK = /\p{M}/u;
const STRIPPABLE = /[\p{Script=Latin}\p{Script=Greek}\p{Script=Cyrillic}]/u;
const LETTER = /\p{L}/u;
const LATIN = /\p{Script=Latin}/u;
/** A letter or digit: what words are made of. */
export const WORD = /[\p{L}\p{N}]/u;

/** Cyrillic and Greek letters that look like Latin ones (lower case, after NFKC). */
const LOOKALIKE: Record<string, string> = {
  а: 'a',
  в: 'b',
  е: 'e',
  ё: 'e',
  к: 'k',
  м: 'm',
  н: 'h',
  о: 'o',
  р: 'p',
  с: 'c',
  т: 't',
  у: 'y',
  х: 'x',
  і: 'i',
  ї: 'i',
  ј: 'j',
  ѕ: 's',
  ԁ: 'd',
  ԛ: 'q',
  ԝ: 'w',
  һ: 'h',
  ɡ: 'g',
  ı: 'i',
  α: 'a',
  β: 'b',
  ε: 'e',
  η: 'n',
  ι: 'i',
  κ: 'k',
  ν: 'v',
  ο: 'o',
  ρ: 'p',
  τ: 't',
  υ: 'u',
  χ: 'x',
  ω: 'w',
};
/** Digits and symbols read as letters inside a word. */
const LEET: Record<string, string> = {
  '0': 'o',
  '1': 'i',
  '3': 'e',
  '4': 'a',
  '5': 's',
  '7': 't',
  '8': 'b',
  '@': 'a',
  $: 's',
  '!': 'i',
  '|': 'l',
  '+': 't',
};

interface Unit {
  ch: string;
  /** Repeats it stands for (collapse). */
  run?: number;
  /** Where in the original text it comes from: `at` to `to` (exclusive). */
  at: number;
  to: number;
}

export function normalize(input: string): Normalized {
  // 1-3: per code point, format characters out, NFKC, lower case, marks off where they are accents
  let units: Unit[] = [];
  let at = 0;
  for (const cp of input) {
    const here = at;
    at += cp.length;
    if (FORMAT.test(cp)) continue;
    for (const c of cp.normalize('NFKC').toLowerCase()) {
      const prev = units.at(-1);
      // a mark composes with the letter before it (ｶﾞ is ガ), then accents come off
      if (MARK.test(c) && prev && prev.to === here) {
        prev.ch = strip(`${prev.ch}${c}`.normalize('NFC'));
        prev.to = at;
        continue;
      }
      for (const out of strip(c)) units.push({ ch: out, at: here, to: at });
    }
  }
  units = words(units).flatMap(({ word, gap }) => [...fixWord(word), ...gap]);
  units = joinSpelled(units);
  units = words(units).flatMap(({ word, gap }) => [...word, ...oneSpace(gap)]);
  units = collapse(units);
  const each = (f: (u: Unit) => number) =>
    units.flatMap((u) => Array.from({ length: u.ch.length }, () => f(u)));
  return {
    text: units.map((u) => u.ch).join(''),
    from: each((u) => u.at),
    to: each((u) => u.to),
    runs: each((u) => u.run ?? 1),
  };
}

/** Accents off a Latin, Greek or Cyrillic letter (NFD, marks dropped); other scripts as they are. */
function strip(c: string): string {
  const base = c.normalize('NFD');
  if (!STRIPPABLE.test(String.fromCodePoint(base.codePointAt(0) ?? 0))) return c;
  return Array.from(base)
    .filter((m) => !MARK.test(m))
    .join('')
    .normalize('NFC');
}

/** A run of spaces as one space (standing for all of them). */
function oneSpace(gap: Unit[]): Unit[] {
  const first = gap[0];
  const last = gap.at(-1);
  return first && last ? [{ ch: ' ', at: first.at, to: last.to }] : [];
}

/** Splits into words (runs without spaces), each with the spaces after it. */
function words(units: Unit[]): { word: Unit[]; gap: Unit[] }[] {
  const out: { word: Unit[]; gap: Unit[] }[] = [];
  let current = { word: [] as Unit[], gap: [] as Unit[] };
  for (const u of units) {
    if (/\s/u.test(u.ch)) current.gap.push(u);
    else {
      if (current.gap.length > 0) {
        out.push(current);
        current = { word: [], gap: [] };
      }
      current.word.push(u);
    }
  }
  out.push(current);
  return out;
}

/** Look-alikes in a word with Latin letters, and leetspeak in a word with letters. */
function fixWord(word: Unit[]): Unit[] {
  const latin = word.some((u) => LATIN.test(u.ch));
  const letters = word.some((u) => LETTER.test(u.ch));
  return word.map((u, i) => {
    const look = latin ? LOOKALIKE[u.ch] : undefined;
    // digits, @ and $ read as letters anywhere in a word; ! | + only with more of it after them
    // ("sh!t" is a word, "scam!" ends with punctuation)
    const inside = /[\d@$]/.test(u.ch) || WORD.test(word[i + 1]?.ch ?? '');
    const leet = letters && inside ? LEET[u.ch] : undefined;
    return (look ?? leet) ? { ...u, ch: look ?? leet ?? u.ch } : u;
  });
}

/**
 * "f r e e", "f.r.e.e", "加 微 信": letters standing alone, one separator apart, joined; a word
 * gap inside such a run ("f r e e   m o n e y", "f.r.e.e m.o.n.e.y") stays one space.
 */
function joinSpelled(units: Unit[]): Unit[] {
  const out: Unit[] = [];
  let i = 0;
  while (i < units.length) {
    const run: Unit[] = [];
    let letters = 0;
    let sep: string | undefined;
    let j = i;
    let end = i;
    while (isSingle(units, j)) {
      run.push(units[j] as Unit);
      letters += 1;
      end = j + 1;
      const next = units[j + 1]?.ch;
      if (
        next !== undefined &&
        SPELL_SEPARATORS.has(next) &&
        (sep ?? next) === next &&
        isSingle(units, j + 2)
      ) {
        sep ??= next;
        j += 2;
        continue;
      }
      // a word gap, then another spelled word
      let k = j + 1;
      while (k < units.length && /\s/u.test(units[k]?.ch ?? '')) k += 1;
      const gap = units[j + 1];
      if (
        sep !== undefined &&
        gap &&
        k > j + 1 &&
        (k > j + 2 || sep !== ' ') &&
        isSingle(units, k)
      ) {
        run.push({ ch: ' ', at: gap.at, to: units[k - 1]?.to ?? gap.to });
        j = k;
        continue;
      }
      break;
    }
    const cjk = run.some((u) => UNSPACED.test(u.ch));
    if (letters >= (cjk ? 2 : 3)) {
      out.push(...run);
      i = end;
    } else {
      out.push(units[i] as Unit);
      i += 1;
    }
  }
  return out;
}

const SPELL_SEPARATORS = new Set([' ', '.', '-', '_', '*']);
/** Scripts written without spaces between words: each character stands alone. */
export const UNSPACED =
  /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}\p{Script=Thai}]/u;

/** A letter standing alone: no letter or digit next to it (any character of an unspaced script). */
const isSingle = (units: Unit[], j: number) =>
  isLetter(units[j]) &&
  (UNSPACED.test(units[j]?.ch ?? '') || (!isWordChar(units[j - 1]) && !isWordChar(units[j + 1])));

/** Runs of one letter become one letter (standing for the whole run). */
function collapse(units: Unit[]): Unit[] {
  const out: Unit[] = [];
  for (const u of units) {
    const prev = out.at(-1);
    if (prev && LETTER.test(u.ch) && prev.ch === u.ch) {
      prev.to = u.to;
      prev.run = (prev.run ?? 1) + 1;
    } else out.push({ ...u });
  }
  return out;
}

const isLetter = (u: Unit | undefined) => u !== undefined && LETTER.test(u.ch);
const isWordChar = (u: Unit | undefined) => u !== undefined && WORD.test(u.ch);
