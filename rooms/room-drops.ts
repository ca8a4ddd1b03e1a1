import {
  drawLottery,
  lotteryTicket,
  type CancelResult,
  type CheckoutResult,
  type ClaimResult,
  type DropStock,
  type LotteryDraw,
} from '../client-sdk/src/protocol/index.js';
import { CodedError } from '../client-sdk/src/protocol/index.js';
import type { DropDefinition, InventoryPort } from './inventory.js';
import type { BrokerPort, RateRule } from './ports.js';

/** Times a lottery's draw is computed again when entries keep arriving during it. */
const DRAW_ATTEMPTS = 5;

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

export interface RoomDropsContext {
  readonly inventory: InventoryPort;
  readonly broker: BrokerPort;
  now(): number;
  /** Sends a drop's stock to the room (control lane). */
  send(stock: DropStock): void;
  /** A read or publish failed: logged, the next change retries. */
  failed(error: unknown): void;
  /** An order was written to the drop's log here (the merchant relay sends it at once). */
  logged?(dropId: string): void;
  /** SHA-256, hex (lottery tickets and draws). */
  sha256(text: string): string;
}

/**
 * The drops of one room on this node: claims and checkouts go to the inventory (shared by every
 * node), and stock goes out to the room at once on a change of state, else at most every
 * {@link STOCK_INTERVAL_MS}. A change on any node reaches the others through the room's channel.
 */
export class RoomDrops {
  private readonly tracked = new Map<string, Tracked>();
  private readonly drawing = new Map<string, Promise<void>>();
  /** Drawn lotteries as audited (final once drawn), so a crowd of entrants costs one read. */
  private readonly draws = new Map<string, DrawView>();
  private closed = false;

  constructor(
    private readonly roomId: string,
    private readonly ctx: RoomDropsContext,
  ) {}

  /** Follows the drops the room already has (when this node loads the room). */
  async load(): Promise<void> {
    for (const drop of await this.ctx.inventory.dropsOf(this.roomId)) this.track(drop.id, drop);
  }

  async create(drop: DropDefinition): Promise<{ created: boolean; stock: DropStock }> {
    const { created } = await this.ctx.inventory.createDrop(drop, this.ctx.now());
    if (created) this.track(drop.id, drop);
    else await this.assertOurs(drop.id, 'BAD_REQUEST');
    const stock = await this.ctx.inventory.stock(drop.id, this.ctx.now());
    if (!stock) throw new Error(`drop ${drop.id} missing right after it was created`);
    this.changed(drop.id, true);
    return { created, stock };
  }

  /**
   * Claims a unit for a buyer who arrived in the room at `arrivedAt`: a drop with a minimum
   * presence refuses a buyer who has not been here long enough (not stored: the same tap counts
   * once the time has come).
   */
  async claim(
    dropId: string,
    buyerId: string,
    key: string,
    arrivedAt: number | undefined,
    rate: RateRule,
  ): Promise<ClaimResult> {
    // a known drop without an await: claims are the hot path
    const drop = this.tracked.get(dropId)?.drop ?? (await this.assertOurs(dropId));
    if (drop.minPresenceMs > 0) {
      const eligibleAt = (arrivedAt ?? this.ctx.now()) + drop.minPresenceMs;
      if (eligibleAt > this.ctx.now()) {
        const earlier = await this.ctx.inventory.claimed(dropId, buyerId, key);
        return earlier ?? { outcome: 'not_eligible', eligibleAt };
      }
    }
    const ticket =
      drop.mode === 'lottery'
        ? await lotteryTicket(dropId, buyerId, (text: string) => this.ctx.sha256(text))
        : undefined;
    const result = await this.ctx.inventory.claim(dropId, buyerId, key, this.ctx.now(), {
      ticket,
      rate,
    });
    if (result.outcome === 'rate_limited') {
      const wait = Math.ceil(result.retryAfterMs / 1000);
      throw new CodedError('RATE_LIMITED', `Too many claims: wait ${wait}s`, result.retryAfterMs);
    }
    if (result.outcome === 'held' || result.outcome === 'entered') this.changed(dropId, true);
    return result;
  }

  /**
   * A lottery's draw as anyone may audit it, with `buyerId`'s entry. A closed lottery not yet
   * drawn is drawn first.
   */
  async lottery(dropId: string, buyerId: string): Promise<LotteryDraw> {
    const drop = await this.assertOurs(dropId);
    if (drop.mode !== 'lottery' || !drop.seedHash)
      throw new CodedError('BAD_REQUEST', `Drop ${dropId} is not a lottery`);
    if (this.ctx.now() >= drop.endsAt) await this.draw(dropId);
    const view = this.draws.get(dropId) ?? (await this.readDraw(drop));
    const ticket = view.ticketOf.get(buyerId);
    const holdId = ticket === undefined ? null : (view.holdOf.get(ticket) ?? null);
    const hold = holdId ? await this.ctx.inventory.hold(dropId, holdId) : undefined;
    return {
      dropId,
      quantity: drop.quantity,
      seedHash: drop.seedHash,
      seed: view.drawn ? drop.seed : null,
      drawn: view.drawn,
      tickets: view.tickets,
      winners: view.winners,
      mine:
        ticket === undefined
          ? null
          : { ticket, won: holdId !== null, holdId, expiresAt: hold?.expiresAt ?? null },
    };
  }

  /** A lottery's entries and, once drawn, its winners in rank order (kept once drawn: it is final). */
  private async readDraw(drop: DropDefinition): Promise<DrawView> {
    const book = await this.ctx.inventory.lottery(drop.id);
    if (!book) throw new CodedError('DROP_NOT_FOUND', `No drop ${drop.id}`);
    const tickets = book.entries.map((e) => e.ticket).sort();
    const ticketOf = new Map(book.entries.map((e) => [e.buyerId, e.ticket]));
    const holdOf = book.winners ?? new Map<string, string>();
    // the tickets that got holds, in rank order: an audit recomputes the draw and compares
    const ranked =
      book.winners && drop.seed
        ? await drawLottery(drop.seed, tickets, tickets.length, (text: string) =>
            this.ctx.sha256(text),
          )
        : [];
    const view: DrawView = {
      drawn: book.winners !== null,
      tickets,
      winners: ranked.filter((t) => holdOf.has(t)),
      ticketOf,
      holdOf,
    };
    if (view.drawn) this.draws.set(drop.id, view);
    return view;
  }

  /** Draws a closed lottery, once (every node computes the same winners; the first commit counts). */
  private draw(dropId: string): Promise<void> {
    let running = this.drawing.get(dropId);
    if (!running) {
      running = this.drawNow(dropId).finally(() => this.drawing.delete(dropId));
      this.drawing.set(dropId, running);
    }
    return running;
  }

  private async drawNow(dropId: string): Promise<void> {
    const drop = await this.assertOurs(dropId);
    const { seed } = drop;
    if (!seed) return;
    // an entry that came in while the draw was computed: read again and draw again
    for (let attempt = 0; attempt < DRAW_ATTEMPTS; attempt++) {
      const book = await this.ctx.inventory.lottery(dropId);
      if (!book || book.winners) return;
      const tickets = book.entries.map((e) => e.ticket);
      const winners = await drawLottery(seed, tickets, drop.quantity, (text: string) =>
        this.ctx.sha256(text),
      );
      if (await this.ctx.inventory.draw(dropId, winners, tickets.length, this.ctx.now())) {
        this.changed(dropId, true);
        return;
      }
    }
    throw new Error(`drop ${dropId}: entries kept changing during its draw`);
  }

  async checkout(
    dropId: string,
    holdId: string,
    buyerId: string,
    key: string,
  ): Promise<CheckoutResult> {
    await this.assertOurs(dropId);
    const result = await this.ctx.inventory.checkout(dropId, holdId, buyerId, key, this.ctx.now());
    // an order: the merchant hears of it now (changes of state go with the relay's sweep)
    if (result.outcome === 'ordered') this.ctx.logged?.(dropId);
    this.changed(dropId, true);
    return result;
  }

  async cancel(dropId: string, holdId: string, buyerId: string): Promise<CancelResult> {
    await this.assertOurs(dropId);
    const result = await this.ctx.inventory.cancel(dropId, holdId, buyerId, this.ctx.now());
    if (result.outcome === 'cancelled') this.changed(dropId, true);
    return result;
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
    const tracked = this.track(dropId);
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

  /**
   * The drop, when it is this room's: a drop of another room is not this room's to sell (and a new
   * one may not be known here yet).
   */
  private async assertOurs(
    dropId: string,
    code: 'DROP_NOT_FOUND' | 'BAD_REQUEST' = 'DROP_NOT_FOUND',
  ): Promise<DropDefinition> {
    const known = this.tracked.get(dropId)?.drop;
    if (known) return known;
    const ours = await this.ctx.inventory.dropsOf(this.roomId);
    for (const drop of ours) this.track(drop.id, drop);
    const found = ours.find((d) => d.id === dropId);
    if (found) return found;
    throw code === 'BAD_REQUEST'
      ? new CodedError('BAD_REQUEST', `Drop id ${dropId} is taken by another room`)
      : new CodedError('DROP_NOT_FOUND', `No drop ${dropId} in room ${this.roomId}`);
  }

  private track(dropId: string, drop?: DropDefinition): Tracked {
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
        void this.draw(dropId).catch((error: unknown) => this.ctx.failed(error));
      const last = tracked.sent;
      const same =
        last?.state === stock.state &&
        last.remaining === stock.remaining &&
        last.held === stock.held &&
        last.sold === stock.sold &&
        last.lottery?.entries === stock.lottery?.entries &&
        last.lottery?.drawn === stock.lottery?.drawn;
      if (same) return;
      const wait = tracked.sentAt + STOCK_INTERVAL_MS - this.ctx.now();
      // a change of state, or a lottery drawn, goes at once
      const sameState = last?.state === stock.state && last.lottery?.drawn === stock.lottery?.drawn;
      if (sameState && wait > 0) {
        // same state, new figures: coalesce until the interval allows
        tracked.timer = setTimeout(() => {
          tracked.timer = undefined;
          void this.refresh(dropId, tracked);
        }, wait);
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

interface DrawView {
  drawn: boolean;
  tickets: string[];
  winners: string[];
  ticketOf: Map<string, string>;
  holdOf: Map<string, string>;
}

/** Read after an await: another change may have asked meanwhile. */
const askedAgain = (tracked: Tracked): boolean => tracked.again;
