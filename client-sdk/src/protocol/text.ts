import * as z from 'zod';

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const STRIPPED = /[\u200B\u2060\uFEFF\u180E\u2061-\u2064]/g;
const CONTROL =
  // eslint-disable-next-line no-control-regex
  /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufff9-\ufffb\ufffe\uffff]/u;
// eslint-disable-next-line no-control-regex
const NEWLINE_OR_TAB = /[\u0009\u000a]/;
/** Code points that show nothing by themselves. */
const INVISIBLE = /^[\s\p{Cf}\p{Mn}\p{Me}\u115F\u1160\u3164\uFFA0\u2800]$/u;
const ZWJ = '\u200D';
const MARK_OR_FORMAT = /^[\p{Mn}\p{Me}\p{Cf}]$/u;

/** Removes a joiner that does not stand between two visible characters. One pass. */
function dropStrayJoiners(text: string): string {
  if (!text.includes(ZWJ)) return text;
  const points = Array.from(text);
  const joins = (c: string | undefined) => c !== undefined && c !== ZWJ && !INVISIBLE.test(c);
  let out = '';
  // the character a joiner would join from: the last one kept that is not a mark or format
  // character (a kept joiner counts, so two joiners in a row do not both stay)
  let base: string | undefined;
  for (let i = 0; i < points.length; i++) {
    const point = points[i] ?? '';
    if (point === ZWJ) {
      if (joins(base) && joins(points[i + 1])) {
        out += point;
        base = ZWJ;
      }
      continue;
    }
    out += point;
    if (!MARK_OR_FORMAT.test(point)) base = point;
  }
  return out;
}

/** The normalised form of a text (step 2 above); the text must be free of lone surrogates. */
export function normalizeText(text: string): string {
  // NFC again: a joiner removed may leave a mark next to the character it composes with
  return dropStrayJoiners(text.normalize('NFC').replace(STRIPPED, '')).normalize('NFC').trim();
}

/** Whether a text shows anything at all. */
export function isVisible(text: string): boolean {
  for (const point of text) if (!INVISIBLE.test(point)) return true;
  return false;
}

/** Length in code points. */
export const codePoints = (text: string): number => Array.from(text).length;

/**
 * The rules for text people write and others read (chat, titles, names). In order:
 *
 * 1. refused: lone surrogates (text that is not valid Unicode);
 * 2. normalised: Unicode NFC; the invisible characters with no place in chat are removed (zero
 *    width space U+200B, word joiner U+2060, BOM U+FEFF, Mongolian vowel separator U+180E,
 *    invisible operators U+2061-U+2064); a zero width joiner U+200D is kept only where it joins
 *    two visible characters (emoji sequences such as 👩‍💻, and the scripts that need it) and removed
 *    elsewhere; leading and trailing whitespace is trimmed;
 * 3. refused: control characters (C0, C1; newlines and tabs unless the field allows them, and
 *    there CRLF and CR are read as LF), line
 *    and paragraph separators, the bidirectional embeddings, overrides and isolates
 *    (U+202A-U+202E, U+2066-U+2069) that let text disguise itself, interlinear annotations and
 *    noncharacters U+FFFE/U+FFFF; empty text; text with nothing visible (only spaces, format
 *    characters, combining marks or blank "filler" characters);
 * 4. the length limit counts code points (an emoji of two UTF-16 units is one), after normalising.
 *
 * Kept as they are: every script and emoji, zero width non-joiner U+200C (Persian and Indic
 * orthography need it), left-to-right and right-to-left marks U+200E/U+200F, variation selectors.

 * `max` bounds the length, `multiline` allows newlines and tabs, `optional` allows empty text.
 */
export function plainText(max: number, options: { multiline?: boolean; optional?: boolean } = {}) {
  const { multiline = false, optional = false } = options;
  return z
    .string()
    .max(max * 4, `must be at most ${max} characters`)
    .refine((s) => !LONE_SURROGATE.test(s), 'must not contain lone surrogates (invalid Unicode)')
    .transform((s) => normalizeText(multiline ? s.replace(/\r\n?/g, '\n') : s))
    .pipe(
      z
        .string()
        .refine((s) => optional || s.length > 0, 'must not be empty')
        .refine((s) => codePoints(s) <= max, `must be at most ${max} characters`)
        .refine(
          (s) => !CONTROL.test(s) && (multiline || !NEWLINE_OR_TAB.test(s)),
          'must not contain control characters or direction overrides',
        )
        .refine((s) => s.length === 0 || isVisible(s), 'must contain visible characters'),
    )
    .describe(
      `Text: at most ${max} code points after normalising${multiline ? '; newlines and tabs allowed' : ''}${optional ? '; may be empty' : ''} (see "Text rules")`,
    );
}
