import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createClient, type LiveShopClient, type Room } from '../client-sdk/src/index.js';
import { signToken, type Claims } from '../server/auth.js';
import { eventually, eventuallyAsync } from './helpers/events.js';
import { MERCHANT_SECRET, startMerchant } from './helpers/merchant.js';
import { useServerProcesses, type ServerProcess } from './helpers/process.js';
import { SNEAKER } from './helpers/products.js';
import { TEST_SECRET } from './helpers/server.js';

const start = useServerProcesses();
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const task of cleanups.splice(0).reverse()) await task();
});

const token = (claims: Claims) => signToken(claims, TEST_SECRET, { ttlSeconds: 600 });

async function client(server: ServerProcess, claims: Claims): Promise<LiveShopClient> {
  const c = createClient({
    url: server.url,
    token: await token(claims),
    transports: ['websocket'],
    requestTimeoutMs: 5000,
    socketOptions: { reconnection: false },
  });
  cleanups.push(() => c.close());
  await new Promise<void>((resolve, reject) => {
    c.once('connected', () => resolve());
    c.once('error', reject);
  });
  return c;
}

const QUANTITY = 20;
const BUYERS = 30;

describe('the embedded engine, durable by default', () => {
  it('loses no confirmed order, hold or room to kill -9: listed after the restart, resumable, and every order reaches the merchant', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'liveshop-data-'));
    cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
    // the merchant is down while the drop sells: every order waits in the outbox
    const down = await startMerchant(MERCHANT_SECRET, (t) => cleanups.push(t));
    await down.close();
    const env = {
      EMBEDDED_STORAGE: 'file',
      DATA_DIR: dataDir,
      MERCHANT_WEBHOOK_URL: down.url,
      MERCHANT_WEBHOOK_SECRET: MERCHANT_SECRET,
      MERCHANT_WEBHOOK_MAX_BACKOFF_MS: '300',
      CLAIM_RATE_BURST: '100',
      CLAIM_RATE_PER_SECOND: '100',
    };
    const first = await start(env);
    const host = await client(first, { sub: 'hana', role: 'host' });
    await host.createStream('show', { title: 'Show' });
    const hosting = await host.join('show');
    await hosting.products.upsert(SNEAKER);
    await hosting.drops.create({
      dropId: 'kill-drop',
      productId: SNEAKER.id,
      quantity: QUANTITY,
      durationSeconds: 600,
      holdSeconds: 120,
    });
    // the room's log survives too: a resume from before this message gets it back
    const before = { epoch: hosting.state.epoch, seq: hosting.state.seq };
    await hosting.chat.send('before the crash');
    const rooms: Room[] = [];
    for (let i = 0; i < BUYERS; i++)
      rooms.push(await (await client(first, { sub: `b${i}` })).join('show'));
    const confirmed = new Set<string>();
    const heldOnly: { buyer: number; holdId: string }[] = [];
    await Promise.all(
      rooms.map(async (room, i) => {
        const claim = await room.drops.claim('kill-drop');
        if (claim.outcome !== 'held') return;
        // a few keep their hold without checking out (yet)
        if (i % 5 === 0) {
          heldOnly.push({ buyer: i, holdId: claim.holdId });
          return;
        }
        const order = await room.drops.checkout('kill-drop', claim.holdId);
        if (order.outcome === 'ordered') confirmed.add(order.orderId);
      }),
    );
    expect(confirmed.size).toBeGreaterThan(0);
    expect(confirmed.size + heldOnly.length).toBe(QUANTITY);

    first.child.kill('SIGKILL');
    await first.exited;

    // back, with the merchant up on the same port
    const merchant = await startMerchant(
      MERCHANT_SECRET,
      (t) => cleanups.push(t),
      () => 200,
      down.port,
    );
    const second = await start(env);
    const admin = { authorization: `Bearer ${await token({ sub: 'shop', role: 'admin' })}` };
    const listed = (await (
      await fetch(`${second.url}/v1/drops/kill-drop/orders`, { headers: admin })
    ).json()) as { ok: boolean; orders: { orderId: string }[] };
    expect(listed.ok).toBe(true);
    expect(new Set(listed.orders.map((o) => o.orderId))).toEqual(confirmed);
    // every confirmed order reaches the merchant, signed (at least once; by id, once)
    await eventually(() => {
      const ids = new Set(
        merchant.received
          .filter((r) => r.valid && r.event.type === 'order.created')
          .map((r) => String(r.event.data.orderId)),
      );
      return [...confirmed].every((id) => ids.has(id));
    }, 20_000);
    // the room is there, with its chat; a client resuming from before the crash gets what it missed
    const viewer = await client(second, { sub: 'late-viewer' });
    const resumed = await viewer.request('room:join', {
      roomId: 'show',
      resume: { epoch: before.epoch, lastSeq: before.seq },
    });
    expect(resumed.recovered).toBe(true);
    if (resumed.recovered)
      expect(resumed.missed).toContainEqual(
        expect.objectContaining({ type: 'chat:message', text: 'before the crash' }),
      );
    const fresh = await viewer.join('show');
    expect(fresh.state.chat.map((m) => m.text)).toContain('before the crash');
    expect(fresh.state.products.map((p) => p.id)).toEqual([SNEAKER.id]);
    expect(fresh.state.drops.map((d) => d.dropId)).toEqual(['kill-drop']);
    // a hold given before the crash is honoured after it
    const late = heldOnly[0];
    if (late) {
      const buyer = await (await client(second, { sub: `b${late.buyer}` })).join('show');
      await eventuallyAsync(
        async () => (await buyer.drops.checkout('kill-drop', late.holdId)).outcome === 'ordered',
      );
    }
    const after = (await (
      await fetch(`${second.url}/v1/drops/kill-drop/orders`, { headers: admin })
    ).json()) as { orders: unknown[] };
    expect(after.orders.length).toBe(confirmed.size + (late ? 1 : 0));
    expect(after.orders.length).toBeLessThanOrEqual(QUANTITY);
  }, 60_000);
});
