import { WebSocket } from 'ws';

/** What one frame sends: text frames (possibly invalid UTF-8, as bytes), binary frames. */
export type Part = { text: string } | { textBytes: Buffer } | { binary: Buffer };

/** How a frame was answered. */
export type Outcome =
  /** its ack came, or (for a frame without one) the server answered with an error */
  | 'answered'
  /** the server closed the connection (with the code it sent, 1006 when it cut it) */
  | 'closed'
  /** nothing was due and nothing came; the connection stays usable (a pong, a stray ack) */
  | 'ignored'
  /** no ack, no close, within the deadline: what must never happen */
  | 'unanswered';

export interface FrameResult {
  outcome: Outcome;
  closeCode?: number;
  /** The error code of the answer, when it was an error. */
  code?: string;
}

const PROBE = 'time:sync';

/**
 * One fuzzing connection speaking socket.io's wire protocol by hand (so it can send anything):
 * it connects with a token, then sends frames one at a time and waits for each one's outcome.
 * A frame with an ack id waits for that ack; one without is followed by a probe (`time:sync`
 * with an ack): the probe's answer proves the connection still works, and an error in between
 * was the frame's answer.
 */
export class FuzzConnection {
  private readonly ws: WebSocket;
  private nextAck = 1;
  private readonly acks = new Map<number, (code: string | undefined) => void>();
  private errors = 0;
  private lastErrorCode: string | undefined;
  private closed: number | null = null;
  private readonly closeWaiters = new Set<(code: number) => void>();

  private constructor(ws: WebSocket) {
    this.ws = ws;
  }

  /** Opens a connection and resolves once socket.io accepted it (null when it was refused). */
  static open(url: string, auth: Record<string, unknown>): Promise<FuzzConnection | null> {
    const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/socket.io/?EIO=4&transport=websocket`, {
      perMessageDeflate: false,
      skipUTF8Validation: true,
      maxPayload: 64 << 20,
    });
    const connection = new FuzzConnection(ws);
    return new Promise((resolve) => {
      ws.on('error', () => resolve(null));
      ws.on('close', (code) => {
        connection.closed = code;
        for (const waiter of connection.closeWaiters) waiter(code);
        resolve(null);
      });
      ws.on('message', (data, isBinary) => {
        if (isBinary) return;
        const text = (data as Buffer).toString();
        if (text.startsWith('0{')) ws.send(`40${JSON.stringify(auth)}`);
        else if (text.startsWith('40')) resolve(connection);
        else if (text.startsWith('44')) {
          resolve(null);
          ws.terminate();
        } else connection.receive(text);
      });
    });
  }

  get isOpen(): boolean {
    return this.closed === null && this.ws.readyState === WebSocket.OPEN;
  }

  /** A fresh ack id for a frame to carry. */
  ackId(): number {
    return this.nextAck++;
  }

  /** Sends a frame and waits for its outcome (at most `deadlineMs`). */
  async send(parts: Part[], ackId: number | undefined, deadlineMs: number): Promise<FrameResult> {
    if (!this.isOpen) return { outcome: 'closed', closeCode: this.closed ?? 1006 };
    const errorsBefore = this.errors;
    for (const part of parts) {
      if ('text' in part) this.ws.send(part.text);
      else if ('textBytes' in part) this.ws.send(part.textBytes, { binary: false });
      else this.ws.send(part.binary, { binary: true });
    }
    if (ackId !== undefined) {
      const answer = await this.wait(ackId, deadlineMs);
      if (answer.how !== 'ack') return this.after(answer.how);
      return { outcome: 'answered', ...(answer.code ? { code: answer.code } : {}) };
    }
    const probe = this.ackId();
    this.ws.send(`42${probe}${JSON.stringify([PROBE, {}])}`);
    const answer = await this.wait(probe, deadlineMs);
    if (answer.how !== 'ack') return this.after(answer.how);
    if (this.errors === errorsBefore) return { outcome: 'ignored' };
    return { outcome: 'answered', ...(this.lastErrorCode ? { code: this.lastErrorCode } : {}) };
  }

  close(): void {
    this.ws.terminate();
  }

  private after(answer: 'closed' | 'timeout'): FrameResult {
    return answer === 'closed'
      ? { outcome: 'closed', closeCode: this.closed ?? 1006 }
      : { outcome: 'unanswered' };
  }

  private wait(
    ackId: number,
    deadlineMs: number,
  ): Promise<{ how: 'ack' | 'closed' | 'timeout'; code?: string | undefined }> {
    return new Promise((resolve) => {
      if (this.closed !== null) {
        resolve({ how: 'closed' });
        return;
      }
      const done = (how: 'ack' | 'closed' | 'timeout', code?: string) => {
        clearTimeout(timer);
        this.acks.delete(ackId);
        this.closeWaiters.delete(onClose);
        resolve({ how, code });
      };
      const onClose = () => done('closed');
      const timer = setTimeout(() => done('timeout'), deadlineMs);
      this.acks.set(ackId, (code) => done('ack', code));
      this.closeWaiters.add(onClose);
    });
  }

  /** Engine.IO and socket.io packets from the server. */
  private receive(text: string): void {
    if (text === '2') {
      this.ws.send('3'); // the server's heartbeat
      return;
    }
    const ack = /^43(\d+)/.exec(text);
    if (ack?.[1]) {
      this.acks.get(Number(ack[1]))?.(errorCode(text));
      return;
    }
    if (text.startsWith('42["server:error"')) {
      this.errors++;
      this.lastErrorCode = errorCode(text);
    }
  }
}

/** The `code` of the error a packet carries, if any. */
function errorCode(text: string): string | undefined {
  return /"code":"([A-Z_]+)"/.exec(text.slice(0, 300))?.[1];
}
