import { describe, expect, it } from 'vitest';
import type { ChatMessage, Role } from '../../client-sdk/src/protocol/index.js';
import { batchFor, TickBuffer, sampleChat } from './batch.js';

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

describe('TickBuffer and batchFor', () => {
  it('batches chat with its seq range and the count left out', () => {
    const box = new TickBuffer();
    expect(box.isEmpty).toBe(true);
    for (const s of [5, 6, 7, 8]) box.pushChat(msg(s));
    const tick = box.takeChat();
    if (!tick) throw new Error('no tick');
    const batch = batchFor(tick, 'g', 2);
    expect(batch).toMatchObject({ from: 5, to: 8, skipped: 2 });
    expect(batch.messages).toHaveLength(2);
    expect(batch.withheld).toBeUndefined();
    expect(box.takeChat()).toBeUndefined();
  });

  it('cuts a tick per audience: withheld seqs as placeholders outside the budget, masked text', () => {
    const box = new TickBuffer();
    box.pushChat({ ...msg(1), moderation: { policy: 'p', withheld: ['cn'] } });
    box.pushChat({ ...msg(2), moderation: { policy: 'p', masked: { cn: '＊＊' } } });
    box.pushChat(msg(3));
    box.pushChat({ ...msg(4), moderation: { policy: 'p', authorOnly: true } });
    const tick = box.takeChat();
    if (!tick) throw new Error('no tick');
    const cn = batchFor(tick, 'cn', 1);
    expect(cn).toMatchObject({ from: 1, to: 4, withheld: [1, 4], skipped: 1 });
    expect(cn.messages.map((m) => m.seq)).toHaveLength(1);
    const cnAll = batchFor(tick, 'cn', 10);
    expect(cnAll.messages.map((m) => [m.seq, m.text])).toEqual([
      [2, '＊＊'],
      [3, 't3'],
    ]);
    const global = batchFor(tick, 'global', 10);
    expect(global.messages.map((m) => m.seq)).toEqual([1, 2, 3]);
    expect(global.messages[1]?.text).toBe('t2');
    expect(global.withheld).toEqual([4]);
    // nothing of the stamp leaves the room
    expect(JSON.stringify(global)).not.toContain('moderation');
  });

  it('sums reactions', () => {
    const box = new TickBuffer();
    box.addReaction('heart', 1);
    box.addReaction('heart', 4);
    box.addReaction('fire', 2);
    expect(box.takeReactions()).toEqual({ heart: 5, fire: 2 });
    expect(box.takeReactions()).toBeUndefined();
    expect(box.isEmpty).toBe(true);
  });
});
