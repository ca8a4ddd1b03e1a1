import { describe, expect, it } from 'vitest';
import { fanout } from '../load-tests/scenarios/fanout.js';
import { flood } from '../load-tests/scenarios/flood.js';
import { idle } from '../load-tests/scenarios/idle.js';
import { reconnect } from '../load-tests/scenarios/reconnect.js';
import { relay } from '../load-tests/scenarios/relay.js';

// A small run of each benchmark scenario keeps the harness working. These check correctness
// (everything delivered, nothing lost), never timing: speed is for `npm run bench`.
const targets = ['liveshop', 'plain-socketio', 'uws-raw'] as const;

describe('load-test harness (smoke)', () => {
  it.each(targets)('fan-out delivers every message to every subscriber: %s', async (target) => {
    const result = await fanout(target, {
      subscribers: 30,
      rate: 200,
      messages: 20,
      bytes: 50,
      workers: 2,
    });
    expect(result.subscribers).toBe(30);
    expect(result.delivered).toBe(30 * 20);
    expect(result.errors).toBe(0);
    expect(result.latencyMs.count).toBe(30 * 20);
  });

  it.each(['liveshop', 'liveshop-groups'] as const)(
    'fan-out by audience: signed-in viewers spread over 4 regions each get every message: %s',
    async (target) => {
      const result = await fanout(target, {
        subscribers: 40,
        rate: 200,
        messages: 20,
        bytes: 50,
        workers: 2,
        groups: 4,
      });
      expect(result.groups).toBe(target === 'liveshop' ? 1 : 4);
      expect(result.delivered).toBe(40 * 20);
      expect(result.minPerSubscriber).toBe(20);
      expect(result.errors).toBe(0);
      // with the policy each tick's chat goes out once per group, each on the native path
      const batches = result.broadcasts?.batches ?? 0;
      expect(batches).toBeGreaterThan(0);
      if (target === 'liveshop-groups') expect(batches % 4).toBe(0);
      expect(result.broadcasts?.native).toBeGreaterThanOrEqual(batches);
    },
  );

  it.each(['liveshop-2nodes', 'sio-redis'] as const)(
    'cross-node fan-out delivers every message to subscribers on both nodes: %s',
    async (target) => {
      const result = await fanout(target, {
        subscribers: 30,
        rate: 200,
        messages: 20,
        bytes: 50,
        workers: 2,
      });
      expect(result.delivered).toBe(30 * 20);
      expect(result.errors).toBe(0);
    },
  );

  it('relay across a Redis restart: ours refuses or delivers, and loses nothing it accepted', async () => {
    const result = await relay('liveshop-2nodes', {
      subscribers: 20,
      rate: 200,
      messages: 40,
      bytes: 50,
      restartRate: 50,
      restartSeconds: 2,
    });
    expect(result.delivered).toBe(20 * 40);
    expect(result.restart.accepted + result.restart.refused).toBe(100);
    expect(result.restart.lost).toBe(0);
  });

  it.each(targets)('idle density holds its connections and measures memory: %s', async (target) => {
    const result = await idle(target, {
      connections: 60,
      processes: 2,
      rooms: target === 'liveshop' ? 3 : 0,
      settleMs: 100,
    });
    expect(result.connections).toBe(60);
    expect(result.rssAfterMiB).toBeGreaterThan(0);
  });

  it('reconnect storm: our clients all come back and resume with nothing lost', async () => {
    const result = await reconnect('liveshop', {
      clients: 40,
      rate: 50,
      minDelayMs: 50,
      maxDelayMs: 150,
    });
    expect(result.reconnected).toBe(40);
    expect(result.published).toBeGreaterThan(0);
    expect(result.lost).toBe(0);
  });

  it('reconnect storm counts what a server without resume loses', async () => {
    const result = await reconnect('plain-socketio', {
      clients: 20,
      rate: 50,
      minDelayMs: 200,
      maxDelayMs: 300,
    });
    expect(result.reconnected).toBe(20);
    expect(result.lost).toBeGreaterThan(0);
  });

  it('flood: our server accepts every message and viewers see a share of it', async () => {
    const result = await flood('liveshop', {
      chatters: 20,
      perChatter: 10,
      viewers: 10,
      seconds: 1,
    });
    expect(result.acceptedPerSecond).toBe(200);
    expect(result.deliveredShare).toBeGreaterThan(0);
    expect(result.deliveredShare).toBeLessThanOrEqual(1);
  });
});
