import { describe, expect, it } from 'vitest';
import { normalize } from './normalize.js';
import { mask, TermMatcher } from './terms.js';

const matcher = new TermMatcher(['free stuff', 'scam', 'ass', '加微信', 'ライン交換', 'pay me']);
const terms = (text: string) => matcher.find(text).map((m) => m.term);

describe('normalize', () => {
  it('undoes width, case, accents, format characters, look-alikes, leetspeak, spacing and repeats', () => {
    const same = [
      'free stuff',
      'ＦＲＥＥ ｓｔｕｆｆ',
      'Frée stüff',
      'fr\u200Bee st\u200Duff',
      'fr33 $tuff',
      'f r e e stuff',
      'f.r.e.e stuff',
      'freeeee stuuuff',
      'frее stuff', // Cyrillic е twice
    ];
    const canonical = normalize('free stuff').text;
    for (const text of same) expect(normalize(text).text, text).toBe(canonical);
  });

  it('leaves words of one other script alone, and kana its marks', () => {
    expect(normalize('я купил кроссовки').text).toBe('я купил кросовки');
    expect(normalize('がんばれ').text).toBe('がんばれ');
    expect(normalize('ｶﾞﾝﾊﾞﾚ').text).toBe('ガンバレ');
    expect(normalize('iPhone 15 Pro').text).toBe('iphone 15 pro');
  });

  it('maps every output character back to the code point it came from', () => {
    const text = 'A😀 ｂ';
    const n = normalize(text);
    expect(n.from).toHaveLength(n.text.length);
    expect(n.text).toBe('a😀 b');
    expect(n.from).toEqual([0, 1, 1, 3, 4]);
    expect(n.to).toEqual([1, 3, 3, 4, 5]);
  });
});

describe('TermMatcher', () => {
  it('finds terms through evasions', () => {
    for (const text of [
      'FREE STUFF here',
      'get fr33 stuff',
      'f r e e   stuff?',
      'sc4m alert',
      'pаy me now',
    ])
      expect(terms(text).length, text).toBeGreaterThan(0);
    expect(terms('加 微 信')).toEqual(['加微信']); // spaced out, as letters are
    expect(terms('想要的加微信聊')).toEqual(['加微信']);
    expect(terms('ライン交換しよう')).toEqual(['ライン交換']);
  });

  it('matches whole words in scripts that have them (no Scunthorpe problem)', () => {
    expect(terms('first class seats, bad assistant')).toEqual([]);
    expect(terms('what an ass')).toEqual(['ass']);
    expect(terms('payment me')).toEqual([]);
  });

  it('masks in the original text, whatever was done to it', () => {
    const text = 'get ＦＲ３３ stuff now';
    expect(mask(text, matcher.find(text))).toBe('get ＊＊＊＊＊＊＊＊＊＊ now');
    expect(mask('scam!', matcher.find('scam!'))).toBe('＊＊＊＊!');
    expect(mask('nothing here', matcher.find('nothing here'))).toBe('nothing here');
  });
});

describe('repeated letters', () => {
  const doubles = new TermMatcher(['ass', 'god', 'scam']);
  const found = (text: string) => doubles.find(text).map((m) => m.term);
  it('tell a doubled letter from a single one, and read three or more as stretching', () => {
    expect(found('as big as that')).toEqual([]);
    expect(found('good food')).toEqual([]);
    expect(found('ass')).toEqual(['ass']);
    expect(found('asssss')).toEqual(['ass']);
    expect(found('gooood')).toEqual(['god']);
    expect(found('scaaaam')).toEqual(['scam']);
    expect(found('scamm')).toEqual([]);
  });
});
