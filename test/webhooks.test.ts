import { createHmac } from 'node:crypto';
import { pino } from 'pino';
import { Webhook } from 'standardwebhooks';
import { afterEach, describe, expect, it } from 'vitest';
import type { MerchantOutboxPort } from '../rooms/index.js';
import { MemoryMerchantOutbox } from '../server/engines/memory/index.js';
import { createRedisEngine } from '../server/engines/redis/index.js';
import { signWebhook, verifyWebhook, WebhookSender } from '../server/webhooks.js';
import { eventually, eventuallyAsync } from './helpers/events.js';
import { useRedis } from './helpers/redis.js';
import { MERCHANT_SECRET, startMerchant } from './helpers/merchant.js';
import { useServers } from './helpers/server.js';

const SECRET = MERCHANT_SECRET;
const redis = useRedis();
const start = useServers();
const cleanups: (() => unknown)[] = [];
let made = 0;
afterEach(async () => {
  for (const task of cleanups.splice(0).reverse()) await task();
});

const merchant = (status?: () => number, port = 0) =>
  startMerchant(SECRET, (task) => cleanups.push(task), status, port);

function sender(outbox: MerchantOutboxPort, url: string, name = 'node1') {
  const s = new WebhookSender(
    outbox,
    {
      url,
      secret: SECRET,
      sender: name,
      pollMs: 20,
      minBackoffMs: 20,
      maxBackoffMs: 100,
      leaseMs: 200,
    },
    pino({ level: 'silent' }),
  );
  s.start();
  cleanups.push(() => s.stop());
  return s;
}

describe('merchant webhooks', () => {
  it('signs as Standard Webhooks do: id, timestamp and body, verifiable with the standard library', () => {
    const body = '{"id":"evt-1","type":"order.created"}';
    const now = Math.floor(Date.now() / 1000);
    const headers = signWebhook(SECRET, 'evt-1', now, body);
    expect(headers).toEqual({
      'webhook-id': 'evt-1',
      'webhook-timestamp': String(now),
      'webhook-signature': expect.stringMatching(/^v1,[A-Za-z0-9+/]{43}=$/) as unknown,
    });
    // the HMAC-SHA256 of "<id>.<timestamp>.<body>" with the secret's base64 key
    const key = Buffer.from(SECRET.slice('whsec_'.length), 'base64');
    const mac = createHmac('sha256', key).update(`evt-1.${now}.${body}`).digest('base64');
    expect(headers['webhook-signature']).toBe(`v1,${mac}`);
    // a merchant using the standard library accepts it...
    expect(new Webhook(SECRET).verify(body, { ...headers })).toEqual(JSON.parse(body));
    expect(verifyWebhook(SECRET, headers, body)).toBe(true);
    // ...and refuses another id, body or secret, and a replay of a delivery signed a year ago
    const yearAgo = signWebhook(SECRET, 'evt-1', now - 365 * 86_400, body);
    const otherSecret = `whsec_${Buffer.alloc(32, 1).toString('base64')}`;
    for (const [h, b, secret] of [
      [{ ...headers, 'webhook-id': 'evt-2' }, body, SECRET],
      [headers, `${body} `, SECRET],
      [headers, body, otherSecret],
      [yearAgo, body, SECRET],
    ] as const) {
      expect(verifyWebhook(secret, h, b)).toBe(false);
      expect(() => new Webhook(secret).verify(b, { ...h })).toThrow();
    }
    // the tolerance is five minutes by default, either way, and can be set
    const sixMinutes = signWebhook(SECRET, 'evt-1', now - 360, body);
    expect(verifyWebhook(SECRET, sixMinutes, body)).toBe(false);
    expect(verifyWebhook(SECRET, signWebhook(SECRET, 'evt-1', now + 360, body), body)).toBe(false);
    expect(verifyWebhook(SECRET, sixMinutes, body, { toleranceSeconds: 600 })).toBe(true);
    // several signatures (a rotated secret) are space separated; any valid one will do
    const both = `v1,${Buffer.alloc(32).toString('base64')} ${headers['webhook-signature']}`;
    expect(verifyWebhook(SECRET, { ...headers, 'webhook-signature': both }, body)).toBe(true);
  });

  /** Appends an event with a fresh id and returns it. */
  const add = async (
    outbox: MerchantOutboxPort,
    type: string,
    data: Record<string, unknown>,
    at: number,
  ) => {
    const event = { id: `evt-${++made}`, type, at, data };
    await outbox.append(event, Date.now());
    return event;
  };

  it('posts every event in order with a valid signature, and confirms each once delivered', async () => {
    const outbox = new MemoryMerchantOutbox();
    const shop = await merchant();
    const events = [];
    for (let i = 1; i <= 5; i++)
      events.push(await add(outbox, 'order.created', { orderId: `o${i}` }, i));
    sender(outbox, shop.url);
    await eventually(() => shop.received.length === 5);
    expect(shop.received.map((r) => r.id)).toEqual(events.map((e) => e.id));
    expect(shop.received.every((r) => r.valid)).toBe(true);
    expect(shop.received[0]?.event).toEqual(events[0]);
    await eventuallyAsync(async () => (await outbox.take('probe', 10, 0)).length === 0);
  });

  it('retries with backoff until the merchant answers 2xx, with the same event id', async () => {
    const outbox = new MemoryMerchantOutbox();
    let refusals = 3;
    const shop = await merchant(() => (refusals-- > 0 ? 503 : 200));
    const event = await add(outbox, 'drop.state', { state: 'sold_out' }, 10);
    sender(outbox, shop.url);
    await eventually(() => shop.received.length === 1);
    expect(refusals).toBeLessThan(0);
    expect(shop.received).toEqual([{ id: event.id, valid: true, event }]);
  });

  it('on Redis: resumes what was undelivered after the merchant was down and the node restarted', async () => {
    const engine = createRedisEngine({
      url: redis.url,
      keyPrefix: redis.prefix(),
      historyLength: 100,
      logger: pino({ level: 'silent' }),
    });
    cleanups.push(() => engine.close());
    await engine.ready();
    const outbox = engine.merchantOutbox;
    // the merchant is down: nothing listens on its port yet
    const down = await merchant();
    await down.close();
    const events = [];
    for (let i = 1; i <= 3; i++)
      events.push(await add(outbox, 'order.created', { orderId: `o${i}` }, i));
    const first = sender(outbox, down.url, 'node1');
    // node1 has taken them (and fails to post them); then it stops, as a restarting node would
    await eventuallyAsync(async () => (await outbox.take('node1', 10, 60_000)).length === 3);
    await first.stop();
    events.push(await add(outbox, 'order.created', { orderId: 'o4' }, 4));
    // the merchant comes back on the same port; node1, restarted, resumes what it left
    const shop = await merchant(() => 200, down.port);
    sender(outbox, shop.url, 'node1');
    await eventually(() => shop.received.length >= 4, 10_000);
    expect([...new Set(shop.received.map((r) => r.id))].sort()).toEqual(
      events.map((e) => e.id).sort(),
    );
    expect(shop.received.every((r) => r.valid)).toBe(true);
  });

  it('a server with MERCHANT_WEBHOOK_URL posts what its engine records', async () => {
    const shop = await merchant();
    const server = await start({ MERCHANT_WEBHOOK_URL: shop.url, MERCHANT_WEBHOOK_SECRET: SECRET });
    const event = await add(
      server.app.internals.engine.merchantOutbox,
      'order.created',
      { orderId: 'o9' },
      Date.now(),
    );
    await eventually(() => shop.received.length === 1);
    expect(shop.received).toEqual([{ id: event.id, valid: true, event }]);
  });
});
