import type { PresencePort } from '../ports/presence.js';

export interface ViewerCountContext {
  readonly presence: PresencePort;
  readonly intervalMs: number;
  /** Sends a changed count to the room (the feed lane). */
  send(count: number): void;
  /** Asks for the next tick. */
  wake(): void;
  /** True once the room was let go here: nothing more is sent. */
  closed(): boolean;
}

/**
 * A room's viewer count, summed over every node by presence: coalesced (at most once per
 * interval, at a tick) and sent only when it changed.
 */
export class ViewerCount {
  private dirty = false;
  private sentAt = Number.NEGATIVE_INFINITY;
  private sent = -1;

  constructor(
    private readonly roomId: string,
    private readonly ctx: ViewerCountContext,
  ) {}

  /** The count may have changed: send it at a coming tick. */
  mark(): void {
    this.dirty = true;
    this.ctx.wake();
  }

  /** Called at a tick: sends the count when due. True when it needs another tick. */
  tick(now: number): boolean {
    if (!this.dirty) return false;
    if (now - this.sentAt < this.ctx.intervalMs) return true;
    this.dirty = false;
    this.sentAt = now;
    void this.send();
    return false;
  }

  private async send(): Promise<void> {
    try {
      const count = await this.ctx.presence.count(this.roomId);
      if (this.ctx.closed() || count === this.sent) return;
      this.sent = count;
      this.ctx.send(count);
    } catch {
      this.mark();
    }
  }
}
