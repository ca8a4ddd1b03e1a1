import type {
  CancelResult,
  CheckoutResult,
  ClaimResult,
  DropState,
  DropStock,
  HoldStatus,
  Order,
} from '../client-sdk/src/protocol/index.js';

/** A drop as the inventory holds it: fixed once created. */
export interface DropDefinition {
  id: string;
  roomId: string;
  productId: string;
  quantity: number;
  /** Units one buyer may hold or have bought at once. */
  perBuyerCap: number;
  startsAt: number;
  endsAt: number;
  /** How long a claim holds its unit before it returns to stock. */
  holdMs: number;
}

/** One hold, for audits and tests. */
export interface HoldRecord {
  holdId: string;
  buyerId: string;
  expiresAt: number;
  status: HoldStatus;
  orderId: string | null;
}

/**
 * Stock, holds and orders of drops, shared by every node. Every operation is atomic and first
 * expires the holds whose time ran out at `now` (each returns its unit exactly once), so
 * `remaining + held + sold === quantity` holds at every step. Claims and checkouts take a key:
 * the same key always gets the same answer, however often and wherever it is retried.
 */
export interface InventoryPort {
  /** Creates a drop unless one with this id exists. */
  createDrop(drop: DropDefinition): Promise<{ created: boolean }>;
  /** The drops of a room (for snapshots), by start time, then id. */
  dropsOf(roomId: string): Promise<DropDefinition[]>;
  /** Checks the state, the buyer's cap and the stock, then holds one unit until now + holdMs. */
  claim(dropId: string, buyerId: string, key: string, now: number): Promise<ClaimResult>;
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
}

/** The state of a drop at `now`, from its stock. */
export function dropState(
  drop: Pick<DropDefinition, 'startsAt' | 'endsAt'>,
  remaining: number,
  now: number,
): DropState {
  if (now >= drop.endsAt) return 'ended';
  if (now < drop.startsAt) return 'scheduled';
  return remaining > 0 ? 'live' : 'sold_out';
}
