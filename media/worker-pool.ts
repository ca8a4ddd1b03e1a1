import { access, constants } from 'node:fs/promises';
import * as mediasoup from 'mediasoup';
import type { types } from 'mediasoup';

export interface WorkerPoolOptions {
  /** How many workers (one per core is the usual choice). */
  workers: number;
  logLevel: types.WorkerLogLevel;
}

export interface WorkerPoolEvents {
  /** A worker process died; everything on it is gone. A replacement is being started. */
  died(slot: number, error: Error): void;
  /** A slot has a live worker again. */
  replaced(slot: number, pid: number): void;
  /** A replacement failed to start; it is tried again. */
  failed(slot: number, error: unknown): void;
}

/** The worker binary mediasoup will run (MEDIASOUP_WORKER_BIN, else its own build output). */
export const workerBin = mediasoup.workerBin;

/**
 * mediasoup workers, one per slot. A dead worker is replaced in its slot (retried with backoff
 * until it starts); `worker(slot)` is undefined meanwhile, and placement skips the slot.
 */
export class WorkerPool {
  private readonly slots: (types.Worker | undefined)[];
  private closed = false;
  private readonly retries = new Set<NodeJS.Timeout>();

  private constructor(
    private readonly options: WorkerPoolOptions,
    private readonly events: WorkerPoolEvents,
  ) {
    this.slots = Array.from({ length: options.workers }, () => undefined);
  }

  /** Starts every worker; rejects (closing those started) if the binary is missing or one fails. */
  static async start(options: WorkerPoolOptions, events: WorkerPoolEvents): Promise<WorkerPool> {
    await access(workerBin, constants.X_OK).catch(() => {
      throw new Error(
        `no mediasoup worker at ${workerBin} (run "npm run media:worker", or set MEDIASOUP_WORKER_BIN)`,
      );
    });
    const pool = new WorkerPool(options, events);
    try {
      await Promise.all(pool.slots.map((_, slot) => pool.spawn(slot)));
    } catch (error) {
      pool.close();
      throw error;
    }
    return pool;
  }

  get size(): number {
    return this.slots.length;
  }

  worker(slot: number): types.Worker | undefined {
    return this.slots[slot];
  }

  /** Live workers with their slots. */
  live(): { slot: number; worker: types.Worker }[] {
    return this.slots.flatMap((worker, slot) => (worker ? [{ slot, worker }] : []));
  }

  close(): void {
    this.closed = true;
    for (const timer of this.retries) clearTimeout(timer);
    this.retries.clear();
    for (const worker of this.slots) worker?.close();
    this.slots.fill(undefined);
  }

  private async spawn(slot: number): Promise<void> {
    const worker = await mediasoup.createWorker({
      logLevel: this.options.logLevel,
      appData: { slot },
    });
    if (this.closed) {
      worker.close();
      return;
    }
    this.slots[slot] = worker;
    worker.on('died', (error) => {
      if (this.slots[slot] !== worker) return;
      this.slots[slot] = undefined;
      this.events.died(slot, error);
      this.replace(slot, REPLACE_FIRST_MS);
    });
  }

  private replace(slot: number, delayMs: number): void {
    if (this.closed) return;
    const timer = setTimeout(() => {
      this.retries.delete(timer);
      this.spawn(slot).then(
        () => {
          const worker = this.slots[slot];
          if (worker) this.events.replaced(slot, worker.pid);
        },
        (error: unknown) => {
          this.events.failed(slot, error);
          this.replace(slot, Math.min(delayMs * 2, REPLACE_MAX_MS));
        },
      );
    }, delayMs);
    this.retries.add(timer);
  }
}

const REPLACE_FIRST_MS = 100;
const REPLACE_MAX_MS = 10_000;
