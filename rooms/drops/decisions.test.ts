import { describe, expect, it } from 'vitest';
import type { DropStock } from '../../client-sdk/src/protocol/index.js';
import { defineDrop, dropState, eligibleAt, stockNews } from './decisions.js';

const window = { startsAt: 1000, endsAt: 2000 };

const stock = (changes: Partial<DropStock> = {}): DropStock => ({
  dropId: 'd1',
  productId: 'p1',
  state: 'live',
  quantity: 10,
  remaining: 5,
  held: 3,
  sold: 2,
  startsAt: 1000,
  endsAt: 2000,
  mode: 'first_come',
  lottery: null,
  ...changes,
});

describe('drop decisions', () => {
  it('a drop is scheduled before its start, live while stock remains, ended from its end on', () => {
    expect(dropState(window, 5, 999)).toBe('scheduled');
    expect(dropState(window, 5, 1000)).toBe('live');
    expect(dropState(window, 0, 1000)).toBe('sold_out');
    expect(dropState(window, 5, 1999)).toBe('live');
    expect(dropState(window, 5, 2000)).toBe('ended');
    expect(dropState(window, 0, 2000)).toBe('ended');
  });

  it('a new drop copies the listed product, and refuses one the stream does not list', () => {
    const product = {
      id: 'p1',
      title: 'Mug',
      price: { amountMinor: 500, currency: 'EUR' },
      imageUrl: null,
      sku: 'M-1',
    };
    const fields = {
      id: 'd1',
      productId: 'p1',
      quantity: 10,
      perBuyerCap: 1,
      startsAt: 1000,
      endsAt: 2000,
      holdMs: 60_000,
      minPresenceMs: 0,
      mode: 'first_come' as const,
    };
    const secrets = { seed: null, seedHash: null, nonce: 'ab12cd34' };
    const drop = defineDrop({ products: [product] }, 'r', fields, secrets);
    expect(drop).toMatchObject({ id: 'd1', roomId: 'r', product, nonce: 'ab12cd34', seed: null });
    expect(drop).not.toHaveProperty('productId');
    product.price.amountMinor = 1; // a later price change is not the drop's
    expect(drop.product.price.amountMinor).toBe(500);
    expect(() => defineDrop({ products: [] }, 'r', fields, secrets)).toThrow(
      expect.objectContaining({ code: 'PRODUCT_NOT_FOUND' }),
    );
  });

  it('a minimum presence makes a newcomer wait, counting from arrival (or from now if unknown)', () => {
    expect(eligibleAt({ minPresenceMs: 0 }, undefined, 500)).toBeNull();
    expect(eligibleAt({ minPresenceMs: 60_000 }, 1000, 30_000)).toBe(61_000);
    expect(eligibleAt({ minPresenceMs: 60_000 }, 1000, 61_000)).toBeNull();
    expect(eligibleAt({ minPresenceMs: 60_000 }, undefined, 5000)).toBe(65_000);
  });

  it('stock goes out at once on a change of state, coalesced within the interval otherwise', () => {
    const first = stock();
    expect(stockNews(undefined, first, 0, 1000, 100)).toEqual({ send: 'now' });
    expect(stockNews(first, stock(), 1000, 1010, 100)).toEqual({ send: 'no' });
    expect(stockNews(first, stock({ remaining: 4, held: 4 }), 1000, 1010, 100)).toEqual({
      send: 'later',
      wait: 90,
    });
    expect(stockNews(first, stock({ remaining: 4, held: 4 }), 1000, 1100, 100)).toEqual({
      send: 'now',
    });
    expect(stockNews(first, stock({ state: 'sold_out', remaining: 0 }), 1000, 1010, 100)).toEqual({
      send: 'now',
    });
    const entering = stock({
      mode: 'lottery',
      lottery: { seedHash: 'h', entries: 3, drawn: false, seed: null },
    });
    const drawn = stock({
      mode: 'lottery',
      lottery: { seedHash: 'h', entries: 3, drawn: true, seed: 's' },
    });
    expect(stockNews(entering, drawn, 1000, 1010, 100)).toEqual({ send: 'now' });
  });
});
