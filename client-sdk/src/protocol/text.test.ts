import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ChatText } from './schemas.js';
import { codePoints, isVisible, normalizeText, plainText } from './text.js';

const accepted = (text: string) => ChatText.safeParse(text);
const refusal = (text: string) => {
  const parsed = ChatText.safeParse(text);
  return parsed.success ? null : parsed.error.issues.map((i) => i.message).join('; ');
};

describe('text rules', () => {
  it('keeps every script, emoji sequences and the joiners they need', () => {
    for (const text of [
      'hello',
      '你好，直播间的朋友们',
      'مرحبا بالجميع',
      'می‌خواهم', // Persian with a zero width non-joiner
      '👩‍💻 and 👨‍👩‍👧‍👦 and 🏳️‍🌈',
      '👍🏽 x 🇭🇰',
      'क्‍ष', // a joiner inside Devanagari
      'e\u0301', // a combining accent, composed by NFC
    ])
      expect(accepted(text)).toEqual({ success: true, data: text.normalize('NFC') });
  });

  it('normalises: NFC, invisible characters removed, stray joiners dropped, trimmed', () => {
    expect(accepted(' caf\u0065\u0301 ')).toMatchObject({ data: 'café' });
    expect(accepted('sp\u200Bam\u2060\uFEFF')).toMatchObject({ data: 'spam' });
    expect(accepted('\u200Dhi\u200D there\u200D')).toMatchObject({ data: 'hi there' });
    expect(accepted('a\u200D\u200Db')).toMatchObject({ data: 'a\u200Db' });
  });

  it('refuses lone surrogates, controls, direction overrides and invisible-only text', () => {
    expect(refusal('bad \uD83D half')).toMatch(/lone surrogates/);
    expect(refusal('bad \uDE00 half')).toMatch(/lone surrogates/);
    expect(refusal('two\nlines')).toMatch(/control characters/);
    expect(refusal('tab\there')).toMatch(/control characters/);
    expect(refusal('spoof\u202Eevil')).toMatch(/direction overrides/);
    expect(refusal('isolate\u2067x')).toMatch(/direction overrides/);
    expect(refusal('line\u2028sep')).toMatch(/control characters/);
    for (const invisible of [
      '\u200B\u200B',
      '\u200D',
      '\u3164',
      '\u2800\u2800',
      '\u0301\u0301',
      '\u200C',
    ])
      expect(refusal(invisible), JSON.stringify(invisible)).toMatch(/empty|visible/);
    expect(refusal('   ')).toMatch(/must not be empty/);
  });

  it('handles the largest adversarial input in one pass (a joiner after every mark)', () => {
    const joiners = 'a' + '\u0301\u200D'.repeat(999);
    expect(normalizeText(joiners)).toBe('\u00E1' + '\u0301'.repeat(998));
    const huge = plainText(5000, { multiline: true });
    expect(huge.safeParse(('b' + '\u0300\u200D'.repeat(3000)).slice(0, 19_999)).success).toBe(true);
  });

  it('counts code points, not UTF-16 units', () => {
    expect(accepted('😀'.repeat(500)).success).toBe(true);
    expect(refusal('😀'.repeat(501))).toMatch(/at most 500/);
    expect(refusal('x'.repeat(501))).toMatch(/at most 500/);
  });

  it('multiline fields take newlines and tabs (CRLF and CR become LF), optional ones may be empty', () => {
    const description = plainText(100, { multiline: true, optional: true });
    expect(description.parse('one\n\ttwo')).toBe('one\n\ttwo');
    expect(description.parse('one\r\ntwo\rthree')).toBe('one\ntwo\nthree');
    expect(description.parse('  ')).toBe('');
    expect(description.safeParse('x\u202E').success).toBe(false);
  });

  it('whatever comes in, what is accepted is normalised, visible, bounded and clean', () => {
    const anything = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 40 }),
      fc.string({ unit: 'grapheme', maxLength: 40 }),
      fc
        .array(
          fc.constantFrom(
            'a',
            ' ',
            '\u200D',
            '\u200B',
            '\u200C',
            '\u202E',
            '\u0301',
            '👩',
            '💻',
            '\uD83D',
            '\u3164',
            '\n',
            '你',
          ),
          { maxLength: 30 },
        )
        .map((parts) => parts.join('')),
    );
    fc.assert(
      fc.property(anything, (text) => {
        const parsed = ChatText.safeParse(text);
        if (!parsed.success) return;
        const out = parsed.data;
        expect(normalizeText(out)).toBe(out); // normalising twice changes nothing
        expect(isVisible(out)).toBe(true);
        expect(codePoints(out)).toBeLessThanOrEqual(500);
        expect(out).not.toMatch(/[\u202A-\u202E\u2066-\u2069\u200B\n]/);
        expect(out).not.toMatch(
          /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/,
        );
        expect(out.startsWith('\u200D') || out.endsWith('\u200D')).toBe(false);
      }),
      { numRuns: 2000 },
    );
  });
});
