import type {
  CancelResult,
  CheckoutResult,
  ClaimResult,
  DropStock,
  Order,
} from '../../../client-sdk/src/protocol/index.js';
import {
  RoomError,
  dropState,
  type DropDefinition,
  type HoldRecord,
  type InventoryPort,
} from '../../../rooms/index.js';

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
}

/** In-process drops: the same rules as the Redis scripts, in one process. */
export class MemoryInventory implements InventoryPort {
  private readonly books = new Map<string, Book>();

  createDrop(drop: DropDefinition): Promise<{ created: boolean }> {
    return run(() => {
      if (this.books.has(drop.id)) return { created: false };
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

  claim(dropId: string, buyerId: string, key: string, now: number): Promise<ClaimResult> {
    return run(() => {
      const book = this.book(dropId);
      const answerKey = `claim\n${buyerId}\n${key}`;
      const earlier = book.answers.get(answerKey) as ClaimResult | undefined;
      if (earlier) return earlier;
      this.expire(book, now);
      const answer = this.decideClaim(book, buyerId, now);
      book.answers.set(answerKey, answer);
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
      const { drop, remaining, held, sold } = book;
      return {
        dropId,
        state: dropState(drop, remaining, now),
        quantity: drop.quantity,
        remaining,
        held,
        sold,
        startsAt: drop.startsAt,
        endsAt: drop.endsAt,
      };
    });
  }

  hold(dropId: string, holdId: string): Promise<HoldRecord | undefined> {
    return run(() => this.books.get(dropId)?.holds.get(holdId));
  }

  orders(dropId: string): Promise<Order[]> {
    return run(() => this.books.get(dropId)?.orders ?? []);
  }

  private book(dropId: string): Book {
    const book = this.books.get(dropId);
    if (!book) throw new RoomError('DROP_NOT_FOUND', `No drop ${dropId}`);
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
    const hold: HoldRecord = {
      holdId: `${drop.id}.h${book.holds.size + 1}`,
      buyerId,
      expiresAt: now + drop.holdMs,
      status: 'active',
      orderId: null,
    };
    book.holds.set(hold.holdId, hold);
    book.active.set(hold.holdId, hold);
    book.perBuyer.set(buyerId, owned + 1);
    book.remaining -= 1;
    book.held += 1;
    return { outcome: 'held', holdId: hold.holdId, expiresAt: hold.expiresAt };
  }

  private decideCheckout(book: Book, holdId: string, buyerId: string, now: number): CheckoutResult {
    const hold = book.holds.get(holdId);
    if (hold?.buyerId !== buyerId) return { outcome: 'not_found' };
    if (hold.status === 'ordered')
      return { outcome: 'ordered', orderId: hold.orderId ?? '', holdId };
    if (hold.status !== 'active') return { outcome: hold.status };
    const orderId = `${book.drop.id}.o${book.orders.length + 1}`;
    hold.status = 'ordered';
    hold.orderId = orderId;
    book.active.delete(holdId);
    book.held -= 1;
    book.sold += 1;
    book.orders.push({ orderId, dropId: book.drop.id, holdId, buyerId, at: now });
    return { outcome: 'ordered', orderId, holdId };
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

/** Runs a step and answers with a copy (callers never share state with the book), or rejects. */
function run<T>(step: () => T): Promise<T> {
  try {
    return Promise.resolve(structuredClone(step()));
  } catch (error) {
    return Promise.reject(error instanceof Error ? error : new Error(String(error)));
  }
}
