import type {
  CancelResult,
  CheckoutResult,
  ClaimResult,
  DropMode,
  DropState,
  DropStock,
  HoldStatus,
  Order,
  Product,
} from '../../client-sdk/src/protocol/index.js';
import type { RateRule } from './rate-limits.js';

/** A drop as the inventory holds it: fixed once created. */
export interface DropDefinition {
  id: string;
  roomId: string;
  /** The drop's own copy of the product, price included: what every order of it is sold at. */
  product: Product;
  quantity: number;
  /** Units one buyer may hold or have bought at once. */
  perBuyerCap: number;
  startsAt: number;
  endsAt: number;
  /** How long a claim holds its unit before it returns to stock. */
  holdMs: number;
  /** Anti-scalping: how long a buyer must have been in the room before a claim counts (0: off). */
  minPresenceMs: number;
  mode: DropMode;
  /** Random, fixed at creation: keeps order and event ids unique if the drop id is used again. */
  nonce: string;
  /** Lottery drops: the secret seed of the draw (revealed once drawn), and its published hash. */
  seed: string | null;
  seedHash: string | null;
}

/** A lottery drop's entries and, once drawn, its winners' holds. */
export interface LotteryBook {
  /** Every entry: its ticket and buyer. */
  entries: { ticket: string; buyerId: string }[];
  /** Once drawn: each winning ticket's hold. */
  winners: Map<string, string> | null;
}

/** How a claim is taken: a lottery entry's ticket, and the buyer's claim rate on this drop. */
export interface ClaimOptions {
  ticket?: string | undefined;
  rate?: RateRule | undefined;
}

/** A claim's answer, or a refusal by the buyer's claim rate (a retryable error for the client). */
export type ClaimAnswer = ClaimResult | { outcome: 'rate_limited'; retryAfterMs: number };

/** One hold, for audits and tests. */
export interface HoldRecord {
  holdId: string;
  buyerId: string;
  expiresAt: number;
  status: HoldStatus;
  orderId: string | null;
}

/**
 * An entry of a drop's own durable log, written in the same atomic step as the change it records
 * (so no order or change of state can be committed without it). `n` counts from 1 per drop.
 */
export type DropLogEntry =
  | { n: number; epoch?: number; type: 'drop.state'; at: number; state: DropState }
  | {
      n: number;
      /** The drop's epoch when written: how often it had been restored from an order journal. */
      epoch?: number;
      type: 'order.created';
      at: number;
      orderId: string;
      holdId: string;
      buyerId: string;
    };

/** What a drop's log holds beyond what was relayed to the merchant. */
export interface Unrelayed {
  drop: DropDefinition;
  /** The next entries not yet relayed, oldest first. */
  entries: DropLogEntry[];
  /**
   * The drop has ended, holds no unit and `entries` are the last it will ever write: once they are
   * relayed, it can leave the open list.
   */
  settled: boolean;
  /** The outbox these entries go to (Redis with the order journal: its generation), if it has one. */
  generation?: string | undefined;
}

/**
 * Stock, holds and orders of drops, shared by every node. Every operation is atomic and first
 * expires the holds whose time ran out at `now` (each returns its unit exactly once), so
 * `remaining + held + sold === quantity` holds at every step. Claims and checkouts take a key:
 * the same key always gets the same answer, however often and wherever it is retried.
 */
export interface InventoryPort {
  /** Creates a drop unless one with this id exists; its log starts with its state at `now`. */
  createDrop(drop: DropDefinition, now: number): Promise<{ created: boolean }>;
  /** The drops of a room (for snapshots), by start time, then id. */
  dropsOf(roomId: string): Promise<DropDefinition[]>;
  /**
   * Checks the state, the buyer's cap and the stock, then holds one unit until now + holdMs. In a
   * lottery drop, enters the buyer (once) with `ticket` instead. With `rate`, each buyer's claims
   * on this drop are limited by a token bucket: over it, the claim is refused and not stored (a
   * key answered before still gets its answer).
   */
  claim(
    dropId: string,
    buyerId: string,
    key: string,
    now: number,
    options?: ClaimOptions,
  ): Promise<ClaimAnswer>;
  /** The answer a claim with this key got, if one was made (for a retry refused before the claim). */
  claimed(dropId: string, buyerId: string, key: string): Promise<ClaimResult | undefined>;
  /** Turns the buyer's active hold into an order, once. */
  checkout(
    dropId: string,
    holdId: string,
    buyerId: string,
    key: string,
    now: number,
  ): Promise<CheckoutResult>;
  /** Releases the buyer's active hold: its unit returns to stock. */
  cancel(dropId: string, holdId: string, buyerId: string, now: number): Promise<CancelResult>;
  /** Where the drop's stock stands at `now`; undefined for an unknown drop. */
  stock(dropId: string, now: number): Promise<DropStock | undefined>;
  /** A hold as recorded; undefined for an unknown one. */
  hold(dropId: string, holdId: string): Promise<HoldRecord | undefined>;
  /** The drop's orders, oldest first. */
  orders(dropId: string): Promise<Order[]>;
  /** A lottery drop's entries and winners; undefined for an unknown drop. */
  lottery(dropId: string): Promise<LotteryBook | undefined>;
  /**
   * Commits a lottery's draw, once (a later draw changes nothing): each winning ticket's buyer
   * gets a hold until now + holdMs, while units remain. The draw was computed from `entries`
   * entries; false when the drop has another count by now (an entry came in late: draw again).
   * Once drawn, no more entries are taken.
   */
  draw(dropId: string, winners: readonly string[], entries: number, now: number): Promise<boolean>;
  /**
   * Drops whose logs may hold entries not yet relayed, with when each was listed (a drop is listed
   * just before it is created, so a listed id may have no drop for a moment).
   */
  openDrops(): Promise<{ dropId: string; since: number }[]>;
  /**
   * Up to `limit` log entries after the last relayed one, once the clock's changes of state at
   * `now` are logged; undefined for an unknown drop.
   */
  unrelayed(dropId: string, now: number, limit: number): Promise<Unrelayed | undefined>;
  /** Marks the entries up to `n` relayed (never moves back). */
  markRelayed(dropId: string, n: number): Promise<void>;
  /**
   * Takes a settled drop off the open list. The Redis engine keeps its books 30 days more, then
   * lets them expire; the embedded engine keeps them for the life of the process.
   */
  closeRelay(dropId: string): Promise<void>;
}
