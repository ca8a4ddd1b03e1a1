import {
  MAX_PINNED_PRODUCTS,
  MAX_PRODUCTS,
  type Product,
} from '../../client-sdk/src/protocol/index.js';
import { CodedError } from '../../client-sdk/src/protocol/index.js';
import type { ControlState } from '../model/control.js';
import type { Decision } from '../model/decision.js';

/**
 * A stream's product list, as control decisions: each returns the event to append, `null` when the
 * room already is as asked, or throws a coded error. The room appends them like any control change,
 * so every node agrees on the list and every change goes out on the control lane.
 */

const same = (a: Product, b: Product): boolean => JSON.stringify(a) === JSON.stringify(b);

export function upsertProduct(roomId: string, s: ControlState, product: Product): Decision {
  const current = s.products.find((p) => p.id === product.id);
  if (current && same(current, product)) return null;
  if (!current && s.products.length >= MAX_PRODUCTS)
    throw new CodedError('PRODUCT_LIMIT', `A stream lists at most ${MAX_PRODUCTS} products`);
  return { type: 'product:updated', roomId, product };
}

export function removeProduct(roomId: string, s: ControlState, productId: string): Decision {
  return s.products.some((p) => p.id === productId)
    ? { type: 'product:removed', roomId, productId }
    : null;
}

export function pinProduct(roomId: string, s: ControlState, productId: string): Decision {
  if (!s.products.some((p) => p.id === productId)) throw productNotFound(productId);
  if (s.pinnedProducts.includes(productId)) return null;
  if (s.pinnedProducts.length >= MAX_PINNED_PRODUCTS)
    throw new CodedError(
      'PIN_LIMIT',
      `At most ${MAX_PINNED_PRODUCTS} products can be pinned; unpin one first`,
    );
  return { type: 'product:pinned', roomId, productId };
}

export function unpinProduct(roomId: string, s: ControlState, productId: string): Decision {
  return s.pinnedProducts.includes(productId)
    ? { type: 'product:unpinned', roomId, productId }
    : null;
}

export const productNotFound = (productId: string): CodedError =>
  new CodedError('PRODUCT_NOT_FOUND', `The stream lists no product ${productId}`);
