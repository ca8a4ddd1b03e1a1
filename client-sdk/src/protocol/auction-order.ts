/*
 * How two states of one auction compare, without the schema library: the SDK's fold uses it at
 * run time (auctions.ts holds the schemas).
 */
/** What the order of an auction's states reads (an `AuctionState` has it). */
export interface AuctionProgress {
  phase: 'scheduled' | 'live' | 'sold' | 'unsold';
  bids: number;
  settled: boolean;
}

const PHASE_RANK: Record<AuctionProgress['phase'], number> = {
  scheduled: 0,
  live: 1,
  sold: 2,
  unsold: 2,
};

/**
 * Orders two states of one auction: positive when `a` is newer. States only move forward (phase,
 * then bids, then settlement), so a client keeps the newer of any two it receives, whatever order
 * they arrive in.
 */
export function compareAuctionStates(a: AuctionProgress, b: AuctionProgress): number {
  return (
    PHASE_RANK[a.phase] - PHASE_RANK[b.phase] ||
    a.bids - b.bids ||
    Number(a.settled) - Number(b.settled)
  );
}
