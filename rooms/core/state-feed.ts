/** What a {@link StateFeed} needs: how to read a state, order two, and send one. */
export interface StateFeedContext<S> {
  /** Reads the state of `id` from the store now (undefined: unknown there). */
  read(id: string): Promise<S | undefined>;
  /** Positive when `a` is newer than `b` (states only move forward). */
  compare(a: S, b: S): number;
  /** Sends a state to the room's members on this node. */
  send(id: string, state: S): void;
  /** Tells the other nodes (they offer it to their own feed). */
  share(state: S): void;
  failed(error: unknown): void;
  now(): number;
  /**
   * While changes come faster than this, the newest state goes out at most this often (the
   * trailing one always goes): a crowd of bids is not a broadcast to the whole room per bid.
   */
  intervalMs: number;
  /** A change that goes out at once whatever the interval (a change of phase). */
  urgent(next: S, last: S): boolean;
}

interface Entry<S> {
  sent: S | undefined;
  sentAt: number;
  /** Newer than `sent`, held for the interval. */
  pending: S | undefined;
  timer: ReturnType<typeof setTimeout> | undefined;
  reading: boolean;
  again: boolean;
  /** A change made here waits for the next read: that read is shared with the other nodes. */
  share: boolean;
}

/**
 * The newest state of each of a room's things (auctions, giveaways) as this node sends it: a
 * change made here reads it (one read at a time per id; changes meanwhile read once more) and
 * shares it with the other nodes; a state from anywhere is taken only if newer than the one held,
 * so states that cross on their way never go back. A change of phase goes out at once; other
 * changes too, unless one went out less than the interval ago: then the newest goes when it ends.
 */
export class StateFeed<S> {
  private readonly entries = new Map<string, Entry<S>>();
  private closed = false;

  constructor(private readonly ctx: StateFeedContext<S>) {}

  /** The newest state of `id` this node has (sent, or about to be), if any. */
  sent(id: string): S | undefined {
    const entry = this.entries.get(id);
    return entry?.pending ?? entry?.sent;
  }

  /** `id` changed here (`local`: the other nodes hear of it too) or may have: read it. */
  changed(id: string, local: boolean): void {
    if (this.closed) return;
    const entry = this.entry(id);
    entry.share ||= local;
    if (entry.reading) entry.again = true;
    else void this.refresh(id, entry);
  }

  /** Reads `id` now and sends it (shared if newer); returns what was read. */
  async publish(id: string): Promise<S | undefined> {
    const state = await this.ctx.read(id);
    if (state && this.offer(id, state)) this.ctx.share(state);
    return state;
  }

  /**
   * Takes `state` if it is newer than what this node has: sent now, or within the interval (the
   * newest then). True if it was newer.
   */
  offer(id: string, state: S): boolean {
    if (this.closed) return false;
    const entry = this.entry(id);
    const newest = entry.pending ?? entry.sent;
    if (newest && this.ctx.compare(state, newest) <= 0) return false;
    const wait = entry.sentAt + this.ctx.intervalMs - this.ctx.now();
    if (!entry.sent || wait <= 0 || this.ctx.urgent(state, entry.sent)) {
      this.sendNow(id, entry, state);
      return true;
    }
    entry.pending = state;
    entry.timer ??= setTimeout(() => {
      entry.timer = undefined;
      if (entry.pending && !this.closed) this.sendNow(id, entry, entry.pending);
    }, wait);
    return true;
  }

  close(): void {
    this.closed = true;
    for (const entry of this.entries.values()) clearTimeout(entry.timer);
    this.entries.clear();
  }

  private sendNow(id: string, entry: Entry<S>, state: S): void {
    clearTimeout(entry.timer);
    entry.timer = undefined;
    entry.pending = undefined;
    entry.sent = state;
    entry.sentAt = this.ctx.now();
    this.ctx.send(id, state);
  }

  private entry(id: string): Entry<S> {
    let entry = this.entries.get(id);
    if (!entry) {
      entry = {
        sent: undefined,
        sentAt: 0,
        pending: undefined,
        timer: undefined,
        reading: false,
        again: false,
        share: false,
      };
      this.entries.set(id, entry);
    }
    return entry;
  }

  private async refresh(id: string, entry: Entry<S>): Promise<void> {
    entry.reading = true;
    entry.again = false;
    const local = entry.share;
    entry.share = false;
    try {
      const state = await this.ctx.read(id);
      if (state && this.offer(id, state) && local) this.ctx.share(state);
    } catch (error) {
      this.ctx.failed(error);
    } finally {
      entry.reading = false;
      if (askedAgain(entry) && !this.closed) void this.refresh(id, entry);
    }
  }
}

/** Read after an await: another change may have asked meanwhile. */
const askedAgain = <S>(entry: Entry<S>): boolean => entry.again;
