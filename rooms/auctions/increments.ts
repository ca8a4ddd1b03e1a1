/**
 * Auctions' bid increments and max (proxy) bids: pure decisions, shared by both engines (the
 * Redis engine's Lua twin must agree with these at every boundary).
 */

/** From `fromMinor` on (minor units), a bid must top the leading one by at least `incrementMinor`. */
export interface IncrementStep {
  fromMinor: number;
  incrementMinor: number;
}

/**
 * Whatnot's table in minor units: from $1 +$1, from $30 +$2, from $50 +$3, from $100 +$5, from
 * $300 +$10, from $1,000 +$20, from $2,000 +$50 (below $1, +$1 too).
 */
export const DEFAULT_INCREMENTS: readonly IncrementStep[] = [
  { fromMinor: 0, incrementMinor: 100 },
  { fromMinor: 3_000, incrementMinor: 200 },
  { fromMinor: 5_000, incrementMinor: 300 },
  { fromMinor: 10_000, incrementMinor: 500 },
  { fromMinor: 30_000, incrementMinor: 1_000 },
  { fromMinor: 100_000, incrementMinor: 2_000 },
  { fromMinor: 200_000, incrementMinor: 5_000 },
];

/**
 * Whether a table can be used: it starts at 0, its steps rise strictly, and every increment is a
 * positive whole number of minor units.
 */
export function validIncrements(table: readonly IncrementStep[]): boolean {
  if (table[0]?.fromMinor !== 0) return false;
  return table.every(
    (step, i) =>
      Number.isSafeInteger(step.incrementMinor) &&
      step.incrementMinor > 0 &&
      Number.isSafeInteger(step.fromMinor) &&
      (i === 0 || step.fromMinor > (table[i - 1]?.fromMinor ?? 0)),
  );
}

/** Amounts are whole minor units, never negative: anything else is a caller's bug (its error). */
export function amountError(amountMinor: number): RangeError | null {
  if (Number.isSafeInteger(amountMinor) && amountMinor >= 0) return null;
  return new RangeError(`not an amount in minor units: ${amountMinor}`);
}

/** The increment over a leading bid of `amountMinor`: the last step it has reached. */
export function incrementAt(table: readonly IncrementStep[], amountMinor: number): number {
  let increment = table[0]?.incrementMinor ?? 1;
  for (const step of table) {
    if (step.fromMinor > amountMinor) break;
    increment = step.incrementMinor;
  }
  return increment;
}

/** The least valid bid: the starting bid with no leader, else the leading bid plus its increment. */
export function nextValidBid(
  table: readonly IncrementStep[],
  startingMinor: number,
  leadingMinor: number | null,
): number {
  return leadingMinor === null ? startingMinor : leadingMinor + incrementAt(table, leadingMinor);
}

/** A buyer's maximum, and its place in the auction's order of arrival (earlier wins ties). */
export interface MaxBid {
  buyerId: string;
  maxMinor: number;
  /** The auction's own sequence number of the bid that set this maximum. */
  seq: number;
}

/** Who leads and at what price: the leader's maximum stays secret, the price is public. */
export interface Lead {
  leader: MaxBid;
  priceMinor: number;
}

export type ProxyOutcome =
  { accepted: true; lead: Lead; outbid: MaxBid | null } | { accepted: false; minimumMinor: number };

/**
 * A new bid of up to `incoming.maxMinor` (a plain bid is a maximum equal to its amount) against
 * the lead. The server bids for each buyer one increment at a time, never above their maximum:
 * the higher maximum leads at the lower maximum plus one increment (capped at its own maximum),
 * an equal maximum leaves the earlier bid leading, and a bid under the next valid amount is
 * refused with that amount. A leader raising their own maximum keeps the price.
 */
export function placeBid(
  table: readonly IncrementStep[],
  startingMinor: number,
  lead: Lead | null,
  incoming: MaxBid,
): ProxyOutcome {
  if (!lead) {
    if (incoming.maxMinor < startingMinor) return { accepted: false, minimumMinor: startingMinor };
    return { accepted: true, lead: { leader: incoming, priceMinor: startingMinor }, outbid: null };
  }
  const { leader, priceMinor } = lead;
  const minimumMinor = nextValidBid(table, startingMinor, priceMinor);
  if (incoming.buyerId === leader.buyerId) {
    // the leader's own new maximum: it must still be a valid bid, and it moves nothing public
    if (incoming.maxMinor < Math.max(minimumMinor, leader.maxMinor + 1))
      return { accepted: false, minimumMinor: Math.max(minimumMinor, leader.maxMinor + 1) };
    return {
      accepted: true,
      lead: { leader: { ...incoming, seq: leader.seq }, priceMinor },
      outbid: null,
    };
  }
  if (incoming.maxMinor < minimumMinor) return { accepted: false, minimumMinor };
  if (incoming.maxMinor > leader.maxMinor) {
    const price = Math.min(
      incoming.maxMinor,
      leader.maxMinor + incrementAt(table, leader.maxMinor),
    );
    return {
      accepted: true,
      lead: { leader: incoming, priceMinor: Math.max(minimumMinor, price) },
      outbid: leader,
    };
  }
  // the leader's maximum answers: it bids one increment over the challenger, up to its maximum
  const price = Math.min(
    leader.maxMinor,
    incoming.maxMinor + incrementAt(table, incoming.maxMinor),
  );
  return { accepted: true, lead: { leader, priceMinor: price }, outbid: incoming };
}
