import type { RoomEvent, RoomEventInput } from '../../../client-sdk/src/protocol/index.js';
import {
  DEDUPE_WINDOW_MS,
  type AppendResult,
  type ControlState,
  type HistoryPort,
  type RoomLoad,
  type RoomRecord,
} from '../../../rooms/index.js';
import { guarded, type RedisClient } from './connection.js';
import type { Keys } from './keys.js';

type Entry = [id: string, fields: string[]];

const eventOf = (entry: Entry): RoomEvent => JSON.parse(entry[1][1] ?? 'null') as RoomEvent;

/**
 * Rooms in Redis: a hash per room (epoch, seq, control state and its version) and a Stream as its
 * log, trimmed to `maxLength` entries, with the seq as the entry id. Appends publish the event on
 * the room's sharded channel inside the same script.
 */
export class RedisHistory implements HistoryPort {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
    private readonly maxLength: number,
    private readonly now: () => number,
  ) {}

  async create(
    roomId: string,
    record: RoomRecord,
    first: RoomEventInput,
    replaceEndedOf: string | null = null,
  ): Promise<{ created: boolean }> {
    const created = await guarded(() =>
      this.redis.roomCreate(
        ...this.roomKeys(roomId),
        this.keys.channel(roomId),
        record.epoch,
        JSON.stringify(record.control),
        record.version,
        record.control.stream.state === 'ended' ? 1 : 0,
        JSON.stringify(first),
        this.now(),
        this.maxLength,
        replaceEndedOf ?? '',
      ),
    );
    return { created: created === 1 };
  }

  async load(roomId: string, tail: number): Promise<RoomLoad | undefined> {
    const reply = (await guarded(() => this.redis.roomLoad(...this.roomKeys(roomId), tail))) as
      [string, string, string, string, Entry[]] | null;
    if (!reply) return undefined;
    const [epoch, control, version, seq, newest] = reply;
    return {
      record: { epoch, control: JSON.parse(control) as ControlState, version: Number(version) },
      seq: Number(seq),
      tail: newest.reverse().map(eventOf),
    };
  }

  async append(
    roomId: string,
    epoch: string,
    event: RoomEventInput,
    dedupeKey?: string,
  ): Promise<AppendResult> {
    const reply = (await guarded(() =>
      this.redis.roomAppend(
        ...this.roomKeys(roomId),
        this.keys.channel(roomId),
        this.keys.sent(roomId, dedupeKey ?? ''),
        epoch,
        JSON.stringify(event),
        this.now(),
        this.maxLength,
        dedupeKey === undefined ? 0 : 1,
        DEDUPE_WINDOW_MS,
      ),
    )) as [number, string?];
    return result(reply);
  }

  async appendControl(
    roomId: string,
    epoch: string,
    event: RoomEventInput,
    version: number,
    control: ControlState,
  ): Promise<AppendResult> {
    const reply = (await guarded(() =>
      this.redis.roomAppendControl(
        ...this.roomKeys(roomId),
        this.keys.channel(roomId),
        epoch,
        JSON.stringify(event),
        this.now(),
        this.maxLength,
        version,
        JSON.stringify(control),
        control.stream.state === 'ended' ? 1 : 0,
      ),
    )) as [number, (string | number)?];
    return result(reply);
  }

  async sent(roomId: string, epoch: string, dedupeKey: string): Promise<RoomEvent | undefined> {
    const event = (await guarded(() =>
      this.redis.roomSent(this.keys.meta(roomId), this.keys.sent(roomId, dedupeKey), epoch),
    )) as string | null;
    return event === null ? undefined : (JSON.parse(event) as RoomEvent);
  }

  async since(
    roomId: string,
    afterSeq: number,
    limit: number,
    epoch: string,
  ): Promise<{ complete: boolean; events: RoomEvent[] }> {
    const reply = (await guarded(() =>
      this.redis.roomSince(...this.roomKeys(roomId), afterSeq, limit, epoch),
    )) as [number, Entry[]] | null;
    if (!reply) return { complete: false, events: [] };
    const [lastSeq, entries] = reply;
    if (afterSeq >= lastSeq) return { complete: true, events: [] };
    const events = entries.map(eventOf);
    const complete = events[0]?.seq === afterSeq + 1 && lastSeq - afterSeq <= limit;
    return { complete, events };
  }

  async lastSeq(roomId: string): Promise<number> {
    const seq = await guarded(() => this.redis.hget(this.keys.meta(roomId), 'seq'));
    return Number(seq ?? 0);
  }

  async retire(roomId: string, epoch: string, retainMs: number): Promise<void> {
    await guarded(() =>
      this.redis.roomRetire(...this.roomKeys(roomId), epoch, Math.max(1, Math.round(retainMs))),
    );
  }

  private roomKeys(roomId: string): [string, string] {
    return [this.keys.meta(roomId), this.keys.log(roomId)];
  }
}

function result(reply: [number, (string | number)?]): AppendResult {
  const [status, value] = reply;
  if (status === 1) return { ok: true, event: JSON.parse(String(value)) as RoomEvent };
  if (status === 2) return { ok: false, reason: 'conflict', version: Number(value) };
  return { ok: false, reason: 'gone' };
}
