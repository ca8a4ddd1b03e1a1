import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { drop } from '../../../test/contracts/inventory.contract.js';
import { usePostgres } from '../../../test/helpers/postgres.js';
import { OrderJournal, type JournalEntry } from './order-journal.js';

const postgres = usePostgres();
const journals: OrderJournal[] = [];
afterAll(async () => {
  for (const journal of journals.splice(0)) await journal.close();
});
const open = () => {
  const journal = new OrderJournal({
    url: postgres.url,
    schema: postgres.schema(),
    logger: pino({ level: 'silent' }),
  });
  journals.push(journal);
  return journal;
};
const order = (n: number, orderId: string, holdId: string, epoch = 0): JournalEntry => ({
  n,
  epoch,
  type: 'order.created',
  at: 1000 + n,
  orderId,
  holdId,
  buyerId: `buyer-of-${holdId}`,
});

describe('the order journal', () => {
  it('takes one drop per id: a second create of it is refused; a settled one is kept under another name when its id is used again', async () => {
    const journal = open();
    expect(await journal.created(drop('d1', { nonce: 'aaaa' }), 0)).toBe(true);
    // the same create again (a retry) is the same drop; another create of the id is not
    expect(await journal.created(drop('d1', { nonce: 'aaaa' }), 0)).toBe(true);
    expect(await journal.created(drop('d1', { nonce: 'bbbb' }), 0)).toBe(false);
    expect(await journal.append('d1', [order(1, 'o1', 'h1')])).toEqual(['ok']);
    await journal.settled('d1');
    expect(await journal.created(drop('d1', { nonce: 'bbbb' }), 0)).toBe(true);
    expect((await journal.definition('d1'))?.nonce).toBe('bbbb');
    expect(await journal.orders('d1')).toEqual([]);
    expect((await journal.orders('d1#aaaa'))?.map((o) => o.orderId)).toEqual(['o1']);
    // the new drop's entries start at 1 again without meeting the old ones
    expect(await journal.append('d1', [order(1, 'o1', 'h9')])).toEqual(['ok']);
  });

  it('refuses what only a Redis that lost data would write: a second order for a hold, an order id twice, a place taken, a sale past the quantity', async () => {
    const journal = open();
    await journal.created(drop('d2', { quantity: 2 }), 0);
    expect(await journal.append('d2', [order(1, 'o1', 'h1')])).toEqual(['ok']);
    // the same entry again (a retry, or the relay after the checkout) is fine
    expect(await journal.append('d2', [order(1, 'o1', 'h1')])).toEqual(['ok']);
    expect(
      await journal.append('d2', [
        order(2, 'o2', 'h1'), // the hold already has an order
        order(3, 'o1', 'h3'), // the order id is another hold's
        { n: 1, epoch: 0, type: 'drop.state', at: 5, state: 'live' }, // the place is taken
        order(4, 'o4', 'h4'),
        order(5, 'o5', 'h5'), // past the quantity of 2
        order(6, 'o6', 'h6', 1), // an epoch the drop is not in
      ]),
    ).toEqual(['stale', 'stale', 'stale', 'ok', 'stale', 'stale']);
    expect((await journal.orders('d2'))?.map((o) => o.orderId)).toEqual(['o1', 'o4']);
    expect(await journal.orderOfHold('d2', 'h1')).toEqual({
      orderId: 'o1',
      buyerId: 'buyer-of-h1',
    });
  });
});
