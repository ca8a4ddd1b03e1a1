import { describe, expect, it } from 'vitest';
import { useRedis } from './helpers/redis.js';
import { startNodes, useServers, type RawSocket, type TestServer } from './helpers/server.js';

const start = useServers();
const redis = useRedis();

/** The account budget at 100 events with (practically) no refill; connections allow far more. */
const LIMITS = {
  USER_EVENTS_BURST: '100',
  USER_EVENTS_PER_SECOND: '0.001',
  CONNECTION_EVENTS_BURST: '10000',
  CONNECTION_EVENTS_PER_SECOND: '1000',
};

/** Sends `count` acknowledged events on each socket at once; tallies the answers. */
async function blast(sockets: RawSocket[], count: number) {
  const acks = await Promise.all(
    sockets.flatMap((socket) =>
      Array.from({ length: count }, () => socket.emitWithAck('time:sync', {})),
    ),
  );
  const refused = acks.filter((a) => !a.ok);
  for (const a of refused)
    expect(a).toMatchObject({
      ok: false,
      error: {
        code: 'RATE_LIMITED',
        retryable: true,
        message: 'Too many events from this account',
      },
    });
  return { ok: acks.length - refused.length, refused: refused.length };
}

const connections = (server: TestServer, sub: string, n: number) =>
  Promise.all(Array.from({ length: n }, () => server.socket({ sub })));

describe('per-account inbound limits', () => {
  it('ten connections of one account share one budget; other accounts are untouched', async () => {
    const clock = Date.now();
    const server = await start(LIMITS, { now: () => clock });
    const tally = await blast(await connections(server, 'blaster', 10), 300);
    expect(tally).toEqual({ ok: 100, refused: 2900 });
    // reconnecting does not start the budget over
    const again = await connections(server, 'blaster', 1);
    expect(await blast(again, 5)).toEqual({ ok: 0, refused: 5 });
    expect(await blast(await connections(server, 'bystander', 2), 20)).toEqual({
      ok: 40,
      refused: 0,
    });
  });

  it('on Redis, the budget holds across nodes', async () => {
    // (the refill, a token in 1000 s, gives nothing back while the test runs)
    const nodes = await startNodes(start, redis, 2, LIMITS);
    const sockets = [
      ...(await connections(nodes[0]!, 'roamer', 5)),
      ...(await connections(nodes[1]!, 'roamer', 5)),
    ];
    const tally = await blast(sockets, 200);
    // each node leases a few tokens at a time: what one still holds unspent at the end is lost
    expect(tally.ok).toBeLessThanOrEqual(100);
    expect(tally.ok).toBeGreaterThanOrEqual(100 - 2 * 7);
    expect(tally.ok + tally.refused).toBe(2000);
  });
});
