import { describe, expect, it } from 'vitest';
import type { MediaBusPort, MediaOrigin } from '../../media/bus.js';
import { eventuallyAsync } from '../helpers/events.js';

/**
 * What every media bus must do, memory or Redis. `nodes(n)` gives the buses of `n` nodes that
 * share one store and nothing else (a fresh room namespace per call).
 */
export function mediaBusContract(
  name: string,
  nodes: (count: number) => Promise<MediaBusPort[]>,
): void {
  describe(`media bus contract: ${name}`, () => {
    const origin = (node: string, epoch: string): MediaOrigin => ({
      node,
      epoch,
      tracks: [{ producerId: `${epoch}-video`, kind: 'video' }],
    });

    it("tells every node's listeners who publishes a room, and withdraws only its own epoch", async () => {
      const [a, b] = await nodes(2);
      if (!a || !b) throw new Error('two nodes');
      expect(await b.origin('show')).toBeNull();
      const heard: (MediaOrigin | null)[] = [];
      const stop = await b.listen('show', (o) => heard.push(o));
      await a.announce('show', origin(a.nodeId, 'e1'), 10_000);
      await eventuallyAsync(() => Promise.resolve(heard.length === 1));
      expect(heard[0]).toEqual(origin(a.nodeId, 'e1'));
      expect(await b.origin('show')).toEqual(origin(a.nodeId, 'e1'));
      // the host moved to b: a's late withdrawal of its old epoch changes nothing
      await b.announce('show', origin(b.nodeId, 'e2'), 10_000);
      await a.withdraw('show', 'e1');
      expect(await a.origin('show')).toEqual(origin(b.nodeId, 'e2'));
      await b.withdraw('show', 'e2');
      await eventuallyAsync(() => Promise.resolve(heard.length === 3));
      expect(heard.slice(1)).toEqual([origin(b.nodeId, 'e2'), null]);
      expect(await a.origin('show')).toBeNull();
      // other rooms are not heard
      stop();
      await a.announce('other', origin(a.nodeId, 'e3'), 10_000);
      await a.announce('show', origin(a.nodeId, 'e4'), 10_000);
      expect(heard).toHaveLength(3);
    });

    it('forgets an origin that is not refreshed', async () => {
      const [a] = await nodes(1);
      if (!a) throw new Error('one node');
      await a.announce('show', origin(a.nodeId, 'e1'), 100);
      expect(await a.origin('show')).not.toBeNull();
      await eventuallyAsync(async () => (await a.origin('show')) === null);
    });

    it('carries requests between nodes, with answers, errors and a timeout', async () => {
      const [a, b] = await nodes(2);
      if (!a || !b) throw new Error('two nodes');
      await b.serve((body, from) => {
        const { n } = body as { n: number };
        if (n < 0) return Promise.reject(new Error('negative'));
        return Promise.resolve({ doubled: n * 2, from });
      });
      expect(await a.request(b.nodeId, { n: 21 }, 2000)).toEqual({
        doubled: 42,
        from: a.nodeId,
      });
      const answers = await Promise.all([1, 2, 3].map((n) => a.request(b.nodeId, { n }, 2000)));
      expect(answers.map((x) => (x as { doubled: number }).doubled)).toEqual([2, 4, 6]);
      await expect(a.request(b.nodeId, { n: -1 }, 2000)).rejects.toThrow('negative');
      await expect(a.request('nobody', { n: 1 }, 200)).rejects.toThrow(/did not answer/);
    });
  });
}
