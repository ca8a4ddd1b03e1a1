import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { createClient, type LiveShopClient, type Room } from '../client-sdk/src/index.js';
import { signToken, type Claims } from '../server/auth.js';
import { startBalancer, type Balancer } from '../server/cluster/balancer.js';
import { collect, eventuallyAsync, nextEvent, until } from './helpers/events.js';
import { nodeEnv, useServerProcesses } from './helpers/process.js';
import { useRedis } from './helpers/redis.js';
import { TEST_SECRET } from './helpers/server.js';

const redis = useRedis();
const startProcess = useServerProcesses();
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const task of cleanups.splice(0).reverse()) await task();
});

async function client(url: string, claims: Claims): Promise<LiveShopClient> {
  const c = createClient({
    url,
    token: await signToken(claims, TEST_SECRET, { ttlSeconds: 600 }),
    transports: ['websocket'],
    requestTimeoutMs: 5000,
    socketOptions: { reconnectionDelay: 50, reconnectionDelayMax: 300 },
  });
  cleanups.push(() => c.close());
  await nextEvent(c, 'connected');
  return c;
}

describe('three server processes on one Redis', () => {
  it('lose nothing when a node is killed with SIGKILL (its clients resume elsewhere, its viewers stop counting) or when Redis restarts mid-chat', async () => {
    const prefix = redis.prefix();
    const env = (i: number) =>
      nodeEnv(redis, prefix, i, {
        PRESENCE_TTL_MS: '1500',
        VIEWER_COUNT_INTERVAL_MS: '100',
        CHAT_RATE_BURST: '1000',
        CHAT_RATE_PER_SECOND: '1000',
        CHAT_BUDGET_PER_TICK: '1000',
      });
    const servers = await Promise.all([0, 1, 2].map((i) => startProcess(env(i))));
    const balancer: Balancer = await startBalancer(servers.map((s) => s.port));
    cleanups.push(() => balancer.close());

    const hostClient = await client(servers[0]!.url, { sub: 'hana', role: 'host' });
    await hostClient.createStream('show', { title: 'Show' });
    const host = await hostClient.join('show');
    const counts = collect<{ count: number }>(host, 'room:viewers');
    // through the balancer, in turn: viewers 0 and 3 on node 0, 1 and 4 on node 1, 2 and 5 on node 2
    const viewers: Room[] = [];
    for (let i = 0; i < 6; i++) {
      const viewer = await client(balancer.url, { sub: `v${i}` });
      viewers.push(await viewer.join('show'));
    }
    const received = viewers.map((v) => collect<{ text: string; seq: number }>(v, 'chat:message'));
    await until(host, 'room:viewers', () => counts.at(-1)?.count === 7);

    // two senders: the host on node 0, and viewer 1, who is on the node that will be killed
    const acked: string[] = [];
    let sending = true;
    const chat = async (sender: Room, name: string) => {
      for (let i = 0; sending; i++) {
        await sender.chat.send(`${name}${i}`);
        acked.push(`${name}${i}`);
      }
    };
    const chatters = Promise.all([chat(host, 'h'), chat(viewers[1]!, 'v')]);
    chatters.catch(() => undefined); // awaited below; a failure fails the test there
    await until(viewers[1]!, 'chat:message', () => received[1]!.length >= 40);
    const resumed = [viewers[1]!, viewers[4]!].map((v) =>
      nextEvent(v, 'room:resumed', undefined, 10_000),
    );
    servers[1]!.child.kill('SIGKILL');
    await servers[1]!.exited;
    await Promise.all(resumed);
    const afterKill = acked.length;
    const fromVictim = () => acked.filter((t) => t.startsWith('v')).length;
    const victimAtKill = fromVictim();
    await until(viewers[4]!, 'chat:message', () => received[4]!.length >= afterKill + 40, 10_000);
    await until(viewers[4]!, 'chat:message', () => fromVictim() > victimAtKill + 5, 10_000);
    sending = false;
    await chatters;

    // every acknowledged message reached every viewer once; all saw one order
    for (const [i, got] of received.entries())
      await until(viewers[i]!, 'chat:message', () => got.length >= acked.length, 10_000);
    const order = received[0]!.map((m) => m.text);
    for (const got of received) expect(got.map((m) => m.text)).toEqual(order);
    expect([...order].sort()).toEqual([...acked].sort());
    // the killed node's two viewers now count on other nodes; its own report expired
    const admin = new Redis(redis.url);
    cleanups.push(() => void admin.quit());
    await eventuallyAsync(
      async () => !(await admin.hkeys(`${prefix}{show}:presence`)).includes('node1'),
      10_000,
    );
    expect((await admin.hkeys(`${prefix}{show}:presence`)).sort()).toEqual(['node0', 'node2']);
    await until(host, 'room:viewers', () => counts.at(-1)?.count === 7, 10_000);

    // Redis restarts in mid-chat: the two nodes left recover by themselves, nothing is lost
    const before = received.map((got) => got.length);
    const sentBefore = acked.length;
    sending = true;
    const again = Promise.all([chat(host, 'r'), chat(viewers[4]!, 's')]);
    again.catch(() => undefined);
    await until(viewers[0]!, 'chat:message', () => received[0]!.length >= before[0]! + 20);
    await redis.restart();
    const restarted = acked.length;
    await until(viewers[2]!, 'chat:message', () => received[2]!.length >= restarted + 20, 10_000);
    sending = false;
    await again;
    for (const [i, got] of received.entries())
      await until(viewers[i]!, 'chat:message', () => got.length >= acked.length, 10_000);
    const after = received[0]!.map((m) => m.text);
    for (const got of received) expect(got.map((m) => m.text)).toEqual(after);
    expect([...after].sort()).toEqual([...acked].sort());
    expect(acked.length).toBeGreaterThan(sentBefore + 40);
    expect([servers[0]!, servers[2]!].map((s) => s.child.exitCode)).toEqual([null, null]);
  }, 60_000);
});
