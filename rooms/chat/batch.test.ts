import { describe, expect, it } from 'vitest';
import type { ChatMessage, Role } from '../../client-sdk/src/protocol/index.js';
import { TickBuffer, sampleChat } from './batch.js';

const msg = (seq: number, role: Role = 'viewer'): ChatMessage => ({
  id: `m${seq}`,
  seq,
  ts: seq,
  author: { id: `u${seq}`, name: 'U', role },
  text: `t${seq}`,
});

describe('sampleChat', () => {
  it('keeps everything under the budget', () => {
    const all = [1, 2, 3].map((s) => msg(s));
    expect(sampleChat(all, 3)).toEqual(all);
  });

  it('keeps at most the budget, in order, spread across the tick', () => {
    const all = Array.from({ length: 100 }, (_, i) => msg(i + 1));
    const kept = sampleChat(all, 10);
    expect(kept).toHaveLength(10);
    const seqs = kept.map((m) => m.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(seqs[0]).toBeLessThan(15);
    expect(seqs.at(-1)).toBeGreaterThan(85);
  });

  it('always keeps staff messages', () => {
    const all = Array.from({ length: 50 }, (_, i) =>
      msg(i + 1, i === 37 ? 'host' : i === 3 ? 'moderator' : 'viewer'),
    );
    const kept = sampleChat(all, 5).map((m) => m.seq);
    expect(kept).toContain(38);
    expect(kept).toContain(4);
    expect(kept).toHaveLength(5);
  });
});

describe('TickBuffer', () => {
  it('batches chat with its seq range and the count left out', () => {
    const box = new TickBuffer(2);
    expect(box.isEmpty).toBe(true);
    for (const s of [5, 6, 7, 8]) box.pushChat(msg(s));
    const batch = box.takeChat();
    expect(batch).toMatchObject({ from: 5, to: 8, skipped: 2 });
    expect(batch?.messages).toHaveLength(2);
    expect(box.takeChat()).toBeUndefined();
  });

  it('sums reactions', () => {
    const box = new TickBuffer(10);
    box.addReaction('heart', 1);
    box.addReaction('heart', 4);
    box.addReaction('fire', 2);
    expect(box.takeReactions()).toEqual({ heart: 5, fire: 2 });
    expect(box.takeReactions()).toBeUndefined();
    expect(box.isEmpty).toBe(true);
  });
});
