import { describe, expect, it } from 'vitest';
import type { MerchantOutboxPort } from '../../rooms/index.js';
import { eventuallyAsync } from '../helpers/events.js';

/**
 * What every merchant outbox must guarantee, memory or Redis. `fresh()` gives an empty outbox
 * (shared by every sender that uses it).
 */
export function merchantOutboxContract(
  name: string,
  fresh: () => Promise<MerchantOutboxPort>,
): void {
  describe(`merchant outbox contract: ${name}`, () => {
    it('hands out events oldest first until their delivery is confirmed', async () => {
      const outbox = await fresh();
      const first = { id: 'd1:1', type: 'order.created', at: 1000, data: { orderId: 'o1' } };
      const second = { id: 'd1:2', type: 'drop.state', at: 1001, data: { state: 'live' } };
      expect(await outbox.append(first, 5000)).toEqual({ appended: true });
      expect(await outbox.append(second, 5000)).toEqual({ appended: true });
      // an id seen lately is not appended again (a second relay of the same change)
      expect(await outbox.append({ ...first, at: 9 }, 6000)).toEqual({ appended: false });
      expect(await outbox.take('a', 1, 60_000)).toEqual([first]);
      // unconfirmed: the same sender gets it again (after its restart too), with the same id
      expect(await outbox.take('a', 10, 60_000)).toEqual([first, second]);
      // another sender does not get what a living sender holds
      expect(await outbox.take('b', 10, 60_000)).toEqual([]);
      await outbox.delivered(first.id);
      expect(await outbox.take('a', 10, 60_000)).toEqual([second]);
      await outbox.delivered(second.id);
      expect(await outbox.take('a', 10, 60_000)).toEqual([]);
      expect(await outbox.recent(10)).toEqual([first, second]);
      expect(await outbox.recent(1)).toEqual([second]);
    });

    it('gives the events a silent sender left to another after the reclaim time', async () => {
      const outbox = await fresh();
      const event = { id: 'd2:1', type: 'order.created', at: 2000, data: { orderId: 'o2' } };
      await outbox.append(event, 2000);
      expect(await outbox.take('dead', 10, 50)).toEqual([event]);
      await eventuallyAsync(async () => (await outbox.take('alive', 10, 50)).length === 1);
      await outbox.delivered(event.id);
      expect(await outbox.take('dead', 10, 50)).toEqual([]);
      expect(await outbox.take('alive', 10, 50)).toEqual([]);
    });
  });
}
