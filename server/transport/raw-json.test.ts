import fc from 'fast-check';
import * as parser from 'socket.io-parser';
import { describe, expect, it } from 'vitest';
import { materialized, RawJson, rawJsonParser } from './raw-json.js';

const encoder = new rawJsonParser.Encoder();
const decode = (text: string): unknown =>
  new Promise((resolve) => {
    const decoder = new parser.Decoder();
    decoder.on('decoded', (packet: parser.Packet) => resolve(packet.data));
    decoder.add(text);
  });

describe('raw JSON in socket.io packets', () => {
  it('sends raw JSON as the value it stands for, in acks and events', async () => {
    const chat = [
      { id: 'm1', text: 'hi "there"' },
      { id: 'm2', text: '\u001eraw0\u001e' },
    ];
    const data = [{ ok: true, snapshot: { chat: new RawJson(JSON.stringify(chat)), seq: 4 } }];
    const [ack] = encoder.encode({ type: parser.PacketType.ACK, nsp: '/', id: 7, data });
    expect(typeof ack).toBe('string');
    expect(await decode(ack as string)).toEqual([{ ok: true, snapshot: { chat, seq: 4 } }]);
    expect(materialized(data)).toEqual([{ ok: true, snapshot: { chat, seq: 4 } }]);
    const [event] = encoder.encode({
      type: parser.PacketType.EVENT,
      nsp: '/',
      data: ['x', new RawJson('[1,2]'), new RawJson('{"a":null}')],
    });
    expect(await decode(event as string)).toEqual(['x', [1, 2], { a: null }]);
  });

  it('keeps every other string as it is, whatever it says', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.oneof(
            fc.string(),
            fc.constantFrom('\u001eraw0\u001e', '"\u001eraw0\u001e"', '\\u001eraw0\\u001e'),
          ),
        ),
        async (texts) => {
          const data = [{ texts, raw: new RawJson(JSON.stringify({ n: 1 })) }];
          const [text] = encoder.encode({
            type: parser.PacketType.EVENT,
            nsp: '/',
            data: ['e', ...data],
          });
          expect(await decode(text as string)).toEqual(['e', { texts, raw: { n: 1 } }]);
        },
      ),
      { numRuns: 300 },
    );
  });
});
