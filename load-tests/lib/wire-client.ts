import { WebSocket } from 'ws';
import { connectFrame, eventFrame, parseFrame, PONG, socketIoPath } from './wire.js';

export interface WireClientOptions {
  /** Base URL, e.g. http://127.0.0.1:3000 */
  url: string;
  auth?: Record<string, unknown>;
  /** Source address (127.0.0.x) to spread connections past one address's ephemeral ports. */
  localAddress?: string;
  onEvent?: (event: string, payload: unknown) => void;
  /**
   * Sees every frame first; returning true skips parsing it (load workers count hot frames
   * without JSON.parse, so the load core is not the bottleneck).
   */
  onRawFrame?: (frame: string) => boolean;
}

/**
 * A socket.io client over `ws` with no socket.io-client underneath: a few hundred bytes per
 * connection instead of tens of kilobytes, so one load process can hold thousands.
 */
export class WireClient {
  private nextAck = 0;
  private readonly acks = new Map<number, (payload: unknown) => void>();

  private constructor(
    private readonly ws: WebSocket,
    private readonly onEvent: (event: string, payload: unknown) => void,
  ) {}

  /** Opens the connection and resolves once the server accepted the handshake. */
  static connect(options: WireClientOptions): Promise<WireClient> {
    const url = `${options.url.replace(/^http/, 'ws')}${socketIoPath()}`;
    const ws = new WebSocket(url, {
      perMessageDeflate: false,
      skipUTF8Validation: true,
      ...(options.localAddress ? { localAddress: options.localAddress } : {}),
    });
    const client = new WireClient(ws, options.onEvent ?? (() => undefined));
    return new Promise((resolve, reject) => {
      ws.once('error', reject);
      ws.once('close', (code) => reject(new Error(`closed during handshake (${code})`)));
      const raw = options.onRawFrame;
      ws.on('message', (data) => {
        const text = (data as Buffer).toString();
        if (raw?.(text)) return;
        const frame = parseFrame(text);
        switch (frame.kind) {
          case 'open':
            ws.send(connectFrame(options.auth));
            return;
          case 'ping':
            ws.send(PONG);
            return;
          case 'connected':
            ws.removeAllListeners('error');
            ws.removeAllListeners('close');
            ws.on('error', () => undefined);
            resolve(client);
            return;
          case 'connect_error':
            reject(new Error(`refused: ${JSON.stringify(frame.data)}`));
            ws.close();
            return;
          case 'event':
            client.onEvent(frame.event, frame.payload);
            return;
          case 'ack':
            client.acks.get(frame.id)?.(frame.payload);
            client.acks.delete(frame.id);
            return;
          default:
            return;
        }
      });
    });
  }

  /** Emits an event and resolves with its ack. */
  request(event: string, payload: unknown): Promise<unknown> {
    const id = this.nextAck++;
    return new Promise((resolve) => {
      this.acks.set(id, resolve);
      this.ws.send(eventFrame(event, payload, id));
    });
  }

  get open(): boolean {
    return this.ws.readyState === WebSocket.OPEN;
  }

  close(): void {
    this.ws.terminate();
  }
}
