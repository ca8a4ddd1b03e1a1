import { describe, expect, it } from 'vitest';
import type { PolicyEntry, PolicyStore } from '../../rooms/index.js';
import { eventually } from '../helpers/events.js';

/**
 * What every policy store must guarantee, memory or Redis. `nodes(n)` gives the stores of `n`
 * nodes that share one (empty) store and nothing else.
 */
export function policyStoreContract(
  name: string,
  nodes: (count: number) => Promise<PolicyStore[]>,
): void {
  describe(`policy store contract: ${name}`, () => {
    it('holds the last policy put, for every node', async () => {
      const [a, b] = await nodes(2);
      if (!a || !b) throw new Error('two nodes');
      expect(await a.get()).toBeNull();
      expect(await b.get()).toBeNull();
      // any text, verbatim (terms in any script, the file's own layout)
      const text = '{\n  "defaultGroup": "全部",\n  "groups": []\n}\n';
      await a.put(text, 'v1');
      expect(await b.get()).toEqual({ text, version: 'v1' });
      await b.put('{}', 'v2');
      expect(await a.get()).toEqual({ text: '{}', version: 'v2' });
    });

    it("tells every node's subscribers of each put, in order, until they unsubscribe", async () => {
      const [a, b] = await nodes(2);
      if (!a || !b) throw new Error('two nodes');
      const onA: PolicyEntry[] = [];
      const onB: PolicyEntry[] = [];
      const stopA = await a.subscribe((entry) => onA.push(entry));
      const stopB = await b.subscribe((entry) => onB.push(entry));
      await a.put('{"n":1}', 'v1');
      await b.put('{"n":2}', 'v2');
      await a.put('{"n":3}', 'v3');
      const puts = ['v1', 'v2', 'v3'];
      await eventually(() => onA.length >= 3 && onB.length >= 3);
      // a store may hand an entry over again (after a reconnect), never out of order
      const versions = (heard: PolicyEntry[]) => heard.map((e) => e.version).filter(unseen());
      expect(versions(onA)).toEqual(puts);
      expect(versions(onB)).toEqual(puts);
      expect(onB.at(-1)).toEqual(await b.get());
      expect(onB.at(-1)).toEqual({ text: '{"n":3}', version: 'v3' });

      // b's listener leaves; a's still hears b's puts
      stopB();
      const heardB = onB.length;
      await b.put('{"n":4}', 'v4');
      await eventually(() => onA.at(-1)?.version === 'v4');
      expect(onB).toHaveLength(heardB);
      stopA();
    });

    it('keeps two subscriptions of one listener apart', async () => {
      const [a] = await nodes(1);
      if (!a) throw new Error('one node');
      const heard: string[] = [];
      const listener = (entry: PolicyEntry) => heard.push(entry.version);
      const first = await a.subscribe(listener);
      const second = await a.subscribe(listener);
      await a.put('{}', 'v1');
      await eventually(() => heard.length === 2);
      first();
      await a.put('{}', 'v2');
      await eventually(() => heard.length === 3);
      expect(heard).toEqual(['v1', 'v1', 'v2']);
      second();
    });
  });
}

/** A filter that drops a value equal to the one before it (an entry handed over again). */
function unseen(): (value: string, i: number, all: string[]) => boolean {
  return (value, i, all) => i === 0 || all[i - 1] !== value;
}
