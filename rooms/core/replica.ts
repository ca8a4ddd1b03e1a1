import type { RoomEvent } from '../../client-sdk/src/protocol/index.js';
import { applyEvent, isControl, stateFromLoad, type RoomState } from '../model/room-state.js';
import type { BrokerMessage } from '../ports/broker.js';
import type { HistoryPort, RoomLoad } from '../ports/history.js';

/** What a replica tells its room. */
export interface ReplicaSink {
  /** An event was applied, in seq order. */
  applied(event: RoomEvent): void;
  /** The replica cannot follow the log any more (epoch changed, or events were trimmed): reload. */
  stale(): void;
}

interface Waiter {
  done(): boolean;
  resolve(): void;
}

/**
 * This node's copy of a room's state, kept in step with the shared log: broker messages are
 * applied in seq order, a gap is filled from history, and writers can wait until their own
 * event (or a newer control version) has been applied here.
 */
export class RoomReplica {
  state: RoomState | undefined;
  epoch = '';
  /** Control events applied so far (the record's version, once caught up). */
  version = 0;
  private early: BrokerMessage[] = [];
  private readonly ahead = new Map<number, RoomEvent>();
  private waiters: Waiter[] = [];
  private catching: Promise<void> | undefined;

  constructor(
    private readonly roomId: string,
    private readonly history: HistoryPort,
    private readonly sink: ReplicaSink,
    private readonly pageSize: number,
  ) {}

  /** Starts (or restarts) from a consistent read of the room. */
  init(load: RoomLoad): void {
    this.state = stateFromLoad(load);
    this.epoch = load.record.epoch;
    this.version = load.record.version;
    this.ahead.clear();
    const early = this.early;
    this.early = [];
    for (const message of early) this.message(message);
    this.settle();
  }

  message(message: BrokerMessage): void {
    if (message.kind !== 'event') return;
    if (!this.state) {
      this.early.push(message);
      return;
    }
    if (message.epoch !== this.epoch) {
      this.sink.stale();
      return;
    }
    this.offer(message.event);
  }

  /** Fetches whatever this replica missed (after a broker reconnect or a gap). */
  catchUp(): Promise<void> {
    this.catching ??= this.fetchMissed().finally(() => {
      this.catching = undefined;
    });
    return this.catching;
  }

  /** Resolves once the replica has applied `seq`; fetches from history if it waits too long. */
  waitForSeq(seq: number, timeoutMs = 1000): Promise<void> {
    return this.wait(() => (this.state?.seq ?? 0) >= seq, timeoutMs);
  }

  /** Resolves once the replica has applied control version `version`. */
  waitForVersion(version: number, timeoutMs = 1000): Promise<void> {
    return this.wait(() => this.version >= version, timeoutMs);
  }

  private offer(event: RoomEvent): void {
    const state = this.state;
    if (!state || event.seq <= state.seq) return;
    if (event.seq > state.seq + 1) {
      this.ahead.set(event.seq, event);
      void this.catchUp().catch(() => undefined);
      return;
    }
    this.apply(state, event);
    for (let next = this.ahead.get(state.seq + 1); next; next = this.ahead.get(state.seq + 1)) {
      this.ahead.delete(next.seq);
      this.apply(state, next);
    }
    this.settle();
  }

  private apply(state: RoomState, event: RoomEvent): void {
    applyEvent(state, event);
    if (isControl(event)) this.version += 1;
    this.sink.applied(event);
  }

  private async fetchMissed(): Promise<void> {
    for (;;) {
      const state = this.state;
      if (!state) return;
      const epoch = this.epoch;
      const { complete, events } = await this.history.since(
        this.roomId,
        state.seq,
        this.pageSize,
        epoch,
      );
      if (this.epoch !== epoch || this.state !== state) return;
      if (events.length === 0 || (events[0] && events[0].seq > state.seq + 1)) {
        if (!complete) this.sink.stale();
        return;
      }
      for (const event of events) this.offer(event);
      if (complete) return;
    }
  }

  private wait(done: () => boolean, timeoutMs: number): Promise<void> {
    if (done()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      let attempts = 0;
      const waiter: Waiter = {
        done,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      };
      const retry = () => {
        attempts += 1;
        if (attempts > 3) {
          this.waiters = this.waiters.filter((w) => w !== waiter);
          reject(new Error(`room ${this.roomId}: replica did not catch up`));
          return;
        }
        this.catchUp().then(
          () => this.settle(),
          () => undefined,
        );
        timer = setTimeout(retry, timeoutMs);
      };
      let timer = setTimeout(retry, timeoutMs);
      this.waiters.push(waiter);
    });
  }

  private settle(): void {
    if (this.waiters.length === 0) return;
    const waiting: Waiter[] = [];
    for (const waiter of this.waiters) {
      if (waiter.done()) waiter.resolve();
      else waiting.push(waiter);
    }
    this.waiters = waiting;
  }
}
