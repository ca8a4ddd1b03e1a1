import { connect, type Socket } from 'node:net';

const KEY = 'dGhlIHNhbXBsZSBub25jZQ=='; // the RFC 6455 sample: 16 bytes, as servers check
const OP_TEXT = 0x1;
const OP_CLOSE = 0x8;
const OP_PING = 0x9;
const OP_PONG = 0xa;

export interface MiniWebSocketOptions {
  host: string;
  port: number;
  path: string;
  localAddress?: string | undefined;
  /** With `localAddress`: the source port, so binding needs no search of the port range. */
  localPort?: number | undefined;
  onOpen(): void;
  onMessage(text: string): void;
  onClose(): void;
}

/**
 * A minimal WebSocket client for load generation: a raw TCP socket, a fixed handshake, text frames
 * only. The `ws` package spends most of a connection's cost in Node's HTTP client; this spends
 * almost none, so one load core can open and hold many more connections. Client frames are masked
 * with a zero key (valid, and the payload needs no XOR). Not for anything but load tests.
 */
export class MiniWebSocket {
  private readonly socket: Socket;
  private upgraded = false;
  private pending: Buffer | null = null;
  private closed = false;

  constructor(private readonly options: MiniWebSocketOptions) {
    this.socket = connect({
      host: options.host,
      port: options.port,
      noDelay: true,
      ...(options.localAddress ? { localAddress: options.localAddress } : {}),
      ...(options.localAddress && options.localPort ? { localPort: options.localPort } : {}),
    });
    this.socket.on('connect', () => {
      this.socket.write(
        `GET ${options.path} HTTP/1.1\r\nHost: ${options.host}:${options.port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${KEY}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
      );
    });
    this.socket.on('data', (chunk: Buffer) => this.onData(chunk));
    this.socket.on('error', () => this.close());
    this.socket.on('close', () => this.close());
  }

  get open(): boolean {
    return this.upgraded && !this.closed;
  }

  send(text: string): void {
    const payload = Buffer.from(text);
    const length = payload.length;
    const header = length < 126 ? 6 : length < 65536 ? 8 : 14;
    const frame = Buffer.allocUnsafe(header + length);
    frame[0] = 0x80 | OP_TEXT;
    if (length < 126) frame[1] = 0x80 | length;
    else if (length < 65536) {
      frame[1] = 0x80 | 126;
      frame.writeUInt16BE(length, 2);
    } else {
      frame[1] = 0x80 | 127;
      frame.writeBigUInt64BE(BigInt(length), 2);
    }
    frame.writeUInt32BE(0, header - 4); // zero mask key
    payload.copy(frame, header);
    this.socket.write(frame);
  }

  terminate(): void {
    this.socket.destroy();
    this.close();
  }

  private close(): void {
    if (this.closed) return;
    this.closed = true;
    this.options.onClose();
  }

  private onData(chunk: Buffer): void {
    let data = this.pending ? Buffer.concat([this.pending, chunk]) : chunk;
    this.pending = null;
    if (!this.upgraded) {
      const end = data.indexOf('\r\n\r\n');
      if (end < 0) {
        this.pending = data;
        return;
      }
      if (!data.subarray(0, 12).toString().includes(' 101')) {
        this.terminate();
        return;
      }
      this.upgraded = true;
      data = data.subarray(end + 4);
      this.options.onOpen();
    }
    let at = 0;
    while (data.length - at >= 2) {
      const opcode = (data[at] ?? 0) & 0x0f;
      let length = (data[at + 1] ?? 0) & 0x7f;
      let header = 2;
      if (length === 126) {
        if (data.length - at < 4) break;
        length = data.readUInt16BE(at + 2);
        header = 4;
      } else if (length === 127) {
        if (data.length - at < 10) break;
        length = Number(data.readBigUInt64BE(at + 2));
        header = 10;
      }
      if (data.length - at < header + length) break;
      const payload = data.subarray(at + header, at + header + length);
      at += header + length;
      if (opcode === OP_TEXT) this.options.onMessage(payload.toString());
      else if (opcode === OP_PING) this.pong(payload);
      else if (opcode === OP_CLOSE) this.terminate();
    }
    if (at < data.length) this.pending = Buffer.from(data.subarray(at));
  }

  private pong(payload: Buffer): void {
    const frame = Buffer.alloc(6 + payload.length);
    frame[0] = 0x80 | OP_PONG;
    frame[1] = 0x80 | payload.length;
    payload.copy(frame, 6);
    this.socket.write(frame);
  }
}
