import type { DropStock } from '../../client-sdk/src/protocol/index.js';
import type { BrokerPort } from '../ports/broker.js';
import type { DropDefinition, InventoryPort } from '../ports/inventory.js';
import { stockNews } from './decisions.js';

/** How often a selling drop's stock goes out at most (state changes go at once). */
export const STOCK_INTERVAL_MS = 100;

interface Tracked {
  /** The definition, once read (a drop created on another node is known by id first). */
  drop: DropDefinition | undefined;
  sent: DropStock | undefined;
  sentAt: number;
  reading: boolean;
  /** Asked for again while a read was in flight. */
  again: boolean;
  timer: ReturnType<typeof setTimeout> | undefined;
}

export interface DropFeedContext {
  readonly inventory: InventoryPort;
  readonly broker: BrokerPort;
  now(): number;
  /** Sends a drop's stock to the room (control lane). */
  send(stock: DropStock): void;
  /** A read or publish failed: logged, the next change retries. */
  failed(error: unknown): void;
  /** A lottery closed and is not drawn yet: draw it. */
  undrawn(dropId: string): void;
}

/**
 * The stock of one room's drops as this node sends it: at once on a change of state, else at
 * most every {@link STOCK_INTERVAL_MS}. A change on any node reaches the others through the room's
 * channel, and the clock's changes (starts, ends, expiries) are found by {@link DropFeed.sweep}.
 */
export class DropFeed {
  private readonly tracked = new Map<string, Tracked>();
  private closed = false;

  constructor(
    private readonly roomId: string,
    private readonly ctx: DropFeedContext,
  ) {}

  /** The definition of a drop this node knows (no await: claims are the hot path). */
  known(dropId: string): DropDefinition | undefined {
    return this.tracked.get(dropId)?.drop;
  }

  /** Follows a drop of the room. */
  track(dropId: string, drop?: DropDefinition): void {
    this.entry(dropId, drop);
  }

  /**
   * What the room was last sent of each drop (read for a drop not sent yet): what a client that
   * resumes missed, without a read per drop per client in a reconnect storm.
   */
  async latest(): Promise<DropStock[]> {
    const now = this.ctx.now();
    const stocks = await Promise.all(
      [...this.tracked].map(([id, t]) =>
        t.sent ? Promise.resolve(t.sent) : this.ctx.inventory.stock(id, now),
      ),
    );
    return stocks.filter((s): s is DropStock => s !== undefined);
  }

  /** Current stock of every drop of the room (for snapshots). */
  async current(): Promise<DropStock[]> {
    const now = this.ctx.now();
    const stocks = await Promise.all(
      [...this.tracked.keys()].map((id) => this.ctx.inventory.stock(id, now)),
    );
    return stocks.filter((s): s is DropStock => s !== undefined);
  }

  /**
   * A drop changed: on this node (`local`: tell the other nodes too) or another. Also called
   * for every unfinished drop now and then, since starts, ends and expiries happen by the clock.
   */
  changed(dropId: string, local: boolean): void {
    if (this.closed) return;
    const tracked = this.entry(dropId);
    if (local)
      this.ctx.broker
        .publish(this.roomId, { kind: 'drop', dropId })
        .catch((error: unknown) => this.ctx.failed(error));
    if (tracked.reading) tracked.again = true;
    else if (!tracked.timer) void this.refresh(dropId, tracked);
  }

  /**
   * Re-reads every drop that has not ended (its state may have changed with the clock), and every
   * ended lottery not drawn yet (a failed draw is tried again).
   */
  sweep(): void {
    for (const [dropId, tracked] of this.tracked) {
      const { sent } = tracked;
      if (sent?.state !== 'ended' || (sent.lottery && !sent.lottery.drawn))
        this.changed(dropId, false);
    }
  }

  close(): void {
    this.closed = true;
    for (const tracked of this.tracked.values()) clearTimeout(tracked.timer);
    this.tracked.clear();
  }

  private entry(dropId: string, drop?: DropDefinition): Tracked {
    let tracked = this.tracked.get(dropId);
    if (!tracked) {
      tracked = {
        drop,
        sent: undefined,
        sentAt: 0,
        reading: false,
        again: false,
        timer: undefined,
      };
      this.tracked.set(dropId, tracked);
    }
    tracked.drop ??= drop;
    return tracked;
  }

  private async refresh(dropId: string, tracked: Tracked): Promise<void> {
    tracked.reading = true;
    tracked.again = false;
    try {
      const stock = await this.ctx.inventory.stock(dropId, this.ctx.now());
      if (!stock || this.closed) return;
      if (stock.state === 'ended' && stock.lottery && !stock.lottery.drawn)
        this.ctx.undrawn(dropId);
      const news = stockNews(
        tracked.sent,
        stock,
        tracked.sentAt,
        this.ctx.now(),
        STOCK_INTERVAL_MS,
      );
      if (news.send === 'no') return;
      if (news.send === 'later') {
        // same state, new figures: coalesce until the interval allows
        tracked.timer = setTimeout(() => {
          tracked.timer = undefined;
          void this.refresh(dropId, tracked);
        }, news.wait);
        return;
      }
      tracked.sent = stock;
      tracked.sentAt = this.ctx.now();
      this.ctx.send(stock);
    } catch (error) {
      this.ctx.failed(error);
    } finally {
      tracked.reading = false;
      if (askedAgain(tracked) && !tracked.timer && !this.closed) void this.refresh(dropId, tracked);
    }
  }
}

/** Read after an await: another change may have asked meanwhile. */
const askedAgain = (tracked: Tracked): boolean => tracked.again;
