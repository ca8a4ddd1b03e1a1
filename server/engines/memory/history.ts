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

/** A room as a durable store keeps it (everything but its events). */
export interface StoredRoom {
  record: RoomRecord;
  ended: boolean;
  /** When an ended room is forgotten; null: not set. */
  expiresAt: number | null;
  lastSeq: number;
}

/**
 * Where a durable embedded engine keeps rooms: told of every change as it happens, in order (it
 * writes them in the background: a crash loses at most the newest, and clients resuming past
 * what was kept are told `recovered: false`).
 */
export interface HistoryStore {
  room(roomId: string, room: StoredRoom): void;
  event(roomId: string, event: RoomEvent, dedupe?: { key: string; at: number }): void;
  /** Events before `seq` are no longer kept. */
  trimmed(roomId: string, seq: number): void;
  removed(roomId: string): void;
}

/** A room read back from a store. */
export interface RestoredRoom extends StoredRoom {
  roomId: string;
  events: RoomEvent[];
  sent: { key: string; at: number; event: RoomEvent }[];
}

/** In-process rooms and logs: a bounded array per room; appends publish on the broker at once. */
export class MemoryHistory implements HistoryPort {
  private readonly logs = new Map<string, Log>();

  constructor(
    private readonly maxLength: number,
    private readonly broker: MemoryBroker,
    private readonly now: () => number = Date.now,
    private readonly store?: HistoryStore,
  ) {}

  /** Puts back rooms a store kept (before the engine is used). */
  restore(rooms: readonly RestoredRoom[]): void {
    for (const r of rooms) {
      this.logs.set(r.roomId, {
        record: r.record,
        ended: r.ended,
        expiresAt: r.expiresAt ?? Number.POSITIVE_INFINITY,
        lastSeq: r.lastSeq,
        events: r.events.slice(-this.maxLength),
        sent: new Map(r.sent.map(({ key, at, event }) => [key, { event, at }])),
      });
    }
  }

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
    if (existing) this.store?.removed(roomId);
    this.logs.set(roomId, log);
    this.stored(roomId, log);
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
    const event = this.push(roomId, log, input, { key: dedupeKey, at: now });
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
    const event = this.push(roomId, log, input);
    this.stored(roomId, log);
    return Promise.resolve({ ok: true, event });
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
    if (log?.record.epoch === epoch) {
      log.expiresAt = Math.min(log.expiresAt, this.now() + retainMs);
      this.stored(roomId, log);
    }
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
      this.store?.removed(roomId);
      return undefined;
    }
    return log;
  }

  private retained(log: Log): RoomEvent[] {
    return log.events.slice(-this.maxLength);
  }

  private stored(roomId: string, log: Log): void {
    this.store?.room(roomId, {
      record: log.record,
      ended: log.ended,
      expiresAt: Number.isFinite(log.expiresAt) ? log.expiresAt : null,
      lastSeq: log.lastSeq,
    });
  }

  private push(
    roomId: string,
    log: Log,
    input: RoomEventInput,
    dedupe?: { key: string; at: number },
  ): RoomEvent {
    log.lastSeq += 1;
    const event: RoomEvent = { ...input, seq: log.lastSeq, ts: this.now() };
    log.events.push(event);
    this.store?.event(roomId, event, dedupe);
    if (log.events.length >= this.maxLength * 2) {
      log.events.splice(0, log.events.length - this.maxLength);
      this.store?.trimmed(roomId, log.events[0]?.seq ?? log.lastSeq);
    }
    if (isControl(event)) log.ended = log.record.control.stream.state === 'ended';
    this.broker.deliver(roomId, {
      kind: 'event',
      epoch: log.record.epoch,
      event: structuredClone(event),
    });
    return event;
  }
}
