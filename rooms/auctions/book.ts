import { placeBid, type IncrementStep, type Lead, type MaxBid } from './increments.js';

/**
 * One auction's book as a pure state machine: its start, its bids (max bids included) with their
 * idempotency keys, its clock and its end. The memory engine keeps it as it is; the Redis engine's
 * Lua twin must agree with it at every step (one contract suite checks both).
 */

/** An auction as created: fixed from then on. */
export interface AuctionTerms {
  id: string;
  roomId: string;
  /** Who runs it: they may not bid on it. */
  hostId: string;
  startingMinor: number;
  increments: readonly IncrementStep[];
  durationMs: number;
  /** A bid with less than this left sets the time left back to it (0 or sudden death: never). */
  counterBidMs: number;
  /** The last valid bid before the end wins: no extension. */
  suddenDeath: boolean;
}

export type AuctionPhase = 'scheduled' | 'live' | 'sold' | 'unsold';

/** The answer to a bid: the same for every retry of its key. */
export type BidAnswer =
  | {
      outcome: 'leading' | 'outbid';
      /** The public price after this bid, and who leads at it. */
      priceMinor: number;
      leaderId: string;
      /** Null for a pre-bid: it is kept until the auction starts. */
      endsAt: number | null;
      /** Bids accepted so far, this one included (0 for a pre-bid: none is placed before the start). */
      bids: number;
      /** Who led until this bid took the lead from them (they are told), else null. */
      displacedId: string | null;
    }
  | { outcome: 'too_low'; minimumMinor: number }
  | { outcome: 'not_live'; phase: AuctionPhase }
  | { outcome: 'own_auction' };

export interface AuctionBook {
  terms: AuctionTerms;
  startedAt: number | null;
  endsAt: number | null;
  lead: Lead | null;
  /** Bids accepted (each counts once, a leader's raised maximum too). */
  bids: number;
  /** The last sequence number given (each bid taken gets the next). */
  seq: number;
  /** Max bids placed before the start, applied at it in their order. */
  preBids: MaxBid[];
  /** Every key's answer, by buyer and key. */
  answers: Map<string, BidAnswer>;
  /** When the last bid was accepted (the counter-bid window counts from there). */
  lastBidAt: number | null;
  /**
   * The auction's own clock: the latest time any node told it. Time never runs back for it, so a
   * node whose clock lags cannot have a bid accepted after the end another node saw.
   */
  clock: number;
}

export function newBook(terms: AuctionTerms): AuctionBook {
  return {
    terms,
    startedAt: null,
    endsAt: null,
    lead: null,
    bids: 0,
    seq: 0,
    preBids: [],
    answers: new Map(),
    lastBidAt: null,
    clock: 0,
  };
}

/** Moves the auction's clock to `now` if later, and returns it: the time its decisions use. */
export function clockAt(book: AuctionBook, now: number): number {
  book.clock = Math.max(book.clock, now);
  return book.clock;
}

/**
 * The phase at `at` (or the auction's own clock, if later): the end is decided by the clock
 * alone, sold with a leader, else unsold.
 */
export function phaseAt(book: AuctionBook, at: number): AuctionPhase {
  const now = Math.max(at, book.clock);
  if (book.startedAt === null || book.endsAt === null) return 'scheduled';
  if (now < book.endsAt) return 'live';
  return book.lead ? 'sold' : 'unsold';
}

/**
 * Starts a scheduled auction at `now` (a started one cannot be started again, nor cancelled): it
 * runs `durationMs`, and the pre-bids are placed first, in their order, as if at the start.
 */
export function startAuction(book: AuctionBook, at: number): boolean {
  const now = clockAt(book, at);
  if (book.startedAt !== null) return false;
  book.startedAt = now;
  book.endsAt = now + book.terms.durationMs;
  for (const bid of book.preBids) {
    const outcome = placeBid(book.terms.increments, book.terms.startingMinor, book.lead, bid);
    if (!outcome.accepted) continue;
    book.lead = outcome.lead;
    book.bids += 1;
    book.lastBidAt = now;
  }
  book.preBids = [];
  return true;
}

const keyOf = (buyerId: string, key: string) => `${buyerId}\u001f${key}`;

/**
 * A bid (or a max bid: `maxMinor` is the most the buyer will pay) by `buyerId` with key `key` at
 * `at` (the auction's clock, if later). The same key always gets the same answer. Live: placed one increment at a time; a bid
 * accepted with less than the counter-bid window left sets the end to `now` + the window (never
 * in sudden death). Scheduled: kept as a pre-bid. Ended: refused; the clock alone decides.
 */
export function bid(
  book: AuctionBook,
  buyerId: string,
  maxMinor: number,
  key: string,
  at: number,
): BidAnswer {
  const now = clockAt(book, at);
  const k = keyOf(buyerId, key);
  const answered = book.answers.get(k);
  if (answered) return answered;
  const answer = decide(book, buyerId, maxMinor, now);
  book.answers.set(k, answer);
  return answer;
}

function decide(book: AuctionBook, buyerId: string, maxMinor: number, now: number): BidAnswer {
  const { terms } = book;
  if (buyerId === terms.hostId) return { outcome: 'own_auction' };
  const phase = phaseAt(book, now);
  if (phase === 'scheduled') return preBid(book, buyerId, maxMinor);
  if (phase !== 'live' || book.endsAt === null) return { outcome: 'not_live', phase };
  const incoming = { buyerId, maxMinor, seq: book.seq + 1 };
  const before = book.lead?.leader.buyerId ?? null;
  const outcome = placeBid(terms.increments, terms.startingMinor, book.lead, incoming);
  if (!outcome.accepted) return { outcome: 'too_low', minimumMinor: outcome.minimumMinor };
  book.seq = incoming.seq;
  book.lead = outcome.lead;
  book.bids += 1;
  book.lastBidAt = now;
  if (!terms.suddenDeath && terms.counterBidMs > 0 && book.endsAt - now < terms.counterBidMs)
    book.endsAt = now + terms.counterBidMs;
  return {
    outcome: outcome.lead.leader.buyerId === buyerId ? 'leading' : 'outbid',
    priceMinor: outcome.lead.priceMinor,
    leaderId: outcome.lead.leader.buyerId,
    endsAt: book.endsAt,
    bids: book.bids,
    displacedId: before !== null && before !== outcome.lead.leader.buyerId ? before : null,
  };
}

/**
 * Before the start: the buyer's maximum is kept (a higher one replaces theirs, counting from
 * then), at least the starting bid.
 */
function preBid(book: AuctionBook, buyerId: string, maxMinor: number): BidAnswer {
  const { startingMinor } = book.terms;
  if (maxMinor < startingMinor) return { outcome: 'too_low', minimumMinor: startingMinor };
  const own = book.preBids.find((b) => b.buyerId === buyerId);
  if (own && maxMinor <= own.maxMinor)
    return { outcome: 'too_low', minimumMinor: own.maxMinor + 1 };
  book.seq += 1;
  // a raised maximum counts from when it was raised: an equal one placed before it comes first
  book.preBids = book.preBids.filter((b) => b.buyerId !== buyerId);
  book.preBids.push({ buyerId, maxMinor, seq: book.seq });
  // what the buyer would have if it started now (pre-bids are placed in their order at the start)
  let lead: Lead | null = null;
  for (const b of book.preBids) {
    const outcome = placeBid(book.terms.increments, startingMinor, lead, b);
    if (outcome.accepted) lead = outcome.lead;
  }
  return {
    outcome: lead?.leader.buyerId === buyerId ? 'leading' : 'outbid',
    priceMinor: lead?.priceMinor ?? startingMinor,
    leaderId: lead?.leader.buyerId ?? buyerId,
    endsAt: null,
    bids: 0,
    displacedId: null,
  };
}
