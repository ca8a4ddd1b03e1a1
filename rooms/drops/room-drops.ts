import {
  CodedError,
  drawLottery,
  lotteryTicket,
  type CancelResult,
  type CheckoutResult,
  type ClaimResult,
  type DropStock,
  type LotteryDraw,
} from '../../client-sdk/src/protocol/index.js';
import type { Member } from '../core/context.js';
import type { RoomScope } from '../core/scope.js';
import { assertCanWrite, assertRole, type Identity } from '../model/identity.js';
import type { DropDefinition } from '../ports/inventory.js';
import { defineDrop, eligibleAt, isReservedDrop, type DropFields } from './decisions.js';
import { DropFeed } from './drop-feed.js';

/** Times a lottery's draw is computed again when entries keep arriving during it. */
const DRAW_ATTEMPTS = 5;

export interface RoomDropsContext {
  /** Sends a drop's stock to the room (control lane). */
  send(stock: DropStock): void;
  /** A read or publish failed: logged, the next change retries. */
  failed(error: unknown): void;
  /** An order was written to the drop's log here (the merchant relay sends it at once). */
  logged?(dropId: string): void;
  /** A buyer's checkout made an order (or found the one it made before). */
  ordered?(dropId: string, buyerId: string): void;
  /** SHA-256, hex (lottery tickets and draws); `bytes` random bytes, hex (seeds, nonces). */
  sha256(text: string): string;
  randomHex(bytes: number): string;
}

/**
 * The drops of one room on this node: hosts create them, members claim, check out and cancel;
 * stock, holds and orders live in the inventory (shared by every node, atomic there), and the
 * {@link DropFeed} sends the stock to the room.
 */
export class RoomDrops {
  readonly feed: DropFeed;
  private readonly drawing = new Map<string, Promise<void>>();
  /** Drawn lotteries as audited (final once drawn), so a crowd of entrants costs one read. */
  private readonly draws = new Map<string, DrawView>();

  constructor(
    private readonly room: RoomScope,
    private readonly ctx: RoomDropsContext,
  ) {
    this.feed = new DropFeed(room.id, {
      inventory: room.engine.inventory,
      broker: room.engine.broker,
      now: () => room.now(),
      send: (stock) => ctx.send(stock),
      failed: (error) => ctx.failed(error),
      undrawn: (dropId) => void this.draw(dropId).catch((error: unknown) => ctx.failed(error)),
    });
  }

  private get inventory() {
    return this.room.engine.inventory;
  }

  /** Follows the drops the room already has (when this node loads the room). */
  async load(): Promise<void> {
    for (const drop of await this.inventory.dropsOf(this.room.id)) this.feed.track(drop.id, drop);
  }

  /**
   * Creates a drop of a product the stream lists (hosts); the drop keeps a copy of the product, so
   * its orders are sold at the price of its creation. `created` is false when the id was taken.
   */
  createDrop(
    identity: Identity,
    fields: DropFields,
  ): Promise<{ created: boolean; stock: DropStock }> {
    assertRole(identity, this.room, 'host', 'create drops');
    this.room.assertOpen();
    if (isReservedDrop(fields.id))
      throw new CodedError(
        'BAD_REQUEST',
        'Drop ids starting "auction-" or "giveaway-" are for auctions and giveaways',
      );
    // a lottery's seed is fixed now and only its hash shown, until the draw reveals it
    const seed = fields.mode === 'lottery' ? this.ctx.randomHex(32) : null;
    const secrets = {
      seed,
      seedHash: seed === null ? null : this.ctx.sha256(seed),
      nonce: this.ctx.randomHex(4),
    };
    const drop = defineDrop(this.room.state, this.room.id, fields, secrets);
    return this.room.holding(() => this.create(drop));
  }

  private async create(drop: DropDefinition): Promise<{ created: boolean; stock: DropStock }> {
    const { created } = await this.inventory.createDrop(drop, this.room.now());
    if (created) this.feed.track(drop.id, drop);
    else await this.assertOurs(drop.id, 'BAD_REQUEST');
    const stock = await this.inventory.stock(drop.id, this.room.now());
    if (!stock) throw new Error(`drop ${drop.id} missing right after it was created`);
    this.feed.changed(drop.id, true);
    return { created, stock };
  }

  /**
   * Claims a unit for a member: a hold, or why not. Each buyer's claims on a drop are rate-limited
   * in the same atomic step (a retry of an answered claim gets its answer). A drop with a minimum
   * presence refuses a buyer who has not been here long enough (not stored: the same tap counts
   * once the time has come).
   */
  async claim(member: Member, dropId: string, key: string): Promise<ClaimResult> {
    this.assertBuyer(member);
    const buyerId = member.identity.id;
    if (isReservedDrop(dropId))
      throw new CodedError(
        'FORBIDDEN',
        'This item was won (an auction or a giveaway): it is the winner’s',
      );
    // a known drop without an await: claims are the hot path
    const drop = this.feed.known(dropId) ?? (await this.assertOurs(dropId));
    const now = this.room.now();
    const notYet = eligibleAt(drop, this.room.arrivedAt(buyerId), now);
    if (notYet !== null) {
      const earlier = await this.inventory.claimed(dropId, buyerId, key);
      return earlier ?? { outcome: 'not_eligible', eligibleAt: notYet };
    }
    const ticket =
      drop.mode === 'lottery'
        ? await lotteryTicket(dropId, buyerId, (text: string) => this.ctx.sha256(text))
        : undefined;
    const result = await this.inventory.claim(dropId, buyerId, key, this.room.now(), {
      ticket,
      rate: this.room.limits.claimRate,
    });
    if (result.outcome === 'rate_limited') {
      const wait = Math.ceil(result.retryAfterMs / 1000);
      throw new CodedError('RATE_LIMITED', `Too many claims: wait ${wait}s`, result.retryAfterMs);
    }
    if (result.outcome === 'held' || result.outcome === 'entered') this.feed.changed(dropId, true);
    return result;
  }

  async checkout(
    member: Member,
    dropId: string,
    holdId: string,
    key: string,
  ): Promise<CheckoutResult> {
    this.assertBuyer(member);
    await this.assertOurs(dropId);
    const buyerId = member.identity.id;
    const result = await this.inventory.checkout(dropId, holdId, buyerId, key, this.room.now());
    // an order: the merchant hears of it now (changes of state go with the relay's sweep)
    if (result.outcome === 'ordered') {
      this.ctx.logged?.(dropId);
      this.ctx.ordered?.(dropId, buyerId);
    }
    this.feed.changed(dropId, true);
    return result;
  }

  async cancel(member: Member, dropId: string, holdId: string): Promise<CancelResult> {
    this.assertBuyer(member);
    await this.assertOurs(dropId);
    const buyerId = member.identity.id;
    const result = await this.inventory.cancel(dropId, holdId, buyerId, this.room.now());
    if (result.outcome === 'cancelled') this.feed.changed(dropId, true);
    return result;
  }

  /**
   * A lottery's draw as anyone may audit it, with the member's entry. A closed lottery not yet
   * drawn is drawn first.
   */
  async lottery(member: Member, dropId: string): Promise<LotteryDraw> {
    this.room.assertMember(member);
    const buyerId = member.identity.id;
    const drop = await this.assertOurs(dropId);
    if (drop.mode !== 'lottery' || !drop.seedHash)
      throw new CodedError('BAD_REQUEST', `Drop ${dropId} is not a lottery`);
    if (this.room.now() >= drop.endsAt) await this.draw(dropId);
    const view = this.draws.get(dropId) ?? (await this.readDraw(drop));
    const ticket = view.ticketOf.get(buyerId);
    const holdId = ticket === undefined ? null : (view.holdOf.get(ticket) ?? null);
    const hold = holdId ? await this.inventory.hold(dropId, holdId) : undefined;
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
    const book = await this.inventory.lottery(drop.id);
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
      const book = await this.inventory.lottery(dropId);
      if (!book || book.winners) return;
      const tickets = book.entries.map((e) => e.ticket);
      const winners = await drawLottery(seed, tickets, drop.quantity, (text: string) =>
        this.ctx.sha256(text),
      );
      if (await this.inventory.draw(dropId, winners, tickets.length, this.room.now())) {
        this.feed.changed(dropId, true);
        return;
      }
    }
    throw new Error(`drop ${dropId}: entries kept changing during its draw`);
  }

  /**
   * The drop, when it is this room's: a drop of another room is not this room's to sell (and a new
   * one may not be known here yet).
   */
  private async assertOurs(
    dropId: string,
    code: 'DROP_NOT_FOUND' | 'BAD_REQUEST' = 'DROP_NOT_FOUND',
  ): Promise<DropDefinition> {
    const known = this.feed.known(dropId);
    if (known) return known;
    const ours = await this.inventory.dropsOf(this.room.id);
    for (const drop of ours) this.feed.track(drop.id, drop);
    const found = ours.find((d) => d.id === dropId);
    if (found) return found;
    throw code === 'BAD_REQUEST'
      ? new CodedError('BAD_REQUEST', `Drop id ${dropId} is taken by another room`)
      : new CodedError('DROP_NOT_FOUND', `No drop ${dropId} in room ${this.room.id}`);
  }

  private assertBuyer(member: Member): void {
    assertCanWrite(member.identity);
    this.room.assertMember(member);
  }
}

interface DrawView {
  drawn: boolean;
  tickets: string[];
  winners: string[];
  ticketOf: Map<string, string>;
  holdOf: Map<string, string>;
}
