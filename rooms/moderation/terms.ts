import { AhoCorasick } from '@monyone/aho-corasick';
import { normalize, UNSPACED, WORD, type Normalized } from './normalize.js';

/** A term found in a message: the policy's term, and where it sits in the original text. */
export interface TermMatch {
  term: string;
  /** Code-unit offsets in the original text, `end` exclusive. */
  start: number;
  end: number;
}

/**
 * Many terms matched at once (Aho-Corasick, `@monyone/aho-corasick`: see BENCHMARKS.md, "Matching
 * 10,000 terms at once") on normalised text (`normalize`), so a term still matches when spelled
 * f.r.e.e, fr33, ｆｒｅｅ or with a Cyrillic е. A term in a script with words matches whole words
 * only (so "ass" is not found in "class": the Scunthorpe problem); a Chinese, Japanese, Korean or
 * Thai term matches anywhere.
 */
export class TermMatcher {
  private readonly automaton: AhoCorasick;
  /** Normalised form → the policy's terms that normalise to it, with their letters' repeats. */
  private readonly terms = new Map<string, { term: string; runs: number[] }[]>();

  constructor(terms: readonly string[]) {
    for (const term of terms) {
      const n = normalize(term.trim());
      if (n.text.length === 0) continue;
      this.terms.set(n.text, [...(this.terms.get(n.text) ?? []), { term, runs: n.runs }]);
    }
    this.automaton = new AhoCorasick([...this.terms.keys()]);
  }

  /** The terms in a message, in order of position (a message normalised already may be passed). */
  find(text: string, normalized: Normalized = normalize(text)): TermMatch[] {
    const { text: n, from, to } = normalized;
    const found: TermMatch[] = [];
    for (const { begin, end, keyword } of this.automaton.matchInText(n)) {
      const spaced = !UNSPACED.test(keyword);
      if (spaced && (WORD.test(n[begin - 1] ?? '') || WORD.test(n[end] ?? ''))) continue;
      const start = from[begin] ?? 0;
      const stop = to[end - 1] ?? start + 1;
      for (const { term, runs } of this.terms.get(keyword) ?? [])
        if (sameRepeats(runs, normalized.runs, begin)) found.push({ term, start, end: stop });
    }
    return found.sort((a, b) => a.start - b.start || b.end - a.end);
  }
}

/**
 * A letter written twice is spelled that way ("good" is not "god", "as" is not "ass"); three or
 * more is stretching, and stands for one or two ("goood" is "god" or "good", "scaaam" is "scam").
 */
function sameRepeats(term: readonly number[], text: readonly number[], at: number): boolean {
  return term.every((t, i) => {
    const m = text[at + i] ?? 1;
    return m === t || (m >= 3 && t <= 2);
  });
}

/** The text with every match replaced by as many `＊` as it had characters. */
export function mask(text: string, matches: readonly TermMatch[]): string {
  let out = '';
  let at = 0;
  for (const m of matches) {
    if (m.end <= at) continue;
    const from = Math.max(at, m.start);
    out += text.slice(at, from) + '＊'.repeat(Array.from(text.slice(from, m.end)).length);
    at = m.end;
  }
  return out + text.slice(at);
}
