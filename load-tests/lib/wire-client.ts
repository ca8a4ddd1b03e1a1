import { WebSocket } from 'ws';
import { socketIoPath, SocketIoSession } from '../k6/socketio.js';

export interface WireClientOptions {
  /** Base URL, e.g. http://127.0.0.1:3000 */
  url: string;
  auth?: Record<string, unknown>;
  onEvent?: (event: string, payload: unknown) => void;
}

/**
 * A socket.io client over `ws` with no socket.io-client underneath (publishers and chatters;
 * the many subscribers use lib/subscriber.ts).
 */
export class WireClient {
  private constructor(
    private readonly ws: WebSocket,
    private readonly session: SocketIoSession,
  ) {}

  /** Opens the connection and resolves once the server accepted the handshake. */
  static connect(options: WireClientOptions): Promise<WireClient> {
    const ws = new WebSocket(`${options.url.replace(/^http/, 'ws')}${socketIoPath()}`, {
      perMessageDeflate: false,
      skipUTF8Validation: true,
    });
    return new Promise((resolve, reject) => {
      const session = new SocketIoSession(
        { send: (frame) => ws.send(frame) },
        {
          ...(options.auth ? { auth: options.auth } : {}),
          onConnect: () => {
            ws.removeAllListeners('close');
            resolve(new WireClient(ws, session));
          },
          onConnectError: (data) => {
            reject(new Error(`refused: ${JSON.stringify(data)}`));
            ws.terminate();
          },
          ...(options.onEvent ? { onEvent: options.onEvent } : {}),
        },
      );
      ws.on('error', reject);
      ws.once('close', (code) => reject(new Error(`closed during handshake (${code})`)));
      ws.on('message', (data) => session.receive((data as Buffer).toString()));
    });
  }

  /** Emits an event and resolves with its ack. */
  request(event: string, payload: unknown): Promise<unknown> {
    return new Promise((resolve) => this.session.emit(event, payload, resolve));
  }

  get open(): boolean {
    return this.ws.readyState === WebSocket.OPEN;
  }

  close(): void {
    this.ws.terminate();
  }
}
