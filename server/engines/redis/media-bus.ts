import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { CodedError } from '../../../client-sdk/src/protocol/index.js';
import type { MediaBusPort, MediaOrigin } from '../../../media/bus.js';
import { ShardedChannels } from './channels.js';
import { guarded, type RedisClient } from './connection.js';

type Handler = (body: unknown, from: string) => Promise<unknown>;
type Envelope =
  | { kind: 'req'; id: string; from: string; body: unknown }
  | { kind: 'res'; id: string; ok: true; body: unknown }
  | { kind: 'res'; id: string; ok: false; error: string };
type Announcement = { origin: MediaOrigin | null };

/** Deletes the origin key only if it still holds the given epoch. */
const WITHDRAW = `
local held = redis.call('GET', KEYS[1])
if held and cjson.decode(held).epoch == ARGV[1] then
  redis.call('DEL', KEYS[1])
  return 1
end
return 0`;

/**
 * The media bus on Redis: a room's origin is a key with a TTL (hash-tagged with the room, like
 * its other keys) and announcements go over the room's sharded media channel; requests between
 * nodes travel on each node's own channel, answered on the sender's.
 */
export class RedisMediaBus implements MediaBusPort {
  private readonly rooms: ShardedChannels<(origin: MediaOrigin | null) => void>;
  private readonly pending = new Map<
    string,
    { resolve(body: unknown): void; reject(error: Error): void; timer: NodeJS.Timeout }
  >();
  private handler: Handler | undefined;
  private serving: Promise<unknown> | undefined;
  private readonly onMessage = (channel: string, payload: string) => this.deliver(channel, payload);

  constructor(
    readonly nodeId: string,
    private readonly commands: RedisClient,
    private readonly subscriber: RedisClient,
    private readonly prefix: string,
    private readonly logger: Logger,
  ) {
    this.rooms = new ShardedChannels(subscriber);
    subscriber.on('smessage', this.onMessage);
  }

  async announce(roomId: string, origin: MediaOrigin, ttlMs: number): Promise<void> {
    const body = JSON.stringify(origin);
    await guarded(() => this.commands.set(this.originKey(roomId), body, 'PX', ttlMs));
    await this.tell(roomId, { origin });
  }

  async withdraw(roomId: string, epoch: string): Promise<void> {
    const removed = await guarded(() =>
      this.commands.eval(WITHDRAW, 1, this.originKey(roomId), epoch),
    );
    if (removed === 1) await this.tell(roomId, { origin: null });
  }

  async origin(roomId: string): Promise<MediaOrigin | null> {
    const held = await guarded(() => this.commands.get(this.originKey(roomId)));
    return held ? (JSON.parse(held) as MediaOrigin) : null;
  }

  listen(roomId: string, listener: (origin: MediaOrigin | null) => void): Promise<() => void> {
    return this.rooms.add(this.roomChannel(roomId), listener);
  }

  async request(node: string, body: unknown, timeoutMs: number): Promise<unknown> {
    await this.serveChannel();
    const id = randomUUID();
    const answer = new Promise<unknown>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(
          new CodedError('MEDIA_UNAVAILABLE', `Node ${node} did not answer within ${timeoutMs} ms`),
        );
      }, timeoutMs);
      this.pending.set(id, { resolve, reject, timer });
    });
    // it may settle (the bus closing) before the caller awaits it, below
    answer.catch(() => undefined);
    const envelope: Envelope = { kind: 'req', id, from: this.nodeId, body };
    await guarded(() =>
      this.commands.spublish(this.nodeChannel(node), JSON.stringify(envelope)),
    ).catch((error: unknown) => {
      const waiting = this.pending.get(id);
      this.pending.delete(id);
      clearTimeout(waiting?.timer);
      throw error;
    });
    return answer;
  }

  async serve(handler: Handler): Promise<void> {
    this.handler = handler;
    await this.serveChannel();
  }

  close(): void {
    this.subscriber.off('smessage', this.onMessage);
    for (const waiting of this.pending.values()) {
      clearTimeout(waiting.timer);
      waiting.reject(new CodedError('MEDIA_UNAVAILABLE', 'The media bus closed'));
    }
    this.pending.clear();
    this.rooms.clear();
    this.handler = undefined;
  }

  private originKey(roomId: string): string {
    return `${this.prefix}{${roomId}}:media-origin`;
  }

  private roomChannel(roomId: string): string {
    return `${this.prefix}{${roomId}}:media`;
  }

  private nodeChannel(node: string): string {
    return `${this.prefix}media-node:{${node}}`;
  }

  /** Subscribes to this node's channel once (answers to its requests arrive there too). */
  private serveChannel(): Promise<unknown> {
    this.serving ??= guarded(() => this.subscriber.ssubscribe(this.nodeChannel(this.nodeId))).catch(
      (error: unknown) => {
        this.serving = undefined;
        throw error;
      },
    );
    return this.serving;
  }

  private async tell(roomId: string, announcement: Announcement): Promise<void> {
    await guarded(() =>
      this.commands.spublish(this.roomChannel(roomId), JSON.stringify(announcement)),
    );
  }

  private deliver(channel: string, payload: string): void {
    const listeners = this.rooms.of(channel);
    try {
      if (listeners) {
        const { origin } = JSON.parse(payload) as Announcement;
        for (const listener of [...listeners]) listener(origin);
      } else if (channel === this.nodeChannel(this.nodeId)) {
        this.answer(JSON.parse(payload) as Envelope);
      }
    } catch (err) {
      this.logger.error({ err, channel }, 'media bus: unreadable message');
    }
  }

  private answer(envelope: Envelope): void {
    if (envelope.kind === 'res') {
      const waiting = this.pending.get(envelope.id);
      if (!waiting) return;
      this.pending.delete(envelope.id);
      clearTimeout(waiting.timer);
      if (envelope.ok) waiting.resolve(envelope.body);
      else
        waiting.reject(
          new CodedError(
            'MEDIA_UNAVAILABLE',
            `Another node refused a media request: ${envelope.error}`,
          ),
        );
      return;
    }
    const { id, from, body } = envelope;
    const reply = (answer: Envelope) =>
      guarded(() => this.commands.spublish(this.nodeChannel(from), JSON.stringify(answer))).catch(
        (err: unknown) => this.logger.warn({ err, to: from }, 'media bus: answer not sent'),
      );
    const handler = this.handler;
    if (!handler) {
      void reply({ kind: 'res', id, ok: false, error: `node ${this.nodeId} serves no media` });
      return;
    }
    handler(body, from).then(
      (answer) => reply({ kind: 'res', id, ok: true, body: answer }),
      (error: unknown) =>
        reply({
          kind: 'res',
          id,
          ok: false,
          error: error instanceof Error ? error.message : String(error),
        }),
    );
  }
}
