import fc from 'fast-check';
import * as z from 'zod';
import { clientEvents, type ClientEventName } from '../../../client-sdk/src/protocol/index.js';

/** The parts of a JSON Schema (as `z.toJSONSchema` writes them) the generators read. */
interface Schema {
  type?: string | string[];
  properties?: Record<string, Schema>;
  required?: string[];
  additionalProperties?: boolean | Schema;
  items?: Schema;
  anyOf?: Schema[];
  oneOf?: Schema[];
  enum?: unknown[];
  const?: unknown;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  maxItems?: number;
  $ref?: string;
  $defs?: Record<string, Schema>;
}

/** Ids the fuzz run's rooms and drops use, so generated requests often name real things. */
export const FUZZ_IDS = { rooms: ['fuzz', 'control', 'nowhere'], drops: ['fuzz-drop', 'x'] };

const SAFE = Number.MAX_SAFE_INTEGER;

/** Text with the characters that trip parsers and renderers, mixed with plain text. */
const nastyText = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  fc.string({ unit: 'binary', maxLength: 20 }),
  fc.constantFrom(
    '',
    ' ',
    '\u202Eevil',
    '\uD83D',
    '\u200B\u200D',
    '👩\u200D💻',
    '\u0000',
    '<script>alert(1)</script>',
    '${{7*7}}',
    '%s%n',
    '../../etc/passwd',
    '\\u0000',
    'a'.repeat(600),
  ),
);

/** Values that look like the field but sit at or past its edges. */
function stringOf(s: Schema, key: string | undefined): fc.Arbitrary<string> {
  const known =
    key === 'roomId'
      ? fc.constantFrom(...FUZZ_IDS.rooms)
      : key === 'dropId'
        ? fc.constantFrom(...FUZZ_IDS.drops)
        : undefined;
  const fitting = s.pattern
    ? fc.stringMatching(new RegExp(s.pattern))
    : fc.string({ minLength: s.minLength ?? 0, maxLength: Math.min(s.maxLength ?? 40, 80) });
  return known ? fc.oneof({ weight: 3, arbitrary: known }, fitting) : fitting;
}

function numberOf(s: Schema, integer: boolean): fc.Arbitrary<number> {
  const min = s.exclusiveMinimum !== undefined ? s.exclusiveMinimum + 1 : (s.minimum ?? -SAFE);
  const max = s.maximum ?? SAFE;
  const inRange = integer
    ? fc.integer({ min: Math.max(min, -SAFE), max: Math.min(max, SAFE) })
    : fc.double({ min: Math.max(min, -1e12), max: Math.min(max, 1e12), noNaN: true });
  return fc.oneof(inRange, fc.constantFrom(Math.max(min, -SAFE), Math.min(max, SAFE)));
}

/** Arbitrary values a schema accepts (mostly: refinements are not in JSON Schema). */
export function valid(
  s: Schema,
  defs: Record<string, Schema>,
  key?: string,
  depth = 0,
): fc.Arbitrary<unknown> {
  if (s.$ref) {
    const target = defs[s.$ref.split('/').at(-1) ?? ''];
    return target ? valid(target, defs, key, depth) : fc.constant(null);
  }
  if (s.const !== undefined) return fc.constant(s.const);
  if (s.enum) return fc.constantFrom(...s.enum);
  const variants = s.anyOf ?? s.oneOf;
  if (variants) return fc.oneof(...variants.map((v) => valid(v, defs, key, depth)));
  const types = Array.isArray(s.type) ? s.type : [s.type ?? 'any'];
  return fc.oneof(
    ...types.map((type): fc.Arbitrary<unknown> => {
      switch (type) {
        case 'string':
          return key === 'text' || key === 'title' ? nastyText : stringOf(s, key);
        case 'integer':
          return numberOf(s, true);
        case 'number':
          return numberOf(s, false);
        case 'boolean':
          return fc.boolean();
        case 'null':
          return fc.constant(null);
        case 'array':
          return depth > 4
            ? fc.constant([])
            : fc.array(s.items ? valid(s.items, defs, undefined, depth + 1) : fc.anything(), {
                maxLength: Math.min(s.maxItems ?? 4, 4),
              });
        case 'object':
          return objectOf(s, defs, depth);
        default:
          return fc.jsonValue({ maxDepth: 2 });
      }
    }),
  );
}

function objectOf(s: Schema, defs: Record<string, Schema>, depth: number): fc.Arbitrary<unknown> {
  if (!s.properties)
    return depth > 4
      ? fc.constant({})
      : fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 1 }), { maxKeys: 3 });
  const required = new Set(s.required ?? []);
  const fields = Object.fromEntries(
    Object.entries(s.properties).map(([k, v]) => [k, valid(v, defs, k, depth + 1)]),
  );
  return fc.record(fields, { requiredKeys: [...required].filter((k) => k in fields) as never[] });
}

/** A wrong version of a valid payload: a field removed, retyped, or an extra one added. */
export function mutated(base: fc.Arbitrary<unknown>): fc.Arbitrary<unknown> {
  const wrong = fc.oneof(
    fc.constant(null),
    fc.constant(-1),
    fc.constant(1.5),
    fc.constant(''),
    fc.constant('x'.repeat(300)),
    fc.constant([]),
    fc.constant({}),
    fc.constant(true),
    fc.jsonValue({ maxDepth: 2 }),
  );
  return fc.oneof(
    fc.tuple(base, fc.nat(), wrong).map(([value, pick, replacement]) => {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) return replacement;
      const keys = Object.keys(value);
      const key = keys[pick % Math.max(1, keys.length)];
      if (key === undefined) return replacement;
      const { [key]: _dropped, ...rest } = value as Record<string, unknown>;
      return pick % 3 === 0 ? rest : { ...rest, [key]: replacement };
    }),
    fc
      .tuple(base, fc.string({ maxLength: 10 }), fc.jsonValue({ maxDepth: 1 }))
      .map(([value, key, extra]) =>
        typeof value === 'object' && value !== null && !Array.isArray(value)
          ? { ...value, [key]: extra }
          : value,
      ),
    wrong,
  );
}

/** Per client event: arbitraries of requests its schema accepts, and of wrong ones. */
export function eventArbitraries(): Record<
  ClientEventName,
  { valid: fc.Arbitrary<unknown>; invalid: fc.Arbitrary<unknown> }
> {
  const out = {} as Record<
    ClientEventName,
    { valid: fc.Arbitrary<unknown>; invalid: fc.Arbitrary<unknown> }
  >;
  for (const [name, event] of Object.entries(clientEvents) as [
    ClientEventName,
    (typeof clientEvents)[ClientEventName],
  ][]) {
    const schema = z.toJSONSchema(event.request, { io: 'input', unrepresentable: 'any' }) as Schema;
    const good = valid(schema, schema.$defs ?? {});
    out[name] = { valid: good, invalid: mutated(good) };
  }
  return out;
}
