import type { RoomEvent, RoomEventInput } from '../../../client-sdk/src/protocol/index.js';
import {
  DEDUPE_WINDOW_MS,
  isControl,
  type AppendResult,
  type ControlState,
  type HistoryPort,
  type RoomLoad,
  type RoomRecord,
} from '../../../rooms/index.js';
import type { MemoryBroker } from './broker.js';

interface Log {
  record: RoomRecord;
  ended: boolean;
  /** When an ended room is forgotten. */
  expiresAt: number;
  lastSeq: number;
  /** Retained events, oldest first; `events[i].seq === first + i`. */
  events: RoomEvent[];
  /** Dedupe keys of recent appends, oldest first. */
  sent: Map<string, { event: RoomEvent; at: number }>;
}

const MAX_DEDUPE_KEYS = 10_000;

/** In-process rooms and logs: a bounded array per room; appends publish on the broker at once. */
export class MemoryHistory implements HistoryPort {
  private readonly logs = new Map<string, Log>();

  constructor(
    private readonly maxLength: number,
    private readonly broker: MemoryBroker,
    private readonly now: () => number = Date.now,
  ) {}

  create(
    roomId: string,
    record: RoomRecord,
    first: RoomEventInput,
    replaceEndedOf: string | null = null,
  ): Promise<{ created: boolean }> {
    const existing = this.log(roomId);
    if (existing && !existing.ended) return Promise.resolve({ created: false });
    const owner = existing?.record.control.stream.hostId;
    if (existing && replaceEndedOf !== null && owner !== replaceEndedOf)
      return Promise.resolve({ created: false });
    const log: Log = {
      record: structuredClone(record),
      ended: record.control.stream.state === 'ended',
      expiresAt: Number.POSITIVE_INFINITY,
      lastSeq: 0,
      events: [],
      sent: new Map(),
    };
    this.logs.set(roomId, log);
    this.push(roomId, log, first);
    return Promise.resolve({ created: true });
  }

  load(roomId: string, tail: number): Promise<RoomLoad | undefined> {
    const log = this.log(roomId);
    if (!log) return Promise.resolve(undefined);
    return Promise.resolve(
      structuredClone({
        record: log.record,
        seq: log.lastSeq,
        tail: this.retained(log).slice(-tail),
      }),
    );
  }

  append(
    roomId: string,
    epoch: string,
    input: RoomEventInput,
    dedupeKey?: string,
  ): Promise<AppendResult> {
    const log = this.log(roomId);
    if (log?.record.epoch !== epoch) return Promise.resolve({ ok: false, reason: 'gone' });
    if (dedupeKey === undefined)
      return Promise.resolve({ ok: true, event: this.push(roomId, log, input) });
    const now = this.now();
    for (const [key, { at }] of log.sent) {
      if (now - at < DEDUPE_WINDOW_MS && log.sent.size <= MAX_DEDUPE_KEYS) break;
      log.sent.delete(key);
    }
    const prior = log.sent.get(dedupeKey);
    if (prior) return Promise.resolve({ ok: true, event: structuredClone(prior.event) });
    const event = this.push(roomId, log, input);
    log.sent.set(dedupeKey, { event, at: now });
    return Promise.resolve({ ok: true, event });
  }

  appendControl(
    roomId: string,
    epoch: string,
    input: RoomEventInput,
    version: number,
    control: ControlState,
  ): Promise<AppendResult> {
    const log = this.log(roomId);
    if (log?.record.epoch !== epoch) return Promise.resolve({ ok: false, reason: 'gone' });
    if (log.record.version !== version)
      return Promise.resolve({ ok: false, reason: 'conflict', version: log.record.version });
    log.record = { epoch, control: structuredClone(control), version: version + 1 };
    log.ended = control.stream.state === 'ended';
    return Promise.resolve({ ok: true, event: this.push(roomId, log, input) });
  }

  sent(roomId: string, epoch: string, dedupeKey: string): Promise<RoomEvent | undefined> {
    const log = this.log(roomId);
    if (log?.record.epoch !== epoch) return Promise.resolve(undefined);
    const prior = log.sent.get(dedupeKey);
    const fresh = prior && this.now() - prior.at < DEDUPE_WINDOW_MS;
    return Promise.resolve(fresh ? structuredClone(prior.event) : undefined);
  }

  since(
    roomId: string,
    afterSeq: number,
    limit: number,
    epoch: string,
  ): Promise<{ complete: boolean; events: RoomEvent[] }> {
    const log = this.log(roomId);
    if (log?.record.epoch !== epoch) return Promise.resolve({ complete: false, events: [] });
    if (afterSeq >= log.lastSeq) return Promise.resolve({ complete: true, events: [] });
    const retained = this.retained(log);
    const first = retained[0]?.seq ?? log.lastSeq + 1;
    const start = Math.max(0, afterSeq + 1 - first);
    const missing = log.lastSeq - afterSeq;
    const events = retained.slice(start, start + limit);
    return Promise.resolve({ complete: afterSeq + 1 >= first && missing <= limit, events });
  }

  lastSeq(roomId: string): Promise<number> {
    return Promise.resolve(this.log(roomId)?.lastSeq ?? 0);
  }

  retire(roomId: string, epoch: string, retainMs: number): Promise<void> {
    const log = this.log(roomId);
    if (log?.record.epoch === epoch) log.expiresAt = Math.min(log.expiresAt, this.now() + retainMs);
    return Promise.resolve();
  }

  /** Rooms held, ended ones included (for tests). */
  get size(): number {
    return this.logs.size;
  }

  private log(roomId: string): Log | undefined {
    const log = this.logs.get(roomId);
    if (log && log.expiresAt <= this.now()) {
      this.logs.delete(roomId);
      return undefined;
    }
    return log;
  }

  private retained(log: Log): RoomEvent[] {
    return log.events.slice(-this.maxLength);
  }

  private push(roomId: string, log: Log, input: RoomEventInput): RoomEvent {
    log.lastSeq += 1;
    const event: RoomEvent = { ...input, seq: log.lastSeq, ts: this.now() };
    log.events.push(event);
    if (log.events.length >= this.maxLength * 2)
      log.events.splice(0, log.events.length - this.maxLength);
    if (isControl(event)) log.ended = log.record.control.stream.state === 'ended';
    this.broker.deliver(roomId, {
      kind: 'event',
      epoch: log.record.epoch,
      event: structuredClone(event),
    });
    return event;
  }
}
