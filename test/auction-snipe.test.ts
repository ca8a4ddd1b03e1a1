import { afterEach, describe, expect, it } from 'vitest';
import {
  createClient,
  type AuctionState,
  type LiveShopClient,
  type Room,
} from '../client-sdk/src/index.js';
import { signToken, type Claims } from '../server/auth.js';
import { startBalancer } from '../server/cluster/balancer.js';
import { nextEvent, until } from './helpers/events.js';
import { nodeEnv, useServerProcesses } from './helpers/process.js';
import { SNEAKER } from './helpers/products.js';
import { useRedis } from './helpers/redis.js';
import { TEST_SECRET } from './helpers/server.js';

const redis = useRedis();
const startProcess = useServerProcesses();
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const task of cleanups.splice(0).reverse()) await task();
});

const BIDDERS = 2_000;

async function client(url: string, claims: Claims): Promise<LiveShopClient> {
  const c = createClient({
    url,
    token: await signToken(claims, TEST_SECRET, { ttlSeconds: 600 }),
    transports: ['websocket'],
    requestTimeoutMs: 5000,
    socketOptions: { reconnectionDelay: 100, reconnectionDelayMax: 1000 },
  });
  cleanups.push(() => c.close());
  await nextEvent(c, 'connected', undefined, 30_000);
  return c;
}

/** Runs `task` over `items`, `lanes` at a time. */
async function inLanes<T, R>(items: T[], lanes: number, task: (item: T) => Promise<R>) {
  const out: R[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: lanes }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await task(items[i] as T);
      }
    }),
  );
  return out;
}

describe('sniping an auction: three server processes on one Redis', () => {
  it('2,000 bidders snipe the last second of a 15-second sudden-death auction while a node is SIGKILLed: every bid answered, one winner, the highest maximum, every view the same', async () => {
    const prefix = redis.prefix();
    const env = (i: number) => nodeEnv(redis, prefix, i);
    const servers = await Promise.all([0, 1, 2].map((i) => startProcess(env(i))));
    const balancer = await startBalancer(servers.map((s) => s.port));
    cleanups.push(() => balancer.close());

    const hostClient = await client(servers[0]!.url, { sub: 'hana', role: 'host' });
    await hostClient.createStream('show', { title: 'Sniping' });
    const host = await hostClient.join('show');
    await host.products.upsert(SNEAKER);
    // through the balancer, in turn: a third of the bidders on each node
    const rooms: Room[] = await inLanes(
      Array.from({ length: BIDDERS }, (_, i) => i),
      50,
      async (i) => (await client(balancer.url, { sub: `b${i}`, name: `Bidder ${i}` })).join('show'),
    );

    const { auction } = await host.auctions.create({
      auctionId: 'grail',
      productId: SNEAKER.id,
      startingMinor: 1_000,
      durationSeconds: 15,
      suddenDeath: true,
      start: true,
    });
    const endsAt = auction.endsAt ?? 0;
    expect(endsAt - (auction.startedAt ?? 0)).toBe(15_000);
    // in the last second (some a little after the end: refused), every bidder bids once: half a
    // secret maximum (all different), half a plain bid at the least amount they see taken then
    type Answer = Awaited<ReturnType<Room['auctions']['maxBid']>> | { error: string };
    const maxes: number[] = [];
    const answers: Promise<Answer>[] = rooms.map((room, i) => {
      const at = endsAt - 1_000 + Math.floor(Math.random() * 1_100);
      return new Promise<void>((resolve) =>
        setTimeout(resolve, Math.max(0, at - hostClient.serverNow())),
      ).then(() => {
        const seen = room.state.auctions[0]?.minimumMinor ?? 1_000;
        maxes[i] = i % 2 === 0 ? 50_000 + ((i * 7_919) % BIDDERS) * 10 : seen;
        return room.auctions
          .maxBid('grail', maxes[i])
          .catch((error: unknown) => ({ error: String(error) }));
      });
    });
    // mid-snipe, the node holding a third of the bidders dies: their bids in flight are retried
    // through the balancer with the same keys, on the nodes left
    await new Promise((resolve) =>
      setTimeout(resolve, Math.max(0, endsAt - 500 - hostClient.serverNow())),
    );
    servers[1]!.child.kill('SIGKILL');
    const settled = await Promise.all(answers);
    expect(await servers[1]!.exited).toBe('SIGKILL');

    const errors = settled.filter((a): a is { error: string } => 'error' in a);
    expect(errors).toEqual([]);
    const outcomeOf = (a: Answer) => ('outcome' in a ? a.outcome : 'error');
    const count = (outcome: string) => settled.filter((a) => outcomeOf(a) === outcome).length;
    const accepted = settled.flatMap((a, i) =>
      outcomeOf(a) === 'leading' || outcomeOf(a) === 'outbid' ? [i] : [],
    );
    expect(count('too_low') + accepted.length + count('not_live')).toBe(BIDDERS);
    expect(accepted.length).toBeGreaterThan(0);
    expect(count('not_live')).toBeGreaterThan(0);
    // the winner has the highest maximum taken (equal ones go to the earlier), the price is at
    // most theirs and at least every other maximum taken
    const maxOf = (i: number) => maxes[i] ?? 0;
    const ranked = [...accepted].sort((x, y) => maxOf(y) - maxOf(x));
    const top = maxOf(ranked[0] ?? -1);
    const runnerUp = maxOf(ranked[1] ?? -1);
    const views = [host, ...rooms];
    for (const view of views)
      await until(view, 'auction:update', () => view.state.auctions[0]?.settled === true, 30_000);
    const final: AuctionState | undefined = host.state.auctions[0];
    expect(final).toMatchObject({ phase: 'sold', settled: true, bids: accepted.length });
    const winnerId = final?.leader?.id ?? '';
    const winner = Number(winnerId.slice(1));
    expect(accepted).toContain(winner);
    expect(maxOf(winner)).toBe(top);
    expect(final?.settlement?.winnerId).toBe(winnerId);
    const price = final?.priceMinor ?? 0;
    expect(price).toBeLessThanOrEqual(top);
    expect(price).toBeGreaterThanOrEqual(runnerUp);
    // a refused bid was below the least amount taken then, and that never went down
    for (const [i, a] of settled.entries()) {
      if ('outcome' in a && a.outcome === 'too_low') {
        expect(maxOf(i)).toBeLessThan(a.minimumMinor);
        expect(a.minimumMinor).toBeLessThanOrEqual(final?.minimumMinor ?? 0);
      }
      if ('outcome' in a && a.outcome === 'not_live') expect(a.phase).toBe('sold');
    }
    for (const view of views) expect(view.state.auctions[0]).toEqual(final);

    // exactly one auction.settled for the merchant, with the winner's hold
    const token = await signToken({ sub: 'ops', role: 'admin' }, TEST_SECRET, { ttlSeconds: 60 });
    const listing = await fetch(`${servers[0]!.url}/v1/merchant/events?limit=100`, {
      headers: { authorization: `Bearer ${token}` },
    });
    const { events } = (await listing.json()) as {
      events: { type: string; data: Record<string, unknown> }[];
    };
    const sold = events.filter((e) => e.type === 'auction.settled');
    expect(sold).toHaveLength(1);
    expect(sold[0]?.data).toMatchObject({
      auctionId: 'grail',
      winnerId,
      price: { amountMinor: price },
      holdId: final?.settlement?.holdId,
    });
  }, 120_000);
});
