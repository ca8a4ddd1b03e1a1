/**
 * `npm run moderation:corpora`: the term matcher on the moderation corpora (test/data/moderation):
 * recall on evasions of blocked terms, false positives on benign chat, each message against its
 * own language's list. Writes its section of BENCHMARKS.md.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { fmt, machine, table, writeSection } from '../../load-tests/lib/report.js';
import { scoreCorpora } from './corpora.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const { values } = parseArgs({ options: { 'no-write': { type: 'boolean', default: false } } });
const s = scoreCorpora();
const pct = (n: number, all: number) => `${((100 * n) / all).toFixed(1)}%`;
const summary = table(
  ['corpus', 'messages', 'result', 'rate'],
  [
    [
      'evasions of blocked terms (recall)',
      fmt(s.evasions),
      `${fmt(s.caught)} caught`,
      pct(s.caught, s.evasions),
    ],
    [
      'benign chat with look-alikes (false positives)',
      fmt(s.benign),
      `${fmt(s.flagged)} flagged`,
      pct(s.flagged, s.benign),
    ],
  ],
);
const list = (lines: string[]) => lines.map((l) => `- ${l.replaceAll('\t', ' · ')}`).join('\n');
const body = `## Moderation corpora: recall and false positives

\`npm run moderation:corpora\` on ${new Date().toISOString().slice(0, 10)}; ${machine()}.
The term matcher (\`rooms/moderation/terms.ts\` on \`normalize.ts\`) with the lists of test/data/moderation/terms.json (en, es, eu, zh, ja); evasions.tsv is made by generate-evasions.ts (upper and title case, full width, leetspeak, @ and $, letters spaced or dotted out, zero-width and bidi characters, variation selectors, Cyrillic look-alikes, accents, stretched vowels, half-width kana); benign.tsv is ordinary live-shopping chat written to contain look-alike substrings (hello, class, assistant, Amsterdam, Basque "dago", 加油, オンライン...). Exact figures, one run.

${summary}

Missed:

${list(s.missed)}

Flagged though benign:

${list(s.falsePositives)}
`;
process.stdout.write(`${summary}\n`);
if (!values['no-write']) writeSection(join(ROOT, 'BENCHMARKS.md'), 'moderation-corpora', body);
