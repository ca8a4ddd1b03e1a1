import { expect } from 'vitest';
import { incrementAt, type AuctionDefinition, type BidReply } from '../../rooms/index.js';

/**
 * The auction rules, checked from outside on what a store answers (no look at its book): fed
 * every start and bid in the order they were made, with the time the node that made it had.
 */
export class AuctionInvariants {
  /** The latest time any node told the auction: its clock. */
  private clock = 0;
  private endsAt: number | null = null;
  private started = false;
  private price: number | null = null;
  private leader: string | null = null;
  private lastAcceptedAt: number | null = null;
  /** Each buyer's highest maximum taken, and when it was set (ties go to the earlier). */
  private readonly best = new Map<string, { max: number; order: number }>();
  private readonly answers = new Map<string, BidReply | undefined>();
  private order = 0;

  constructor(private readonly auction: AuctionDefinition) {}

  start(startedNow: boolean, now: number): void {
    this.clock = Math.max(this.clock, now);
    if (!startedNow) return;
    expect(this.started).toBe(false);
    this.started = true;
    this.endsAt = this.clock + this.auction.durationMs;
  }

  /**
   * A look right after the start: the price and leader its pre-bids made. A pre-bid is placed at
   * the start only if it tops the price by then by an increment; one that was not placed is
   * forgotten here (a maximum above the price that does not lead was not placed: a placed one
   * would have pushed the price to it).
   */
  viewedAtStart(view: {
    leaderId: string | null;
    priceMinor: number | null;
    endsAt: number | null;
  }): void {
    if (!this.started) return;
    expect(view.endsAt).toBe(this.endsAt);
    this.price = view.priceMinor;
    this.leader = view.leaderId;
    const lead = view.leaderId === null ? undefined : this.best.get(view.leaderId);
    for (const [buyer, b] of this.best)
      if (buyer !== view.leaderId && (b.max > (view.priceMinor ?? 0) || b.max === lead?.max))
        this.best.delete(buyer);
    this.checkLeader();
  }

  bid(buyer: string, max: number, key: string, now: number, answer: BidReply | undefined): void {
    const seen = Math.max(this.clock, now);
    this.clock = seen;
    const k = `${buyer}\n${key}`;
    if (this.answers.has(k)) {
      // a key never yields two answers
      expect(answer).toEqual(this.answers.get(k));
      return;
    }
    this.answers.set(k, answer);
    if (answer?.outcome === 'not_live')
      expect(this.started && seen >= (this.endsAt ?? 0)).toBe(true);
    if (answer?.outcome === 'own_auction') expect(buyer).toBe(this.auction.hostId);
    if (!answer || (answer.outcome !== 'leading' && answer.outcome !== 'outbid')) return;
    expect(buyer).not.toBe(this.auction.hostId);
    this.order += 1;
    const own = this.best.get(buyer);
    if (!own || max > own.max) this.best.set(buyer, { max, order: this.order });
    if (!this.started) {
      expect(max).toBeGreaterThanOrEqual(this.auction.startingMinor);
      expect(answer.endsAt).toBeNull();
      return;
    }
    // never after the end any node saw
    const endsBefore = this.endsAt ?? 0;
    expect(seen).toBeLessThan(endsBefore);
    // at least the leading price plus the increment (the starting bid first)
    const { increments, startingMinor } = this.auction;
    const least =
      this.price === null ? startingMinor : this.price + incrementAt(increments, this.price);
    expect(max).toBeGreaterThanOrEqual(least);
    this.lastAcceptedAt = seen;
    if (this.auction.suddenDeath || this.auction.counterBidMs === 0)
      expect(answer.endsAt).toBe(endsBefore);
    else {
      expect(answer.endsAt).toBe(Math.max(endsBefore, seen + this.auction.counterBidMs));
      expect(answer.endsAt ?? 0).toBeGreaterThanOrEqual(
        this.lastAcceptedAt + this.auction.counterBidMs,
      );
    }
    this.endsAt = answer.endsAt;
    this.price = answer.priceMinor;
    this.leader = answer.leaderId;
    this.checkLeader();
  }

  /** The least bid the rules take now: the starting bid, then the price plus its increment. */
  least(): number {
    const { increments, startingMinor } = this.auction;
    return this.price === null ? startingMinor : this.price + incrementAt(increments, this.price);
  }

  /** The leader has the highest maximum taken (the earlier on ties) and pays no more than it. */
  checkLeader(view?: { leaderId: string | null; priceMinor: number | null }): void {
    if (!this.started) return;
    const leader = view ? view.leaderId : this.leader;
    const price = view ? view.priceMinor : this.price;
    const ranked = [...this.best].sort(([, x], [, y]) => y.max - x.max || x.order - y.order);
    expect(leader).toBe(ranked[0]?.[0] ?? null);
    if (leader !== null) expect(price ?? 0).toBeLessThanOrEqual(this.best.get(leader)?.max ?? 0);
  }
}
