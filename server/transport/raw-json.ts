import { randomBytes } from 'node:crypto';
import * as parser from 'socket.io-parser';

/**
 * JSON already serialised, to be sent as it is: a payload that many packets share (a room's
 * snapshot chat, the same for every joiner of an audience until the next message) is
 * stringified once, not once per packet. Only the server's encoder ({@link rawJsonParser})
 * understands it; {@link materialized} turns it back into values (for observers and tests).
 */
export class RawJson {
  constructor(readonly json: string) {}
}

/**
 * A placeholder a raw value stands in for while the packet is stringified: a secret of this
 * process that never leaves it (every placeholder is replaced before the packet is sent), so no
 * client can write text that is taken for one.
 */
const SECRET = randomBytes(16).toString('hex');
const mark = (i: number) => `${SECRET}:${i}`;
const quoted = (i: number) => `"${mark(i)}"`;

/** socket.io's encoder, with {@link RawJson} values spliced in as they are. */
class RawJsonEncoder extends parser.Encoder {
  private raws: string[] = [];

  constructor() {
    super((_key: string, value: unknown) => {
      if (!(value instanceof RawJson)) return value;
      this.raws.push(value.json);
      return mark(this.raws.length - 1);
    });
  }

  override encode(packet: parser.Packet): (string | Buffer | ArrayBuffer)[] {
    this.raws = [];
    const encoded = super.encode(packet) as (string | Buffer | ArrayBuffer)[];
    const raws = this.raws;
    this.raws = [];
    const [first] = encoded;
    if (raws.length === 0 || typeof first !== 'string') return encoded;
    let text = first;
    raws.forEach((json, i) => {
      text = text.replace(quoted(i), () => json);
    });
    return [text, ...encoded.slice(1)];
  }
}

/** The parser the server gives socket.io: its own, with raw JSON understood when encoding. */
export const rawJsonParser = {
  protocol: parser.protocol,
  Encoder: RawJsonEncoder,
  Decoder: parser.Decoder,
};

/** A value with every {@link RawJson} in it parsed back (what the client will receive). */
export function materialized(value: unknown): unknown {
  if (value instanceof RawJson) return JSON.parse(value.json) as unknown;
  if (Array.isArray(value)) return value.map(materialized);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, materialized(v)]));
}
