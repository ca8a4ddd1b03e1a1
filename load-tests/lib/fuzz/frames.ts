import fc from 'fast-check';
import { clientEvents, type ClientEventName } from '../../../client-sdk/src/protocol/index.js';
import { eventArbitraries } from './arbitrary.js';
import type { Part } from './connection.js';

/** A frame to send: its kind, what it carries, and whether it asks for an ack. */
export interface FuzzFrame {
  kind: FrameKind;
  /** Builds the parts with the ack id the connection chose (or none when `acked` is false). */
  parts(ackId: number): Part[];
  acked: boolean;
}

export type FrameKind =
  | 'valid'
  | 'invalid'
  | 'unknown-event'
  | 'no-ack-error'
  | 'proto-keys'
  | 'deep-nesting'
  | 'large-event'
  | 'over-frame-limit'
  | 'beyond-read-limit'
  | 'broken-json'
  | 'bad-packet'
  | 'invalid-utf8'
  | 'stray-binary'
  | 'binary-event'
  | 'engine-noise'
  | 'stray-ack';

export interface FrameLimits {
  maxEventBytes: number;
  maxFrameBytes: number;
  readLimit: number;
}

const names = Object.keys(clientEvents) as ClientEventName[];
const event = (ackId: number | null, name: string, payload: unknown) =>
  `42${ackId ?? ''}${JSON.stringify([name, payload])}`;

/** Every frame kind with its weight (per 1000) and how to draw one. */
export function frameArbitrary(limits: FrameLimits, tokens: string[]): fc.Arbitrary<FuzzFrame> {
  const events = eventArbitraries();
  const named = (pick: (e: (typeof events)[ClientEventName]) => fc.Arbitrary<unknown>) =>
    fc
      .constantFrom(...names)
      .chain((name) => pick(events[name]).map((payload) => ({ name, payload })));
  const frame = (kind: FrameKind, acked: boolean, parts: (ackId: number) => Part[]): FuzzFrame => ({
    kind,
    acked,
    parts,
  });
  const text = (s: string): Part => ({ text: s });
  const padding = (bytes: number) => 'p'.repeat(bytes);

  const kinds: { weight: number; arbitrary: fc.Arbitrary<FuzzFrame> }[] = [
    {
      weight: 400,
      arbitrary: named((e) => e.valid).map(({ name, payload }) =>
        frame('valid', true, (id) => [text(event(id, name, payload))]),
      ),
    },
    {
      weight: 200,
      arbitrary: named((e) => e.invalid).map(({ name, payload }) =>
        frame('invalid', true, (id) => [text(event(id, name, payload))]),
      ),
    },
    {
      weight: 40,
      arbitrary: fc
        .oneof(
          fc.string({ maxLength: 80 }),
          fc.constantFrom(
            '__proto__',
            'constructor',
            'toString',
            'hasOwnProperty',
            'connect',
            'disconnect',
            'error',
          ),
        )
        .filter((n) => !Object.hasOwn(clientEvents, n))
        .map((name) => frame('unknown-event', true, (id) => [text(event(id, name, {}))])),
    },
    {
      weight: 40,
      arbitrary: fc
        .tuple(
          fc.constantFrom(...names, 'nope:event'),
          fc.constantFrom(12345, 'string', null, [1, 2]),
        )
        .map(([name, payload]) =>
          frame('no-ack-error', false, () => [text(event(null, name, payload))]),
        ),
    },
    {
      weight: 30,
      arbitrary: fc
        .constantFrom(...names)
        .chain((name) =>
          fc
            .constantFrom(
              '{"roomId":"fuzz","__proto__":{"role":"admin","anonymous":false}}',
              '{"__proto__":{"polluted":true},"roomId":"fuzz","text":"hi"}',
              '{"roomId":"fuzz","constructor":{"prototype":{"polluted":true}}}',
              '{"roomId":"fuzz","product":{"__proto__":{"price":0}}}',
            )
            .map((json) => frame('proto-keys', true, (id) => [text(`42${id}["${name}",${json}]`)])),
        ),
    },
    {
      weight: 20,
      arbitrary: fc
        .tuple(
          fc.constantFrom(...names),
          fc.integer({ min: 100, max: limits.maxEventBytes / 2 - 20 }),
          fc.boolean(),
        )
        .map(([name, depth, arrays]) => {
          const open = arrays ? '['.repeat(depth) : '{"a":'.repeat(Math.floor(depth / 5));
          const close = arrays ? ']'.repeat(depth) : '}'.repeat(Math.floor(depth / 5));
          return frame('deep-nesting', true, (id) => [text(`42${id}["${name}",${open}1${close}]`)]);
        }),
    },
    {
      weight: 20,
      arbitrary: fc
        .tuple(
          fc.constantFrom(...names),
          fc.integer({
            min: limits.maxEventBytes + 1,
            max: Math.min(limits.maxFrameBytes - 64, limits.maxEventBytes * 8),
          }),
        )
        .map(([name, size]) =>
          frame('large-event', true, (id) => [
            text(event(id, name, { roomId: 'fuzz', text: padding(size) })),
          ]),
        ),
    },
    {
      weight: 2,
      arbitrary: fc
        .integer({ min: limits.maxFrameBytes + 1, max: limits.readLimit - 64 })
        .map((size) =>
          frame('over-frame-limit', true, (id) => [
            text(event(id, 'chat:send', { roomId: 'fuzz', text: padding(size) })),
          ]),
        ),
    },
    {
      weight: 1,
      arbitrary: fc.constant(
        frame('beyond-read-limit', false, () => [
          text(`42${JSON.stringify(['chat:send', padding(limits.readLimit + 1)])}`),
        ]),
      ),
    },
    {
      weight: 40,
      arbitrary: fc
        .constantFrom(
          '42["chat:send",{',
          '42[',
          '42["room:join"',
          '42{"x":1}',
          '42["chat:send",}]',
          '4',
          '42',
          '42[]',
          '42[123,{}]',
          '42[null]',
          '42"str"',
          '42[{"a":1}]',
        )
        .map((s) => frame('broken-json', false, () => [text(s)])),
    },
    {
      weight: 40,
      arbitrary: fc
        .oneof(
          fc.string({ maxLength: 30 }).map((s) => `4${s}`),
          fc.string({ maxLength: 30 }).map((s) => `9${s}`),
          fc.constantFrom(
            '47',
            '48',
            '49xyz',
            '4-',
            '45',
            '452-["a"]',
            '41/x,',
            '43',
            '44{}',
            '1',
            '5',
            '7',
            '8',
            '',
          ),
        )
        .map((s) => frame('bad-packet', false, () => [text(s)])),
    },
    {
      weight: 10,
      arbitrary: fc
        .constantFrom(
          [0xc3, 0x28],
          [0xff, 0xfe],
          [0xed, 0xa0, 0x80],
          [0xf8, 0x88, 0x80, 0x80, 0x80],
          [0xe2, 0x82],
        )
        .map((bad) =>
          frame('invalid-utf8', false, () => [
            {
              textBytes: Buffer.concat([
                Buffer.from('42["chat:send",{"roomId":"fuzz","text":"'),
                Buffer.from(bad),
                Buffer.from('"}]'),
              ]),
            },
          ]),
        ),
    },
    {
      weight: 10,
      arbitrary: fc
        .uint8Array({ maxLength: 64 })
        .map((bytes) => frame('stray-binary', false, () => [{ binary: Buffer.from(bytes) }])),
    },
    {
      weight: 20,
      arbitrary: fc
        .tuple(
          fc.constantFrom('chat:send', 'drop:claim', 'room:join', 'product:upsert'),
          fc.uint8Array({ maxLength: 256 }),
        )
        .map(([name, bytes]) =>
          frame('binary-event', true, (id) => [
            text(
              `451-${id}${JSON.stringify([name, { roomId: 'fuzz', text: { _placeholder: true, num: 0 } }])}`,
            ),
            { binary: Buffer.from(bytes) },
          ]),
        ),
    },
    {
      weight: 30,
      arbitrary: fc
        .constantFrom(
          '3',
          '2',
          '6',
          '3probe',
          '2probe',
          `40${JSON.stringify({ token: tokens[0] })}`,
        )
        .map((s) => frame('engine-noise', false, () => [text(s)])),
    },
    {
      weight: 10,
      arbitrary: fc
        .tuple(fc.nat(), fc.jsonValue({ maxDepth: 2 }))
        .map(([id, value]) =>
          frame('stray-ack', false, () => [text(`43${id + 1_000_000}${JSON.stringify([value])}`)]),
        ),
    },
  ];
  return fc.oneof(...kinds);
}
