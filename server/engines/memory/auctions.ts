import {
  amountError,
  bid,
  clockAt,
  newBook,
  nextValidBid,
  phaseAt,
  startAuction,
  takeTokens,
  type AuctionBook,
  type AuctionDefinition,
  type AuctionPort,
  type AuctionSettlement,
  type AuctionView,
  type BidOptions,
  type BidAnswer,
  type BidReply,
  type BucketState,
  byCreation,
} from '../../../rooms/index.js';

interface Kept {
  auction: AuctionDefinition;
  book: AuctionBook;
  /** Each buyer's bid-rate bucket on this auction. */
  buckets: Map<string, BucketState>;
  /** Each bidder's display name. */
  names: Map<string, string>;
  settlement: AuctionSettlement | null;
}

/** Kept, as JSON holds it. */
type KeptData = Omit<Kept, 'book' | 'buckets' | 'names'> & {
  book: Omit<AuctionBook, 'answers'> & { answers: [string, BidAnswer][] };
  buckets: [string, BucketState][];
  names: [string, string][];
};

/** Auctions in this process: each book is the pure state machine itself. */
export class MemoryAuctions implements AuctionPort {
  private readonly auctions = new Map<string, Kept>();

  /** Every auction, as JSON can hold it (the embedded engine's journal snapshots it). */
  snapshot(): KeptData[] {
    return [...this.auctions.values()].map((k) => ({
      ...structuredClone(k),
      book: { ...structuredClone(k.book), answers: [...k.book.answers] },
      buckets: [...k.buckets],
      names: [...k.names],
    }));
  }

  restore(snapshot: unknown): void {
    this.auctions.clear();
    for (const k of snapshot as KeptData[])
      this.auctions.set(k.auction.id, {
        ...k,
        book: { ...k.book, answers: new Map(k.book.answers) },
        buckets: new Map(k.buckets),
        names: new Map(k.names),
      });
  }

  createAuction(auction: AuctionDefinition, now: number): Promise<{ created: boolean }> {
    if (this.auctions.has(auction.id)) return Promise.resolve({ created: false });
    const book = newBook(structuredClone(auction));
    clockAt(book, now);
    this.auctions.set(auction.id, {
      auction: structuredClone(auction),
      book,
      buckets: new Map(),
      names: new Map(),
      settlement: null,
    });
    return Promise.resolve({ created: true });
  }

  auctionsOf(roomId: string): Promise<AuctionDefinition[]> {
    const mine = [...this.auctions.values()]
      .map((k) => k.auction)
      .filter((a) => a.roomId === roomId)
      .sort(byCreation);
    return Promise.resolve(structuredClone(mine));
  }

  startAuction(auctionId: string, now: number): Promise<boolean> {
    const kept = this.auctions.get(auctionId);
    return Promise.resolve(kept ? startAuction(kept.book, now) : false);
  }

  bid(
    auctionId: string,
    buyerId: string,
    maxMinor: number,
    key: string,
    now: number,
    { rate, name }: BidOptions = {},
  ): Promise<BidReply | undefined> {
    const bad = amountError(maxMinor);
    if (bad) return Promise.reject(bad);
    const kept = this.auctions.get(auctionId);
    if (!kept) return Promise.resolve(undefined);
    const at = clockAt(kept.book, now);
    const answered = kept.book.answers.get(`${buyerId}\u001f${key}`);
    if (answered) return Promise.resolve(structuredClone(answered));
    if (rate) {
      const { state, decision } = takeTokens(kept.buckets.get(buyerId), rate, 1, at);
      if (!decision.allowed)
        return Promise.resolve({ outcome: 'rate_limited', retryAfterMs: decision.retryAfterMs });
      kept.buckets.set(buyerId, state);
    }
    if (name !== undefined) kept.names.set(buyerId, name);
    return Promise.resolve(structuredClone(bid(kept.book, buyerId, maxMinor, key, at)));
  }

  auctionView(auctionId: string, now: number): Promise<AuctionView | undefined> {
    const kept = this.auctions.get(auctionId);
    if (!kept) return Promise.resolve(undefined);
    const { book } = kept;
    // a look moves the clock too: an end one node has seen holds for every node
    const at = clockAt(book, now);
    const price = book.lead?.priceMinor ?? null;
    const leaderId = book.lead?.leader.buyerId ?? null;
    return Promise.resolve({
      auction: structuredClone(kept.auction),
      phase: phaseAt(book, at),
      startedAt: book.startedAt,
      endsAt: book.endsAt,
      priceMinor: price,
      leaderId,
      leaderName: leaderId === null ? null : (kept.names.get(leaderId) ?? ''),
      bids: book.bids,
      minimumMinor: nextValidBid(book.terms.increments, book.terms.startingMinor, price),
      at,
      settlement: structuredClone(kept.settlement),
    });
  }

  settle(auctionId: string, settlement: AuctionSettlement): Promise<AuctionSettlement | undefined> {
    const kept = this.auctions.get(auctionId);
    if (!kept) return Promise.resolve(undefined);
    kept.settlement ??= structuredClone(settlement);
    return Promise.resolve(structuredClone(kept.settlement));
  }

  maxBidOf(auctionId: string, buyerId: string): Promise<number | null> {
    const book = this.auctions.get(auctionId)?.book;
    if (!book) return Promise.resolve(null);
    if (book.lead?.leader.buyerId === buyerId) return Promise.resolve(book.lead.leader.maxMinor);
    const pre = book.preBids.find((b) => b.buyerId === buyerId);
    return Promise.resolve(pre?.maxMinor ?? null);
  }
}
