import { afterEach, describe, expect, it } from 'vitest';
import type { Room } from '../client-sdk/src/index.js';
import { eventually, eventuallyAsync } from './helpers/events.js';
import { MERCHANT_SECRET, startMerchant } from './helpers/merchant.js';
import { SNEAKER } from './helpers/products.js';
import { useRedis } from './helpers/redis.js';
import { startNodes, useServers, type TestServer } from './helpers/server.js';

/** A counter summed over the nodes' metrics, for one label's value. */
async function counted(
  nodes: TestServer[],
  metric: 'eventsIn' | 'webhookPosts',
  label: 'outcome',
  value: string,
): Promise<number> {
  let total = 0;
  for (const node of nodes) {
    const { values } = await node.app.metrics[metric].get();
    for (const v of values) if (v.labels[label] === value) total += v.value;
  }
  return total;
}
/** Requests the nodes refused as UNAVAILABLE (Redis away). */
const unavailable = (nodes: TestServer[]) => counted(nodes, 'eventsIn', 'outcome', 'UNAVAILABLE');
/** Posts to the merchant's webhook that failed, on any node. */
const failedPosts = (nodes: TestServer[]) => counted(nodes, 'webhookPosts', 'outcome', 'failed');

const redis = useRedis();
const start = useServers();
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const task of cleanups.splice(0).reverse()) await task();
});

const SECRET = MERCHANT_SECRET;
const QUANTITY = 30;
const BUYERS = 60;

describe('a drop while Redis restarts', () => {
  it('oversells nothing, loses no confirmed order, and the merchant gets every order, signed, once it is back', async () => {
    // the merchant's endpoint is down at first: nothing listens on its port
    const down = await startMerchant(SECRET, (t) => cleanups.push(t));
    await down.close();
    const nodes = await startNodes(start, redis, 2, {
      MERCHANT_WEBHOOK_URL: down.url,
      MERCHANT_WEBHOOK_SECRET: SECRET,
      MERCHANT_WEBHOOK_MAX_BACKOFF_MS: '300',
      CLAIM_RATE_BURST: '100',
      CLAIM_RATE_PER_SECOND: '100',
    });
    const host = await nodes[0]!.client({ sub: 'hana', role: 'host' });
    await host.createStream('show', { title: 'Show' });
    const hosting = await host.join('show');
    await hosting.products.upsert(SNEAKER);
    await hosting.drops.create({
      dropId: 'restart-drop',
      productId: SNEAKER.id,
      quantity: QUANTITY,
      durationSeconds: 600,
      holdSeconds: 60,
    });
    const buyers: Room[] = [];
    for (let i = 0; i < BUYERS; i++) {
      const buyer = await nodes[i % 2]!.client({ sub: `buyer${i}` });
      buyers.push(await buyer.join('show'));
    }

    // buyers claim and check out before, during and after an outage of Redis: a third shop while
    // it runs, a third start once it is down (Redis comes back when the nodes have refused some of
    // their requests as UNAVAILABLE, which the SDK retries), and the rest once it is back
    const confirmed = new Map<string, string>();
    const failures: string[] = [];
    const shop = async (buyer: Room, i: number) => {
      try {
        const claim = await buyer.drops.claim('restart-drop');
        if (claim.outcome !== 'held') return;
        const order = await buyer.drops.checkout('restart-drop', claim.holdId);
        if (order.outcome === 'ordered') confirmed.set(order.orderId, `buyer${i}`);
      } catch (error) {
        failures.push(String(error));
      }
    };
    const third = BUYERS / 3;
    const phase = (from: number) =>
      Promise.all(buyers.slice(from, from + third).map((b, i) => shop(b, from + i)));
    await phase(0);
    await redis.stop();
    const during = phase(third);
    await eventuallyAsync(async () => (await unavailable(nodes)) >= 3, 20_000);
    await redis.start();
    await Promise.all([during, phase(2 * third)]);
    // the outage fell in the middle of the shopping: requests were refused, and retried
    expect(await unavailable(nodes)).toBeGreaterThanOrEqual(3);

    // no oversell, and every confirmed order is in the books
    const inventory = nodes[1]!.app.internals.engine.inventory;
    const stock = await inventory.stock('restart-drop', Date.now());
    expect(stock).toBeDefined();
    expect(stock!.remaining + stock!.held + stock!.sold).toBe(QUANTITY);
    const orders = await inventory.orders('restart-drop');
    expect(orders).toHaveLength(stock!.sold);
    expect(new Set(orders.map((o) => o.holdId)).size).toBe(orders.length);
    for (const [orderId, buyer] of confirmed)
      expect(orders.find((o) => o.orderId === orderId)?.buyerId).toBe(buyer);
    // every unit was sold, and each buyer heard of their order
    expect(stock).toMatchObject({ sold: QUANTITY, held: 0, remaining: 0 });
    expect(confirmed.size).toBe(QUANTITY);
    // the SDK rode out the outage: every buyer got an answer
    expect(failures).toEqual([]);

    // the merchant comes back after its sender has failed to reach it, on the same port, and gets
    // every order, signed
    await eventuallyAsync(async () => (await failedPosts(nodes)) > 0, 20_000);
    const shop_ = await startMerchant(
      SECRET,
      (t) => cleanups.push(t),
      () => 200,
      down.port,
    );
    const ordersReceived = () =>
      new Set(
        shop_.received
          .filter((r) => r.event.type === 'order.created')
          .map((r) => String(r.event.data.orderId)),
      );
    await eventually(() => orders.every((o) => ordersReceived().has(o.orderId)), 20_000);
    expect(shop_.received.every((r) => r.valid)).toBe(true);
    // a redelivery carries the same id and the same event
    const byId = new Map<string, string>();
    for (const r of shop_.received) {
      const body = JSON.stringify(r.event);
      expect(byId.get(r.id) ?? body).toBe(body);
      byId.set(r.id, body);
    }
  });
});
