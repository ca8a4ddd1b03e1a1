import { describe, expect, it } from 'vitest';
import { ERROR_CODES, type ErrorCode } from '../protocol/error-codes.js';
import { ERROR_SENTENCES, LOCALES, errorSentence, pickLocale } from './errors.js';

const CODES = Object.keys(ERROR_CODES) as ErrorCode[];

describe('error sentences', () => {
  it('say every error code in every language, as a sentence and never the code itself', () => {
    for (const locale of LOCALES) {
      expect(Object.keys(ERROR_SENTENCES[locale]).sort()).toEqual([...CODES].sort());
      for (const code of CODES) {
        const sentence = errorSentence({ code }, locale);
        expect(sentence.length).toBeGreaterThan(3);
        expect(sentence).not.toContain(code);
        expect(sentence).not.toMatch(/[`{}_]/);
      }
    }
    // the Chinese catalog is Chinese
    for (const code of CODES) expect(ERROR_SENTENCES['zh-CN'][code]).toMatch(/[\u4e00-\u9fff]/);
  });

  it('says when to try again, in the language', () => {
    expect(errorSentence({ code: 'SLOW_MODE', retryAfterMs: 29_500 }, 'en')).toBe(
      'Slow mode is on. Try again in 30 seconds.',
    );
    expect(errorSentence({ code: 'TIMED_OUT', retryAfterMs: 600_000 }, 'en')).toBe(
      'A moderator has paused your chat for a while. Try again in 10 minutes.',
    );
    const zh = errorSentence({ code: 'RATE_LIMITED', retryAfterMs: 5_000 }, 'zh-CN');
    expect(zh.startsWith('操作太快了。请')).toBe(true);
    expect(zh).toMatch(/5/);
    // a code from a newer server is still a sentence
    expect(errorSentence({ code: 'SOMETHING_NEW' }, 'zh-CN')).toBe('出了点问题，请重试。');
  });

  it("speaks the token's language, else the browser's, else English", () => {
    expect(pickLocale('zh-CN', ['en-US'])).toBe('zh-CN');
    expect(pickLocale(null, ['fr-FR', 'zh-Hans-CN'])).toBe('zh-CN');
    expect(pickLocale('zh', [])).toBe('zh-CN');
    expect(pickLocale('de', ['en-GB'])).toBe('en');
    expect(pickLocale(undefined, ['ja-JP'])).toBe('en');
  });
});
