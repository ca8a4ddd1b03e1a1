import type { DropState, DropStock } from '../../client-sdk/src/protocol/index.js';
import type { ControlState } from '../model/control.js';
import type { DropDefinition } from '../ports/inventory.js';
import { productNotFound } from '../products/decisions.js';

/**
 * Drops' pure decisions: a drop's state by the clock, what a new drop copies from the stream,
 * whether a buyer may claim yet, and when a stock change goes out. (The inventory port decides
 * stock, holds and orders atomically; these are the parts a room decides on its own.)
 */

/**
 * The state of a drop at `now`, from its stock: live from `startsAt` on and ended from `endsAt` on
 * (so a drop with startsAt === endsAt is never live), sold out in its window once `remaining` is
 * 0. Its twin in Lua is `stateOf` in server/engines/redis/inventory-scripts.ts, which must agree
 * at every boundary: change one, change the other.
 */
export function dropState(
  drop: Pick<DropDefinition, 'startsAt' | 'endsAt'>,
  remaining: number,
  now: number,
): DropState {
  if (now >= drop.endsAt) return 'ended';
  if (now < drop.startsAt) return 'scheduled';
  return remaining > 0 ? 'live' : 'sold_out';
}

export { isReservedDrop } from '../../client-sdk/src/protocol/index.js';

/** A new drop's fields as the host gives them: a product of the stream by id. */
export type DropFields = Omit<
  DropDefinition,
  'roomId' | 'product' | 'seed' | 'seedHash' | 'nonce'
> & {
  productId: string;
};

/** The random parts of a new drop, drawn by the room. */
export interface DropSecrets {
  /** Lottery drops: the draw's secret seed (and its hash, shown until the draw reveals it). */
  seed: string | null;
  seedHash: string | null;
  nonce: string;
}

/**
 * The definition of a new drop: it copies the listed product, price included, so its orders are
 * sold at the price of its creation. Refused when the stream does not list the product.
 */
export function defineDrop(
  s: Pick<ControlState, 'products'>,
  roomId: string,
  fields: DropFields,
  secrets: DropSecrets,
): DropDefinition {
  const { productId, ...rest } = fields;
  const product = s.products.find((p) => p.id === productId);
  if (!product) throw productNotFound(productId);
  return { ...rest, product: structuredClone(product), roomId, ...secrets };
}

/**
 * When a buyer who arrived at `arrivedAt` may claim a drop with a minimum presence; null when the
 * claim counts now (no minimum, or the time has come). Unknown arrival counts from now.
 */
export function eligibleAt(
  drop: Pick<DropDefinition, 'minPresenceMs'>,
  arrivedAt: number | undefined,
  now: number,
): number | null {
  if (drop.minPresenceMs <= 0) return null;
  const at = (arrivedAt ?? now) + drop.minPresenceMs;
  return at > now ? at : null;
}

/**
 * What to do with a drop's fresh stock, given the last one sent at `sentAt`: nothing when the
 * figures are the same; at once on a change of state (or a lottery drawn); else after `wait` ms,
 * so a selling drop's figures go out at most every `intervalMs`.
 */
export function stockNews(
  last: DropStock | undefined,
  stock: DropStock,
  sentAt: number,
  now: number,
  intervalMs: number,
): { send: 'no' } | { send: 'now' } | { send: 'later'; wait: number } {
  const same =
    last?.state === stock.state &&
    last.remaining === stock.remaining &&
    last.held === stock.held &&
    last.sold === stock.sold &&
    last.lottery?.entries === stock.lottery?.entries &&
    last.lottery?.drawn === stock.lottery?.drawn;
  if (same) return { send: 'no' };
  const wait = sentAt + intervalMs - now;
  const sameState = last?.state === stock.state && last.lottery?.drawn === stock.lottery?.drawn;
  return sameState && wait > 0 ? { send: 'later', wait } : { send: 'now' };
}
