import { describe, expect, it } from 'vitest';
import { fanout } from '../load-tests/scenarios/fanout.js';

// A small run of each benchmark scenario keeps the harness working. It checks correctness
// (everything delivered), never timing: speed is for `npm run bench`.
describe('load-test harness (smoke)', () => {
  it.each(['liveshop', 'plain-socketio'] as const)(
    'fan-out delivers every message to every subscriber: %s',
    async (target) => {
      const result = await fanout(target, {
        subscribers: 40,
        rate: 200,
        messages: 20,
        bytes: 50,
        workers: 2,
      });
      expect(result.subscribers).toBe(40);
      expect(result.delivered).toBe(40 * 20);
      expect(result.errors).toBe(0);
      expect(result.latencyMs.count).toBe(40 * 20);
      expect(result.cpuSeconds).toBeGreaterThanOrEqual(0);
    },
  );
});
