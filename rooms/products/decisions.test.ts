import { describe, expect, it } from 'vitest';
import {
  MAX_PINNED_PRODUCTS,
  MAX_PRODUCTS,
  type Product,
} from '../../client-sdk/src/protocol/index.js';
import type { ControlState } from '../model/control.js';
import { initialControl } from '../model/room-state.js';
import { newStream } from '../stream/decisions.js';
import { pinProduct, removeProduct, unpinProduct, upsertProduct } from './decisions.js';

const product = (n: number, price = 1000): Product => ({
  id: `p${n}`,
  title: `Product ${n}`,
  price: { amountMinor: price, currency: 'USD' },
  imageUrl: null,
  sku: `SKU-${n}`,
});

const listing = (n: number, pinned: string[] = []): ControlState => ({
  ...initialControl(newStream({ title: 'S' }, 'h')),
  products: Array.from({ length: n }, (_, i) => product(i + 1)),
  pinnedProducts: pinned,
});

describe('product decisions', () => {
  it('lists a new product, changes a listed one, and ignores an identical one', () => {
    expect(upsertProduct('r', listing(0), product(1))).toEqual({
      type: 'product:updated',
      roomId: 'r',
      product: product(1),
    });
    expect(upsertProduct('r', listing(1), product(1))).toBeNull();
    expect(upsertProduct('r', listing(1), product(1, 900))).toMatchObject({
      product: { price: { amountMinor: 900 } },
    });
  });

  it('refuses a new product over the limit but still changes a listed one', () => {
    const full = listing(MAX_PRODUCTS);
    expect(() => upsertProduct('r', full, product(MAX_PRODUCTS + 1))).toThrow(
      expect.objectContaining({ code: 'PRODUCT_LIMIT' }),
    );
    expect(upsertProduct('r', full, product(1, 5))).not.toBeNull();
  });

  it('removes only what is listed', () => {
    expect(removeProduct('r', listing(1), 'p1')).toEqual({
      type: 'product:removed',
      roomId: 'r',
      productId: 'p1',
    });
    expect(removeProduct('r', listing(1), 'p2')).toBeNull();
  });

  it('pins listed products up to the limit, once each', () => {
    const pinned = Array.from({ length: MAX_PINNED_PRODUCTS }, (_, i) => `p${i + 1}`);
    const full = listing(MAX_PINNED_PRODUCTS + 1, pinned);
    expect(pinProduct('r', listing(2), 'p2')).toEqual({
      type: 'product:pinned',
      roomId: 'r',
      productId: 'p2',
    });
    expect(pinProduct('r', full, 'p1')).toBeNull();
    expect(() => pinProduct('r', full, `p${MAX_PINNED_PRODUCTS + 1}`)).toThrow(
      expect.objectContaining({ code: 'PIN_LIMIT' }),
    );
    expect(() => pinProduct('r', full, 'nope')).toThrow(
      expect.objectContaining({ code: 'PRODUCT_NOT_FOUND' }),
    );
    expect(unpinProduct('r', full, 'p1')).toMatchObject({ type: 'product:unpinned' });
    expect(unpinProduct('r', listing(1), 'p1')).toBeNull();
  });
});
