import { CodedError } from '../../../client-sdk/src/protocol/index.js';
import type {
  CancelResult,
  CheckoutResult,
  ClaimResult,
  DropState,
  DropStock,
  Order,
} from '../../../client-sdk/src/protocol/index.js';
import {
  dropState,
  takeTokens,
  type BucketState,
  type ClaimAnswer,
  type ClaimOptions,
  type DropDefinition,
  type DropLogEntry,
  type HoldRecord,
  type InventoryPort,
  type LotteryBook,
  type Unrelayed,
} from '../../../rooms/index.js';
import { holdSecret } from '../../ids.js';

interface Book {
  drop: DropDefinition;
  remaining: number;
  held: number;
  sold: number;
  holds: Map<string, HoldRecord>;
  /** Active holds, in creation order: with one hold time per drop, also expiry order. */
  active: Map<string, HoldRecord>;
  perBuyer: Map<string, number>;
  answers: Map<string, ClaimResult | CheckoutResult>;
  orders: Order[];
  /** The drop's durable log (see {@link DropLogEntry}) and how much of it was relayed. */
  log: DropLogEntry[];
  relayed: number;
  state: DropState;
  /** Each buyer's claim bucket. */
  buckets: Map<string, BucketState>;
  /** Lottery entries: buyer → ticket, and ticket → buyer. */
  entries: Map<string, string>;
  tickets: Map<string, string>;
  /** Once drawn: winning ticket → its hold. */
  winners: Map<string, string> | null;
}

/** A {@link MemoryInventory} as plain data. */
export interface InventorySnapshot {
  open: [string, number][];
  books: (Omit<
    Book,
    'holds' | 'active' | 'perBuyer' | 'answers' | 'buckets' | 'entries' | 'tickets' | 'winners'
  > & {
    holds: HoldRecord[];
    active: string[];
    perBuyer: [string, number][];
    answers: [string, ClaimResult | CheckoutResult][];
    buckets: [string, BucketState][];
    entries: [string, string][];
    tickets: [string, string][];
    winners: [string, string][] | null;
  })[];
}

/** In-process drops: the same rules as the Redis scripts, in one process. */
export class MemoryInventory implements InventoryPort {
  private readonly books = new Map<string, Book>();
  private readonly open = new Map<string, number>();

  /** `secret`: the unguessable part of each hold id (the durable engine replays its own). */
  constructor(private readonly secret: () => string = holdSecret) {}

  /** Everything it holds, as plain data (the durable engine's snapshot). */
  snapshot(): InventorySnapshot {
    return {
      open: [...this.open],
      books: [...this.books.values()].map((b) => ({
        ...b,
        holds: [...b.holds.values()],
        // active holds are the same records as in `holds`: by id, in their order
        active: [...b.active.keys()],
        perBuyer: [...b.perBuyer],
        answers: [...b.answers],
        buckets: [...b.buckets],
        entries: [...b.entries],
        tickets: [...b.tickets],
        winners: b.winners ? [...b.winners] : null,
      })),
    };
  }

  /** Puts back what a snapshot holds (on an empty inventory). */
  restore(snapshot: InventorySnapshot): void {
    const copy = structuredClone(snapshot);
    for (const [id, at] of copy.open) this.open.set(id, at);
    for (const b of copy.books) {
      const holds = new Map(b.holds.map((h) => [h.holdId, h]));
      const active = new Map<string, HoldRecord>();
      for (const id of b.active) {
        const hold = holds.get(id);
        if (!hold) throw new Error(`snapshot of ${b.drop.id}: active hold ${id} is not a hold`);
        active.set(id, hold);
      }
      this.books.set(b.drop.id, {
        ...b,
        holds,
        active,
        perBuyer: new Map(b.perBuyer),
        // answers are handed out as they are: frozen, as when they were made
        answers: new Map(b.answers.map(([k, a]) => [k, Object.freeze(a)])),
        buckets: new Map(b.buckets),
        entries: new Map(b.entries),
        tickets: new Map(b.tickets),
        winners: b.winners ? new Map(b.winners) : null,
      });
    }
  }

  createDrop(drop: DropDefinition, now: number): Promise<{ created: boolean }> {
    return run(() => {
      // listed first, as the Redis engine must (its list sits on another shard than the drop): a
      // create of an id that exists lists it again if it was closed; the relay closes it again
      if (!this.open.has(drop.id)) this.open.set(drop.id, now);
      if (this.books.has(drop.id)) return { created: false };
      const state = dropState(drop, drop.quantity, now);
      this.books.set(drop.id, {
        drop: { ...drop },
        remaining: drop.quantity,
        held: 0,
        sold: 0,
        holds: new Map(),
        active: new Map(),
        perBuyer: new Map(),
        answers: new Map(),
        orders: [],
        log: [{ n: 1, type: 'drop.state', at: state === 'ended' ? drop.endsAt : now, state }],
        relayed: 0,
        state,
        buckets: new Map(),
        entries: new Map(),
        tickets: new Map(),
        winners: null,
      });
      return { created: true };
    });
  }

  dropsOf(roomId: string): Promise<DropDefinition[]> {
    return run(() =>
      [...this.books.values()]
        .map((b) => b.drop)
        .filter((d) => d.roomId === roomId)
        .sort((x, y) => x.startsAt - y.startsAt || (x.id < y.id ? -1 : 1)),
    );
  }

  claim(
    dropId: string,
    buyerId: string,
    key: string,
    now: number,
    { ticket, rate }: ClaimOptions = {},
  ): Promise<ClaimAnswer> {
    // answers are frozen when stored: handed out as they are, with no copy (the hot path)
    return runShared((): ClaimAnswer => {
      const book = this.book(dropId);
      const answerKey = `claim\n${buyerId}\n${key}`;
      const earlier = book.answers.get(answerKey) as ClaimResult | undefined;
      if (earlier) return earlier;
      if (rate) {
        // the same bucket as the claim script's (TOKEN_BUCKET): whole ms, rounded up
        const { state, decision } = takeTokens(book.buckets.get(buyerId), rate, 1, now);
        book.buckets.set(buyerId, state);
        if (!decision.allowed)
          return { outcome: 'rate_limited', retryAfterMs: decision.retryAfterMs };
      }
      this.expire(book, now);
      const answer = Object.freeze(
        book.drop.mode === 'lottery'
          ? this.enter(book, buyerId, ticket, now)
          : this.decideClaim(book, buyerId, now),
      );
      book.answers.set(answerKey, answer);
      this.note(book, now);
      return answer;
    });
  }

  checkout(
    dropId: string,
    holdId: string,
    buyerId: string,
    key: string,
    now: number,
  ): Promise<CheckoutResult> {
    return run(() => {
      const book = this.book(dropId);
      const answerKey = `checkout\n${buyerId}\n${key}`;
      const earlier = book.answers.get(answerKey) as CheckoutResult | undefined;
      if (earlier) return earlier;
      this.expire(book, now);
      const answer = this.decideCheckout(book, holdId, buyerId, now);
      book.answers.set(answerKey, answer);
      this.note(book, now);
      return answer;
    });
  }

  cancel(dropId: string, holdId: string, buyerId: string, now: number): Promise<CancelResult> {
    return run((): CancelResult => {
      const book = this.book(dropId);
      this.expire(book, now);
      const hold = book.holds.get(holdId);
      if (hold?.buyerId !== buyerId) return { outcome: 'not_found' };
      if (hold.status === 'active') {
        this.release(book, hold, 'cancelled');
        this.note(book, now);
        return { outcome: 'cancelled' };
      }
      if (hold.status === 'ordered') return { outcome: 'ordered', orderId: hold.orderId ?? '' };
      return { outcome: hold.status };
    });
  }

  stock(dropId: string, now: number): Promise<DropStock | undefined> {
    return run(() => {
      const book = this.books.get(dropId);
      if (!book) return undefined;
      this.expire(book, now);
      this.note(book, now);
      const { drop, remaining, held, sold } = book;
      return {
        dropId,
        state: book.state,
        mode: drop.mode,
        lottery:
          drop.mode === 'lottery'
            ? {
                seedHash: drop.seedHash ?? '',
                entries: book.tickets.size,
                drawn: book.winners !== null,
                seed: book.winners ? drop.seed : null,
              }
            : null,
        productId: drop.product.id,
        quantity: drop.quantity,
        remaining,
        held,
        sold,
        startsAt: drop.startsAt,
        endsAt: drop.endsAt,
      };
    });
  }

  claimed(dropId: string, buyerId: string, key: string): Promise<ClaimResult | undefined> {
    return runShared(
      () =>
        this.books.get(dropId)?.answers.get(`claim\n${buyerId}\n${key}`) as ClaimResult | undefined,
    );
  }

  hold(dropId: string, holdId: string): Promise<HoldRecord | undefined> {
    return run(() => this.books.get(dropId)?.holds.get(holdId));
  }

  orders(dropId: string): Promise<Order[]> {
    return run(() => this.books.get(dropId)?.orders ?? []);
  }

  lottery(dropId: string): Promise<LotteryBook | undefined> {
    return run(() => {
      const book = this.books.get(dropId);
      if (!book) return undefined;
      const entries = [...book.tickets].map(([ticket, buyerId]) => ({ ticket, buyerId }));
      return { entries, winners: book.winners };
    });
  }

  draw(dropId: string, winners: readonly string[], entries: number, now: number): Promise<boolean> {
    return run(() => {
      const book = this.book(dropId);
      if (book.winners) return true;
      if (book.tickets.size !== entries) return false;
      this.expire(book, now);
      book.winners = new Map();
      for (const ticket of winners) {
        const buyerId = book.tickets.get(ticket);
        if (buyerId === undefined || book.remaining === 0 || book.winners.has(ticket)) continue;
        book.winners.set(ticket, this.newHold(book, buyerId, now).holdId);
      }
      this.note(book, now);
      return true;
    });
  }

  openDrops(): Promise<{ dropId: string; since: number }[]> {
    return run(() => [...this.open].map(([dropId, since]) => ({ dropId, since })));
  }

  unrelayed(dropId: string, now: number, limit: number): Promise<Unrelayed | undefined> {
    return run(() => {
      const book = this.books.get(dropId);
      if (!book) return undefined;
      this.expire(book, now);
      this.note(book, now);
      const entries = book.log.slice(book.relayed, book.relayed + limit);
      // a lottery is not settled before its draw, which gives holds and so orders to come
      const settled =
        now >= book.drop.endsAt &&
        (book.drop.mode !== 'lottery' || book.winners !== null) &&
        book.active.size === 0 &&
        book.relayed + entries.length === book.log.length;
      return { drop: book.drop, entries, settled };
    });
  }

  markRelayed(dropId: string, n: number): Promise<void> {
    return run(() => {
      const book = this.books.get(dropId);
      if (book) book.relayed = Math.max(book.relayed, Math.min(n, book.log.length));
    });
  }

  closeRelay(dropId: string): Promise<void> {
    return run(() => void this.open.delete(dropId));
  }

  private book(dropId: string): Book {
    const book = this.books.get(dropId);
    if (!book) throw new CodedError('DROP_NOT_FOUND', `No drop ${dropId}`);
    return book;
  }

  private decideClaim(book: Book, buyerId: string, now: number): ClaimResult {
    const { drop } = book;
    const state = dropState(drop, book.remaining, now);
    if (state === 'scheduled' || state === 'ended')
      return { outcome: 'not_live', state, startsAt: drop.startsAt };
    if (book.remaining === 0) return { outcome: 'sold_out' };
    const owned = book.perBuyer.get(buyerId) ?? 0;
    if (owned >= drop.perBuyerCap) return { outcome: 'limit_reached', cap: drop.perBuyerCap };
    const hold = this.newHold(book, buyerId, now);
    return { outcome: 'held', holdId: hold.holdId, expiresAt: hold.expiresAt };
  }

  /** Holds one unit for a buyer until now + holdMs. */
  private newHold(book: Book, buyerId: string, now: number): HoldRecord {
    const hold: HoldRecord = {
      holdId: `${book.drop.id}.h${book.holds.size + 1}.${this.secret()}`,
      buyerId,
      expiresAt: now + book.drop.holdMs,
      status: 'active',
      orderId: null,
    };
    book.holds.set(hold.holdId, hold);
    book.active.set(hold.holdId, hold);
    book.perBuyer.set(buyerId, (book.perBuyer.get(buyerId) ?? 0) + 1);
    book.remaining -= 1;
    book.held += 1;
    return hold;
  }

  /** A lottery entry: once per buyer, whatever the key, during the drop's window. */
  private enter(book: Book, buyerId: string, ticket: string | undefined, now: number): ClaimResult {
    const { drop } = book;
    const state = book.winners ? 'ended' : dropState(drop, drop.quantity, now);
    if (state === 'scheduled' || state === 'ended')
      return { outcome: 'not_live', state, startsAt: drop.startsAt };
    const entered = book.entries.get(buyerId);
    if (entered !== undefined) return { outcome: 'entered', ticket: entered };
    if (ticket === undefined) throw new Error('a lottery entry needs a ticket');
    book.entries.set(buyerId, ticket);
    book.tickets.set(ticket, buyerId);
    return { outcome: 'entered', ticket };
  }

  private decideCheckout(book: Book, holdId: string, buyerId: string, now: number): CheckoutResult {
    const hold = book.holds.get(holdId);
    if (hold?.buyerId !== buyerId) return { outcome: 'not_found' };
    if (hold.status === 'ordered')
      return { outcome: 'ordered', orderId: hold.orderId ?? '', holdId };
    if (hold.status !== 'active') return { outcome: hold.status };
    const orderId = `${book.drop.id}.${book.drop.nonce}.o${book.orders.length + 1}`;
    hold.status = 'ordered';
    hold.orderId = orderId;
    book.active.delete(holdId);
    book.held -= 1;
    book.sold += 1;
    book.orders.push({ orderId, dropId: book.drop.id, holdId, buyerId, at: now });
    book.log.push({
      n: book.log.length + 1,
      type: 'order.created',
      at: now,
      orderId,
      holdId,
      buyerId,
    });
    return { outcome: 'ordered', orderId, holdId };
  }

  /** Logs the drop's state when it changed (by the clock or by its stock). */
  private note(book: Book, now: number): void {
    const { drop } = book;
    const before = book.state;
    const state = dropState(drop, book.remaining, now);
    if (state === before) return;
    const log = (at: number, s: DropState) =>
      book.log.push({ n: book.log.length + 1, type: 'drop.state', at, state: s });
    // a drop seen first after its start went live at its start
    if (before === 'scheduled' && state !== 'live') log(drop.startsAt, 'live');
    book.state = state;
    if (state === 'ended') log(drop.endsAt, state);
    else log(state === 'live' && before === 'scheduled' ? drop.startsAt : now, state);
  }

  /** Ends every hold whose time ran out; each returns its unit exactly once. */
  private expire(book: Book, now: number): void {
    for (const hold of book.active.values()) {
      if (hold.expiresAt > now) break;
      this.release(book, hold, 'expired');
    }
  }

  private release(book: Book, hold: HoldRecord, status: 'cancelled' | 'expired'): void {
    hold.status = status;
    book.active.delete(hold.holdId);
    book.held -= 1;
    book.remaining += 1;
    const owned = (book.perBuyer.get(hold.buyerId) ?? 1) - 1;
    if (owned > 0) book.perBuyer.set(hold.buyerId, owned);
    else book.perBuyer.delete(hold.buyerId);
  }
}

/** Runs a step whose answer is immutable (frozen), so it can be shared with callers; or rejects. */
function runShared<T>(step: () => T): Promise<T> {
  try {
    return Promise.resolve(step());
  } catch (error) {
    return Promise.reject(error instanceof Error ? error : new Error(String(error)));
  }
}

/** Runs a step and answers with a copy (callers never share state with the book), or rejects. */
function run<T>(step: () => T): Promise<T> {
  try {
    return Promise.resolve(structuredClone(step()));
  } catch (error) {
    return Promise.reject(error instanceof Error ? error : new Error(String(error)));
  }
}
