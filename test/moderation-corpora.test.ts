import { describe, expect, it } from 'vitest';
import { scoreCorpora } from '../server/moderation/corpora.js';

describe('moderation corpora', () => {
  it('catches the evasions and leaves benign chat alone, each message against its own language list', () => {
    const score = scoreCorpora();
    console.log(
      `evasions caught ${score.caught}/${score.evasions}; benign flagged ${score.flagged}/${score.benign}`,
    );
    expect(score.evasions).toBeGreaterThanOrEqual(300);
    expect(score.benign).toBeGreaterThanOrEqual(300);
    // the figures of the day (BENCHMARKS.md): a change that loses recall or adds false
    // positives shows here first; what is missed or flagged is listed on failure
    expect(score.missed.length, score.missed.join('\n')).toBeLessThanOrEqual(3);
    expect(score.falsePositives.length, score.falsePositives.join('\n')).toBeLessThanOrEqual(2);
  });
});
