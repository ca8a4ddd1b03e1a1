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

/** The ASCII codes leetspeak reads as letters. */
const LEETABLE: readonly boolean[] = Array.from({ length: 0x80 }, (_, c) =>
  Object.hasOwn(LEET, String.fromCharCode(c)),
);

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
  let prev: Unit | undefined;
  for (let here = 0; here < input.length;) {
    const code = input.codePointAt(here) ?? 0;
    if (code < 0x80) {
      // ASCII: what it folds to is a table away
      const ch = ASCII[code] ?? '';
      if (ch !== '') units.push((prev = { ch, at: here, to: here + 1 }));
      here += 1;
      continue;
    }
    const cp = code > 0xffff ? input.slice(here, here + 2) : input.charAt(here);
    const at = here + cp.length;
    const parts = folded(cp);
    for (let p = 0; p < parts.length; p++) {
      const { ch, mark } = parts[p] as { ch: string; mark: boolean };
      // a mark composes with the letter before it (ｶﾞ is ガ), then accents come off
      if (mark && prev && prev.to === here) {
        prev.ch = strip(`${prev.ch}${ch}`.normalize('NFC'));
        prev.to = at;
        continue;
      }
      if (ch === cp || ch.length === 1) units.push((prev = { ch, at: here, to: at }));
      else for (const out of ch) units.push((prev = { ch: out, at: here, to: at }));
    }
    here = at;
  }
  // each word (a run without spaces) gets its look-alikes and leetspeak fixed, in place
  for (let start = 0; start < units.length;) {
    if (isSpace(units[start]?.ch ?? '')) {
      start++;
      continue;
    }
    let end = start;
    while (end < units.length && !isSpace(units[end]?.ch ?? '')) end++;
    fixWord(units, start, end);
    start = end;
  }
  units = collapse(oneSpaces(joinSpelled(units)));
  let text = '';
  const from: number[] = [];
  const to: number[] = [];
  const runs: number[] = [];
  for (const u of units) {
    text += u.ch;
    const run = u.run ?? 1;
    from.push(u.at);
    to.push(u.to);
    runs.push(run);
    for (let k = 1; k < u.ch.length; k++) {
      from.push(u.at);
      to.push(u.to);
      runs.push(run);
    }
  }
  return { text, from, to, runs };
}

/** ASCII lower-cased (control characters kept: NFKC leaves them, and they are not format characters). */
const ASCII = Array.from({ length: 0x80 }, (_, c) => String.fromCharCode(c).toLowerCase());

/** What one code point becomes (format characters: nothing), and which parts are marks. */
type Folded = readonly { ch: string; mark: boolean }[];
const FOLDED = new Map<string, Folded>();
/** Distinct code points remembered (chat uses few; a flood of rare ones cannot grow it forever). */
const MAX_FOLDED = 200_000;

/** Steps 1-3 for one code point, remembered: NFKC and the tests are the costly part. */
function folded(cp: string): Folded {
  const known = FOLDED.get(cp);
  if (known) return known;
  const parts: { ch: string; mark: boolean }[] = [];
  if (!FORMAT.test(cp))
    for (const c of cp.normalize('NFKC').toLowerCase())
      parts.push(MARK.test(c) ? { ch: c, mark: true } : { ch: strip(c), mark: false });
  if (FOLDED.size >= MAX_FOLDED) FOLDED.clear();
  FOLDED.set(cp, parts);
  return parts;
}

/**
 * A character's classes, remembered: the passes below test each character several times. One
 * UTF-16 unit: a table (bit 32 says it is filled); beyond, a map.
 */
const BMP_CLASS = new Uint8Array(0x10000);
const CLASS = new Map<string, number>();
const KNOWN = 32;
const IS_SPACE = 1;
const IS_LETTER = 2;
const IS_WORD = 4;
const IS_LATIN = 8;
const IS_UNSPACED = 16;

function classOf(ch: string): number {
  if (ch.length === 1) {
    const code = ch.charCodeAt(0);
    const known = BMP_CLASS[code] ?? 0;
    if (known !== 0) return known;
    const flags = classify(ch) | KNOWN;
    BMP_CLASS[code] = flags;
    return flags;
  }
  let flags = CLASS.get(ch);
  if (flags === undefined) {
    flags = classify(ch);
    if (CLASS.size >= MAX_FOLDED) CLASS.clear();
    CLASS.set(ch, flags);
  }
  return flags;
}

const classify = (ch: string): number =>
  (/\s/u.test(ch) ? IS_SPACE : 0) |
  (LETTER.test(ch) ? IS_LETTER : 0) |
  (WORD.test(ch) ? IS_WORD : 0) |
  (LATIN.test(ch) ? IS_LATIN : 0) |
  (UNSPACED.test(ch) ? IS_UNSPACED : 0);

const isSpace = (ch: string) => (classOf(ch) & IS_SPACE) !== 0;

/** Accents off a Latin, Greek or Cyrillic letter (NFD, marks dropped); other scripts as they are. */
function strip(c: string): string {
  const base = c.normalize('NFD');
  if (!STRIPPABLE.test(String.fromCodePoint(base.codePointAt(0) ?? 0))) return c;
  return Array.from(base)
    .filter((m) => !MARK.test(m))
    .join('')
    .normalize('NFC');
}

/** Each run of spaces as one space (standing for all of them). */
function oneSpaces(units: Unit[]): Unit[] {
  const out: Unit[] = [];
  let gap: Unit | undefined;
  for (const u of units) {
    if (isSpace(u.ch)) {
      if (gap) gap.to = u.to;
      else out.push((gap = { ch: ' ', at: u.at, to: u.to }));
    } else {
      gap = undefined;
      out.push(u);
    }
  }
  return out;
}

/** Look-alikes in a word with Latin letters, and leetspeak in a word with letters. */
function fixWord(units: Unit[], start: number, end: number): void {
  let latin = false;
  let letters = false;
  for (let i = start; i < end; i++) {
    const c = classOf(units[i]?.ch ?? '');
    latin ||= (c & IS_LATIN) !== 0;
    letters ||= (c & IS_LETTER) !== 0;
  }
  if (!letters) return;
  for (let i = start; i < end; i++) {
    const u = units[i];
    if (!u) continue;
    const code = u.ch.charCodeAt(0);
    // look-alikes are all beyond ASCII
    const look = latin && code >= 0x80 ? LOOKALIKE[u.ch] : undefined;
    if (look === undefined && !LEETABLE[code]) continue;
    // digits, @ and $ read as letters anywhere in a word; ! | + only with more of it after them
    // ("sh!t" is a word, "scam!" ends with punctuation)
    const anywhere = (code >= 0x30 && code <= 0x39) || code === 0x40 || code === 0x24; // 0-9 @ $
    const inside = anywhere || (i + 1 < end && (classOf(units[i + 1]?.ch ?? '') & IS_WORD) !== 0);
    const leet = inside ? LEET[u.ch] : undefined;
    const ch = look ?? leet;
    if (ch !== undefined) units[i] = { ...u, ch };
  }
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
      while (k < units.length && isSpace(units[k]?.ch ?? '')) k += 1;
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
    const cjk = run.some((u) => (classOf(u.ch) & IS_UNSPACED) !== 0);
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
  ((classOf(units[j]?.ch ?? '') & IS_UNSPACED) !== 0 ||
    (!isWordChar(units[j - 1]) && !isWordChar(units[j + 1])));

/** Runs of one letter become one letter (standing for the whole run). */
function collapse(units: Unit[]): Unit[] {
  const out: Unit[] = [];
  for (const u of units) {
    const prev = out.at(-1);
    if (prev && prev.ch === u.ch && (classOf(u.ch) & IS_LETTER) !== 0) {
      prev.to = u.to;
      prev.run = (prev.run ?? 1) + 1;
    } else out.push(u.run === undefined ? u : { ...u });
  }
  return out;
}

const isLetter = (u: Unit | undefined) => u !== undefined && (classOf(u.ch) & IS_LETTER) !== 0;
const isWordChar = (u: Unit | undefined) => u !== undefined && (classOf(u.ch) & IS_WORD) !== 0;
