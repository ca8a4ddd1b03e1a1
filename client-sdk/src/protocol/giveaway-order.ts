/*
 * How two states of one giveaway compare, without the schema library: the SDK's fold uses it at
 * run time (giveaways.ts holds the schemas).
 */

/** What the order of a giveaway's states reads (a `GiveawayState` has it). */
export interface GiveawayProgress {
  phase: 'scheduled' | 'open' | 'closed' | 'drawn';
  version: number;
  entries: number;
  prizes: readonly { claimed: boolean }[];
}

const PHASE_RANK: Record<GiveawayProgress['phase'], number> = {
  scheduled: 0,
  open: 1,
  closed: 2,
  drawn: 3,
};

const claimed = (g: GiveawayProgress) => g.prizes.filter((p) => p.claimed).length;

/**
 * Orders two states of one giveaway: positive when `a` is newer. They only move forward (phase,
 * draws, entries, claims), so a client keeps the newer of any two, whatever order they arrive in.
 */
export function compareGiveawayStates(a: GiveawayProgress, b: GiveawayProgress): number {
  return (
    PHASE_RANK[a.phase] - PHASE_RANK[b.phase] ||
    a.version - b.version ||
    a.entries - b.entries ||
    claimed(a) - claimed(b)
  );
}
