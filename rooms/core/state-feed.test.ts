import { afterEach, describe, expect, it, vi } from 'vitest';
import { StateFeed } from './state-feed.js';

interface S {
  v: number;
  phase: string;
}

function feedOf(store: Map<string, S>) {
  let now = 1_000;
  const sent: S[] = [];
  const shared: S[] = [];
  const feed = new StateFeed<S>({
    read: (id) => Promise.resolve(store.get(id)),
    compare: (a, b) => a.v - b.v,
    send: (_id, s) => sent.push(s),
    share: (s) => shared.push(s),
    failed: (e) => {
      throw e;
    },
    now: () => now,
    intervalMs: 100,
    urgent: (next, last) => next.phase !== last.phase,
  });
  return { feed, sent, shared, advance: (ms: number) => (now += ms) };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('a state feed', () => {
  it('never sends an older state than it sent, and shares only what changed here', async () => {
    const store = new Map([['a', { v: 2, phase: 'live' }]]);
    const { feed, sent, shared } = feedOf(store);
    expect(await feed.publish('a')).toEqual({ v: 2, phase: 'live' });
    expect(feed.offer('a', { v: 1, phase: 'live' })).toBe(false);
    expect(feed.offer('a', { v: 2, phase: 'live' })).toBe(false);
    expect(sent).toEqual([{ v: 2, phase: 'live' }]);
    expect(shared).toEqual([{ v: 2, phase: 'live' }]);
    store.set('a', { v: 3, phase: 'ended' });
    feed.changed('a', false);
    await vi.waitFor(() => expect(sent).toHaveLength(2));
    expect(shared).toHaveLength(1);
  });

  it('within the interval holds the newest and sends it when the interval ends; a change of phase goes at once', async () => {
    vi.useFakeTimers();
    const { feed, sent, advance } = feedOf(new Map());
    feed.offer('a', { v: 1, phase: 'live' });
    feed.offer('a', { v: 2, phase: 'live' });
    feed.offer('a', { v: 3, phase: 'live' });
    expect(sent.map((s) => s.v)).toEqual([1]);
    expect(feed.sent('a')).toEqual({ v: 3, phase: 'live' });
    advance(100);
    await vi.advanceTimersByTimeAsync(100);
    expect(sent.map((s) => s.v)).toEqual([1, 3]);
    // a phase change does not wait
    feed.offer('a', { v: 4, phase: 'live' });
    feed.offer('a', { v: 5, phase: 'ended' });
    expect(sent.map((s) => s.v)).toEqual([1, 3, 5]);
    await vi.advanceTimersByTimeAsync(200);
    expect(sent.map((s) => s.v)).toEqual([1, 3, 5]);
    feed.close();
  });
});
