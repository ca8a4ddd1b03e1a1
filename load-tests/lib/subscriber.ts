import { MiniWebSocket } from './mini-ws.js';
import { connectFrame, eventFrame, parseFrame, PONG, socketIoPath } from '../k6/socketio.js';

/** How a load client talks to a server: socket.io's wire protocol, or the raw uWS baseline's JSON. */
export type Protocol = 'socketio' | 'raw';

export interface SubscriberOptions {
  protocol: Protocol;
  url: string;
  /** The room to join; null only connects (idle density). */
  roomId: string | null;
  localAddress?: string | undefined;
  /** Resume from the last seq seen after a reconnect (our server); baselines just join again. */
  resume: boolean;
  /**
   * Where latency starts: the server's timestamp on the message (`server`), or the sender's clock
   * in the text (`sender`: texts like `t1795689395198`), which also counts time a busy server
   * left the message waiting in its inbound queue.
   */
  latencyFrom?: 'server' | 'sender';
  /** Handshake auth (a signed-in viewer's `{ token }`); none: anonymous. */
  auth?: Record<string, unknown> | undefined;
}

let port = 20_000 + Math.floor(Math.random() * 40_000);
/** Source ports for bound connections, rotating through 20000-60999 so reconnects get fresh ones. */
const nextPort = () => (port = port >= 60_999 ? 20_000 : port + 1);

/** What every subscriber of a worker shares: counters and the latency histogram. */
export interface Tally {
  delivered: number;
  lost: number;
  record(latencyMs: number): void;
}

const CHAT_FRAMES = ['42["chat:batch"', '42["chat:message"', '{"seq":'];
const TS = '"ts":';
const SENT = '"text":"t';
const SEQ = '"seq":';

function numbersAfter(frame: string, key: string): number[] {
  const found: number[] = [];
  for (let at = frame.indexOf(key); at >= 0; at = frame.indexOf(key, at + key.length)) {
    const n = Number.parseInt(frame.slice(at + key.length, at + key.length + 16), 10);
    if (!Number.isNaN(n)) found.push(n);
  }
  return found;
}

/**
 * One lightweight subscriber: joins a room, counts the chat messages it gets and their latency
 * (from the server timestamp in each, read without parsing the JSON), and keeps track of the
 * seqs it saw so a reconnect storm can count what was lost.
 */
export class Subscriber {
  private ws: MiniWebSocket | undefined;
  /** Highest seq such that every seq up to it was seen (or counted lost); -1 before the first. */
  private upTo = -1;
  private epoch = '';
  private resuming: number[] | null = null;
  private ackId = 0;
  /** Chat messages counted since the last {@link resetSeen}. */
  seen = 0;

  constructor(
    private readonly options: SubscriberOptions,
    private readonly tally: Tally,
  ) {}

  get open(): boolean {
    return this.ws?.open ?? false;
  }

  get lastSeq(): number {
    return this.upTo;
  }

  /** Connects and joins (resuming when it saw messages before); resolves once joined. */
  connect(): Promise<void> {
    const { protocol, url, localAddress, roomId } = this.options;
    const { hostname, port } = new URL(url);
    return new Promise((resolve, reject) => {
      let settled = false;
      const joined = () => {
        settled = true;
        resolve();
      };
      const refused = (error: Error) => {
        settled = true;
        reject(error);
        this.ws?.terminate();
      };
      this.ws = new MiniWebSocket({
        host: hostname,
        port: Number(port),
        path: protocol === 'raw' ? '/raw' : socketIoPath(),
        localAddress,
        localPort: localAddress ? nextPort() : undefined,
        onOpen: () => {
          if (protocol !== 'raw') return;
          if (roomId === null) joined();
          else this.ws?.send(JSON.stringify({ join: roomId }));
        },
        onMessage: (frame) => this.onFrame(frame, joined, refused),
        onClose: () => {
          if (!settled) refused(new Error('closed before joining'));
        },
      });
    });
  }

  /** Starts counting {@link seen} again (the measured window begins). */
  resetSeen(): void {
    this.seen = 0;
  }

  /** Drops the connection at once, as a network failure would. */
  drop(): void {
    this.ws?.terminate();
    this.ws = undefined;
  }

  /** Counts as lost every seq up to `finalSeq` never seen. */
  settle(finalSeq: number): void {
    if (this.upTo >= 0 && finalSeq > this.upTo) {
      this.tally.lost += finalSeq - this.upTo;
      this.upTo = finalSeq;
    }
  }

  private onFrame(frame: string, joined: () => void, refused: (e: Error) => void): void {
    if (CHAT_FRAMES.some((prefix) => frame.startsWith(prefix))) {
      this.onChat(frame);
      return;
    }
    if (this.options.protocol === 'raw') {
      if (frame.startsWith('{"joined"')) joined();
      return;
    }
    const parsed = parseFrame(frame);
    const ws = this.ws;
    if (!ws) return;
    if (parsed.kind === 'ping') ws.send(PONG);
    else if (parsed.kind === 'open') ws.send(connectFrame(this.options.auth));
    else if (parsed.kind === 'connected') {
      if (this.options.roomId === null) joined();
      else this.join();
    } else if (parsed.kind === 'connect_error') {
      // a coded refusal says when to come back (the admission gate: OVERLOADED, RATE_LIMITED)
      const { data } = parsed.data as { data?: { retryAfterMs?: unknown } };
      const wait = data?.retryAfterMs;
      refused(
        Object.assign(new Error(`refused: ${JSON.stringify(parsed.data)}`), {
          ...(typeof wait === 'number' ? { retryAfterMs: wait } : {}),
        }),
      );
    } else if (parsed.kind === 'ack') this.onJoined(parsed.payload, joined, refused);
  }

  private join(): void {
    const resume =
      this.options.resume && this.upTo >= 0
        ? { resume: { epoch: this.epoch, lastSeq: this.upTo } }
        : {};
    if (resume.resume) this.resuming = [];
    this.ws?.send(
      eventFrame('room:join', { roomId: this.options.roomId, ...resume }, this.ackId++),
    );
  }

  private onJoined(payload: unknown, joined: () => void, refused: (e: Error) => void): void {
    const ack = payload as {
      ok: boolean;
      recovered?: boolean;
      missed?: { type: string; seq: number }[];
      snapshot?: { epoch: string; seq: number };
      error?: unknown;
    };
    if (!ack.ok) {
      // a server shedding joins says when to come back (OVERLOADED with retryAfterMs)
      const wait = (ack.error as { retryAfterMs?: unknown } | undefined)?.retryAfterMs;
      refused(
        Object.assign(new Error(`join refused: ${JSON.stringify(ack.error)}`), {
          ...(typeof wait === 'number' ? { retryAfterMs: wait } : {}),
        }),
      );
      return;
    }
    if (ack.snapshot) this.epoch = ack.snapshot.epoch;
    const buffered = this.resuming ?? [];
    this.resuming = null;
    if (ack.recovered)
      for (const e of ack.missed ?? []) if (e.type === 'chat:message') this.note(e.seq);
    for (const seq of buffered) this.note(seq);
    joined();
  }

  private onChat(frame: string): void {
    const now = Date.now();
    const from = this.options.latencyFrom === 'sender' ? SENT : TS;
    for (const ts of numbersAfter(frame, from)) this.tally.record(Math.max(1, now - ts));
    const seqs = numbersAfter(frame, SEQ);
    if (this.resuming) this.resuming.push(...seqs);
    else for (const seq of seqs) this.note(seq);
  }

  private note(seq: number): void {
    if (this.upTo < 0) this.upTo = seq - 1;
    if (seq <= this.upTo) return;
    this.tally.delivered++;
    this.seen++;
    if (seq > this.upTo + 1) this.tally.lost += seq - this.upTo - 1;
    this.upTo = seq;
  }
}
