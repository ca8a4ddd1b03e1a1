import { readFileSync } from 'node:fs';
import { TermMatcher } from '../../rooms/moderation/terms.js';

/**
 * The moderation corpora (test/data/moderation): blocked terms per language, evasions of them
 * (generate-evasions.ts), and benign chat with look-alike substrings. Each line is matched with
 * its own language's list, as a policy's per-language rules are.
 */
const dir = new URL('../../test/data/moderation/', import.meta.url);
const rows = (file: string) =>
  readFileSync(new URL(file, dir), 'utf8')
    .split('\n')
    .filter((line) => line.includes('\t'))
    .map((line) => line.split('\t'));

export interface CorpusScore {
  evasions: number;
  caught: number;
  /** Evasions not caught, as `lang\tterm\tmessage`. */
  missed: string[];
  benign: number;
  flagged: number;
  /** Benign messages flagged, with what matched. */
  falsePositives: string[];
}

export function scoreCorpora(): CorpusScore {
  const terms = JSON.parse(readFileSync(new URL('terms.json', dir), 'utf8')) as Record<
    string,
    string[]
  >;
  const matchers = new Map(
    Object.entries(terms).map(([lang, list]) => [lang, new TermMatcher(list)]),
  );
  const find = (lang: string, text: string) => matchers.get(lang)?.find(text) ?? [];
  const score: CorpusScore = {
    evasions: 0,
    caught: 0,
    missed: [],
    benign: 0,
    flagged: 0,
    falsePositives: [],
  };
  for (const [lang = '', term = '', text = ''] of rows('evasions.tsv')) {
    score.evasions += 1;
    if (find(lang, text).some((m) => m.term === term)) score.caught += 1;
    else score.missed.push(`${lang}\t${term}\t${text}`);
  }
  for (const [lang = '', text = ''] of rows('benign.tsv')) {
    score.benign += 1;
    const found = find(lang, text);
    if (found.length === 0) continue;
    score.flagged += 1;
    score.falsePositives.push(`${lang}\t${text}\t(${found.map((m) => m.term).join(', ')})`);
  }
  return score;
}
