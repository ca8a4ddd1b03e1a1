import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  CodedError,
  type CheckoutResult,
  type ClaimResult,
  type LiveShopClient,
  type Order,
  type Room,
} from '../client-sdk/src/index.js';
import { signToken, type Claims } from '../server/auth.js';
import { appClient } from './helpers/clients.js';
import { eventually, until } from './helpers/events.js';
import { restartablePort } from './helpers/network.js';
import { MERCHANT_SECRET, startMerchant, type Received } from './helpers/merchant.js';
import { useServerProcesses } from './helpers/process.js';
import { SNEAKER } from './helpers/products.js';
import { TEST_SECRET } from './helpers/server.js';

const start = useServerProcesses();
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const task of cleanups.splice(0).reverse()) await task();
});

const QUANTITY = 100;
const BUYERS = 200;
/** Buyers who claim before the burst and check out only after the restart. */
const KEEPERS = 5;
/** The kill lands once this many buyers have seen their order confirmed. */
const KILL_AFTER = 20;
const DROP = 'kill-drop';
/** A deadline only there to fail with a clear message instead of hanging. */
const PATIENCE_MS = 60_000;

const token = (claims: Claims) => signToken(claims, TEST_SECRET, { ttlSeconds: 600 });

const connect = (url: string, claims: Claims) =>
  appClient(url, claims, (task) => cleanups.push(task));

/** What one buyer saw: every answer, and what its connection did once the server was killed. */
interface Buyer {
  id: string;
  client: LiveShopClient;
  room: Room;
  claims: ClaimResult[];
  checkouts: CheckoutResult[];
  /** Retryable errors the SDK gave up with (the buyer then asks again, as an app would). */
  gaveUp: string[];
  /** After the kill: how the room came back (`room:resumed` = recovered: true, `room:snapshot` = recovered: false). */
  rejoins: ('recovered' | 'not recovered')[];
  /** After the kill: every error the client reported. */
  errors: string[];
  /** The claim answered limit_reached after the SDK gave up: a hold this buyer never saw. */
  unseenHold: boolean;
}

describe('the embedded engine, durable by default', () => {
  it('kill -9 mid-burst (200 buyers, 100 units), restart on the same DATA_DIR and port: every confirmed order listed and delivered to the merchant once per event id, nothing sold twice, every client back', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'liveshop-data-'));
    cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
    // the merchant's receiver is down across the kill: nothing listens on its port until after the restart
    const merchantPort = await restartablePort();
    const port = await restartablePort();
    const url = `http://127.0.0.1:${port}`;
    const env = {
      PORT: String(port),
      EMBEDDED_STORAGE: 'file',
      DATA_DIR: dataDir,
      MERCHANT_WEBHOOK_URL: `http://127.0.0.1:${merchantPort}/hooks`,
      MERCHANT_WEBHOOK_SECRET: MERCHANT_SECRET,
      MERCHANT_WEBHOOK_MAX_BACKOFF_MS: '300',
      CLAIM_RATE_BURST: '100',
      CLAIM_RATE_PER_SECOND: '100',
    };
    const first = await start(env);
    const host = await connect(url, { sub: 'hana', role: 'host' });
    await host.createStream('show', { title: 'Show' });
    const hosting = await host.join('show');
    await hosting.products.upsert(SNEAKER);
    await hosting.drops.create({
      dropId: DROP,
      productId: SNEAKER.id,
      quantity: QUANTITY,
      durationSeconds: 600,
      holdSeconds: 600,
    });
    const hostRejoins: string[] = [];
    hosting.on('room:resumed', () => hostRejoins.push('recovered'));
    hosting.on('room:snapshot', () => hostRejoins.push('not recovered'));
    // the room's log survives too: a resume from before this message gets it back
    const before = { epoch: hosting.state.epoch, seq: hosting.state.seq };
    await hosting.chat.send('before the crash');

    let killed = false;
    const buyers: Buyer[] = await Promise.all(
      Array.from({ length: BUYERS }, async (_, i) => {
        const id = `b${i}`;
        const client = await connect(url, { sub: id });
        const room = await client.join('show');
        const buyer: Buyer = {
          id,
          client,
          room,
          claims: [],
          checkouts: [],
          gaveUp: [],
          rejoins: [],
          errors: [],
          unseenHold: false,
        };
        room.on('room:resumed', () => killed && buyer.rejoins.push('recovered'));
        room.on('room:snapshot', () => killed && buyer.rejoins.push('not recovered'));
        client.on('error', (e) => killed && buyer.errors.push(`${e.code}: ${e.message}`));
        return buyer;
      }),
    );

    /** Asks until an answer comes: the SDK retries with the same key, then gives up; asked again once connected. */
    async function persist<T>(buyer: Buyer, ask: () => Promise<T>): Promise<T> {
      for (;;) {
        try {
          return await ask();
        } catch (error) {
          if (!(error instanceof CodedError) || !error.retryable) throw error;
          buyer.gaveUp.push(error.code);
          await until(buyer.client, 'connected', () => buyer.client.connected, PATIENCE_MS);
        }
      }
    }
    async function claim(buyer: Buyer): Promise<string | null> {
      const result = await persist(buyer, () => buyer.room.drops.claim(DROP));
      buyer.claims.push(result);
      // a claim whose answer was lost, asked again with a new key: its hold exists, unseen
      if (result.outcome === 'limit_reached' && buyer.gaveUp.length > 0) buyer.unseenHold = true;
      return result.outcome === 'held' ? result.holdId : null;
    }
    const confirmed = new Map<string, { buyer: string; holdId: string }>();
    /** Checks out the same hold until an answer: a retry after the restart gets the same order. */
    async function checkout(buyer: Buyer, holdId: string): Promise<void> {
      const result = await persist(buyer, () => buyer.room.drops.checkout(DROP, holdId));
      buyer.checkouts.push(result);
      if (result.outcome === 'ordered')
        confirmed.set(result.orderId, { buyer: buyer.id, holdId: result.holdId });
    }

    const keepers: { buyer: Buyer; holdId: string }[] = [];
    for (const buyer of buyers.slice(0, KEEPERS)) {
      const holdId = await claim(buyer);
      if (holdId) keepers.push({ buyer, holdId });
    }
    expect(keepers).toHaveLength(KEEPERS);

    // the burst: every other buyer claims, then checks out, all at once; the kill lands mid-burst
    /** Buyers waiting for the answer to their claim, and to their checkout. */
    let claiming = 0;
    let checkingOut = 0;
    let atKill = { at: 0, confirmed: 0, claiming: 0, checkingOut: 0 };
    const confirmedBeforeKill = new Set<string>();
    const killNow = () => {
      if (killed || confirmed.size < KILL_AFTER) return;
      killed = true;
      atKill = { at: Date.now(), confirmed: confirmed.size, claiming, checkingOut };
      for (const id of confirmed.keys()) confirmedBeforeKill.add(id);
      first.child.kill('SIGKILL');
    };
    const burst = Promise.all(
      buyers.slice(KEEPERS).map(async (buyer) => {
        claiming++;
        const holdId = await claim(buyer).finally(() => claiming--);
        if (!holdId) return;
        checkingOut++;
        await checkout(buyer, holdId).finally(() => checkingOut--);
        killNow();
      }),
    );
    await eventually(() => killed, PATIENCE_MS);
    expect(await first.exited).toBe('SIGKILL');
    // the kill landed mid-burst: buyers were still waiting for answers
    expect(atKill.confirmed).toBeGreaterThanOrEqual(KILL_AFTER);
    expect(atKill.claiming + atKill.checkingOut).toBeGreaterThan(0);

    // back on the same DATA_DIR and port: the clients reconnect to the URL they know
    const second = await start(env);
    expect(second.port).toBe(port);
    const admin = { authorization: `Bearer ${await token({ sub: 'shop', role: 'admin' })}` };
    const listOrders = async () => {
      const response = await fetch(`${url}/v1/drops/${DROP}/orders`, { headers: admin });
      const body = (await response.json()) as { ok: boolean; orders: Order[] };
      expect(body.ok).toBe(true);
      return body.orders;
    };
    // every order confirmed before the kill is on disk when the new process starts
    const atRestart = new Set((await listOrders()).map((o) => o.orderId));
    for (const id of confirmedBeforeKill) expect(atRestart.has(id), id).toBe(true);
    const merchant = await startMerchant(
      MERCHANT_SECRET,
      (t) => cleanups.push(t),
      () => 200,
      merchantPort,
    );

    // every buyer finishes: what was in flight at the kill is answered by the new process
    await burst;
    // a hold given before the crash is honoured after it
    for (const { buyer, holdId } of keepers) await checkout(buyer, holdId);

    // every client came back by itself and re-joined: resumed (recovered: true) or a snapshot
    // (recovered: false), never an error
    await eventually(
      () =>
        host.connected &&
        hostRejoins.length > 0 &&
        buyers.every((b) => b.client.connected && (b.rejoins.length > 0 || b.errors.length > 0)),
      PATIENCE_MS,
    );
    expect(buyers.filter((b) => b.errors.length > 0).map((b) => [b.id, b.errors])).toEqual([]);
    for (const b of buyers) expect(b.room.joined).toBe(true);

    // what each buyer saw: one definitive claim answer; a hold always became one order
    const held = buyers.filter((b) => b.claims.some((c) => c.outcome === 'held'));
    for (const b of buyers) {
      expect(b.claims.filter((c) => c.outcome === 'held').length).toBeLessThanOrEqual(1);
      for (const c of b.claims) expect(['held', 'sold_out', 'limit_reached']).toContain(c.outcome);
      // limit_reached only for a buyer whose earlier claim went unanswered
      if (b.claims.some((c) => c.outcome === 'limit_reached')) expect(b.unseenHold).toBe(true);
    }
    for (const b of held) {
      expect(b.checkouts.map((c) => c.outcome)).toEqual(['ordered']);
    }

    // no unit sold twice: the listing is what the buyers were told, one order per hold and buyer
    const orders = await listOrders();
    expect(orders.length).toBeLessThanOrEqual(QUANTITY);
    expect(new Set(orders.map((o) => o.orderId)).size).toBe(orders.length);
    expect(new Set(orders.map((o) => o.holdId)).size).toBe(orders.length);
    expect(new Set(orders.map((o) => o.buyerId)).size).toBe(orders.length);
    expect(new Set(orders.map((o) => o.orderId))).toEqual(new Set(confirmed.keys()));
    for (const o of orders)
      expect(confirmed.get(o.orderId)).toEqual({ buyer: o.buyerId, holdId: o.holdId });
    expect(orders.length).toBe(held.length);
    // the stock adds up: sold are the orders, held are the holds no buyer ever saw
    const unseen = buyers.filter((b) => b.unseenHold).length;
    const viewer = await connect(url, { sub: 'late-viewer' });
    const fresh = await viewer.join('show');
    const stock = fresh.state.drops.find((d) => d.dropId === DROP);
    expect(stock).toMatchObject({ sold: orders.length, held: unseen, remaining: 0 });

    // the merchant gets every confirmed order: each delivery signed, one event id per order, and
    // every delivery of an id the same event (so deduping by id leaves each event once)
    await eventually(() => {
      const delivered = new Set(
        merchant.received
          .filter((r) => r.event.type === 'order.created')
          .map((r) => String(r.event.data.orderId)),
      );
      return [...confirmed.keys()].every((id) => delivered.has(id));
    }, PATIENCE_MS);
    const byId = new Map<string, Received[]>();
    for (const r of merchant.received) byId.set(r.id, [...(byId.get(r.id) ?? []), r]);
    for (const [id, deliveries] of byId) {
      for (const r of deliveries) {
        expect(r.valid).toBe(true);
        expect(r.event.id).toBe(id);
        expect(JSON.stringify(r.event)).toBe(JSON.stringify(deliveries[0]?.event));
      }
    }
    const idsPerOrder = new Map<string, Set<string>>();
    for (const r of merchant.received.filter((r) => r.event.type === 'order.created')) {
      const orderId = String(r.event.data.orderId);
      idsPerOrder.set(orderId, (idsPerOrder.get(orderId) ?? new Set()).add(r.id));
    }
    for (const [orderId, ids] of idsPerOrder) {
      expect(ids.size, orderId).toBe(1);
      expect(confirmed.has(orderId), orderId).toBe(true);
    }
    const duplicates = merchant.received.length - byId.size;

    // the room is there, with its chat; a client resuming from before the crash gets what it missed
    const resumed = await viewer.request('room:join', {
      roomId: 'show',
      resume: { epoch: before.epoch, lastSeq: before.seq },
    });
    expect(resumed.recovered).toBe(true);
    if (resumed.recovered)
      expect(resumed.missed).toContainEqual(
        expect.objectContaining({ type: 'chat:message', text: 'before the crash' }),
      );
    expect(fresh.state.chat.map((m) => m.text)).toContain('before the crash');
    expect(fresh.state.products.map((p) => p.id)).toEqual([SNEAKER.id]);
    expect(fresh.state.drops.map((d) => d.dropId)).toEqual([DROP]);
    // the re-joined rooms are live again: the same epoch, and the next message reaches every buyer
    await hosting.chat.send('after the crash');
    await eventually(
      () =>
        buyers.every(
          (b) =>
            b.room.state.epoch === fresh.state.epoch &&
            b.room.state.chat.some((m) => m.text === 'after the crash'),
        ),
      PATIENCE_MS,
    );

    const rejoins = buyers.flatMap((b) => b.rejoins);
    const keeperIds = new Set(keepers.map((k) => k.buyer.id));
    console.log(
      JSON.stringify({
        atKill,
        ordersOnDiskAtRestart: atRestart.size,
        burstOrdersCommittedAfterKill: orders.filter(
          (o) => o.at > atKill.at && !keeperIds.has(o.buyerId),
        ).length,
        ordersListed: orders.length,
        confirmedAfterKill: confirmed.size - confirmedBeforeKill.size,
        soldOut: buyers.filter((b) => b.claims.some((c) => c.outcome === 'sold_out')).length,
        unseenHolds: unseen,
        sdkGaveUp: buyers.reduce((n, b) => n + b.gaveUp.length, 0),
        rejoinsRecovered: rejoins.filter((r) => r === 'recovered').length,
        rejoinsNotRecovered: rejoins.filter((r) => r === 'not recovered').length,
        webhookDeliveries: merchant.received.length,
        webhookEventIds: byId.size,
        duplicateDeliveries: duplicates,
      }),
    );
  }, 120_000);
});
