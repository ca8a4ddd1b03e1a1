import type { StreamRoom } from '../rooms/index.js';

/**
 * One loop for the process that visits only rooms with pending output. With nothing pending no
 * timer is armed, so idle rooms cost nothing. It runs at most once per tick: output that arrives
 * after a quiet spell goes out at once (no waiting for a tick that nothing else needs), while a
 * busy room's output is gathered into one batch per tick.
 */
export class TickLoop {
  private due = new Set<StreamRoom>();
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private lastRun = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly tickMs: number,
    private readonly onError: (room: StreamRoom, error: unknown) => void,
    private readonly now: () => number = Date.now,
  ) {}

  /** Schedules the room for the next tick. */
  wake(room: StreamRoom): void {
    if (this.stopped) return;
    this.due.add(room);
    this.timer ??= setTimeout(
      () => this.run(),
      Math.max(0, this.lastRun + this.tickMs - this.now()),
    );
  }

  /** Runs a tick now (used when draining, so pending chat goes out before sockets close). */
  flush(): void {
    this.run();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.due.clear();
  }

  /** Rooms waiting for a tick (for tests and metrics). */
  get pending(): number {
    return this.due.size;
  }

  private run(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const rooms = this.due;
    this.due = new Set();
    const now = this.now();
    this.lastRun = now;
    for (const room of rooms) {
      try {
        if (room.tick(now)) this.due.add(room);
      } catch (error) {
        this.onError(room, error);
      }
    }
    if (this.due.size > 0 && !this.stopped) this.timer = setTimeout(() => this.run(), this.tickMs);
  }
}
