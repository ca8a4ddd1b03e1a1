import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { RoomEvent } from '../client-sdk/src/protocol/index.js';
import type { CodedError } from '../client-sdk/src/protocol/index.js';
import { createMemoryEngine } from '../server/engines/memory/index.js';
import type { Identity } from '../rooms/index.js';
import type { ChatBatch } from '../rooms/index.js';
import { RoomRegistry } from '../rooms/index.js';
import type { StreamRoom } from '../rooms/index.js';

const identity = (id: string, role: Identity['role'] = 'viewer'): Identity => ({
  id,
  name: id,
  anonymous: false,
  role,
  roomRoles: {},
  region: null,
  language: null,
});

function setup() {
  const sent: (['control', RoomEvent] | ['chat', ChatBatch])[] = [];
  const due = new Set<StreamRoom>();
  let id = 0;
  const registry = new RoomRegistry({
    engine: createMemoryEngine({ historyLength: 100 }),
    output: {
      control: (e) => sent.push(['control', e]),
      chat: (_r, batches) => {
        for (const b of batches.values()) sent.push(['chat', b]);
      },
      notice: () => undefined,
      reactions: () => undefined,
      viewers: () => undefined,
      reset: () => undefined,
      dropStock: () => undefined,
      auctionState: () => undefined,
      giveawayState: () => undefined,
      failed: () => undefined,
      wake: (room) => due.add(room),
    },
    limits: {
      chatBudgetPerTick: 100,
      chatRate: { capacity: 100, refillPerSecond: 100 },
      reactionRate: { capacity: 100, refillPerSecond: 100 },
      claimRate: { capacity: 100, refillPerSecond: 100 },
      viewerCountIntervalMs: 1000,
      replayLimit: 100,
      retainEndedMs: 60_000,
    },
    now: () => 1000,
    newId: () => `id${id++}`,
    sha256: (text: string) => createHash('sha256').update(text).digest('hex'),
    randomHex: (bytes: number) => randomBytes(bytes).toString('hex'),
  });
  return { registry, sent, due };
}

describe('StreamRoom', () => {
  it('sends pending chat before a control event, so every receiver sees seqs in order', async () => {
    const { registry, sent } = setup();
    const host = identity('h', 'host');
    const { room } = await registry.open('r', { title: 'T' }, host);
    const member = { id: 'c1', identity: host };
    await room.join(member);
    await room.chat.send(member, 'one');
    await room.chat.send(member, 'two');
    await room.stream.start(host);
    expect(
      sent.map(([kind, x]) => (kind === 'chat' ? `chat ${x.from}-${x.to}` : `${x.type} ${x.seq}`)),
    ).toEqual(['chat 2-3', 'stream:updated 4']);
  });

  it('answers a repeated clientMsgId with the first result and posts once', async () => {
    const { registry } = setup();
    const host = identity('h', 'host');
    const { room } = await registry.open('r', { title: 'T' }, host);
    const member = { id: 'c1', identity: host };
    await room.join(member);
    const [a, b] = await Promise.all([
      room.chat.send(member, 'hi', 'k1'),
      room.chat.send(member, 'hi', 'k1'),
    ]);
    expect(a).toEqual(b);
    expect(room.seq).toBe(2);
    // another user's same key is another message
    const other = { id: 'c2', identity: identity('v') };
    await room.join(other);
    expect(await room.chat.send(other, 'hi', 'k1')).toMatchObject({ seq: 3 });
  });

  it('serialises pins so the limit holds under concurrency', async () => {
    const { registry } = setup();
    const host = identity('h', 'host');
    const { room } = await registry.open('r', { title: 'T' }, host);
    const member = { id: 'c1', identity: host };
    await room.join(member);
    const ids = [];
    for (let i = 0; i < 5; i++) ids.push((await room.chat.send(member, `m${i}`)).id);
    const results = await Promise.allSettled(ids.map((id) => room.chat.pin(host, id)));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(3);
    expect(
      results
        .filter((r): r is PromiseRejectedResult => r.status === 'rejected')
        .map((r) => (r.reason as CodedError).code),
    ).toEqual(['PIN_LIMIT', 'PIN_LIMIT']);
  });

  it('runs lifecycle hooks: created once, let go when empty, loaded again from the engine', async () => {
    const { registry } = setup();
    const host = identity('h', 'host');
    const opened = await Promise.all([1, 2, 3].map(() => registry.open('r', { title: 'T' }, host)));
    expect(opened.filter((o) => o.created)).toHaveLength(1);
    const room = opened[0]!.room;
    expect(new Set(opened.map((o) => o.room)).size).toBe(1);
    await room.join({ id: 'c1', identity: host });
    await room.stream.start(host);
    expect(registry.get('r')).toBe(room);
    await room.leave('c1');
    await Promise.resolve();
    expect(registry.get('r')).toBeUndefined();
    expect(room.isDisposed).toBe(true);
    await expect(room.join({ id: 'c2', identity: host })).rejects.toMatchObject({
      code: 'ROOM_NOT_FOUND',
    });
    const again = await registry.find('r');
    expect(again).not.toBe(room);
    expect(again?.epoch).toBe(room.epoch);
    expect(again?.stream.info.state).toBe('live');
  });

  it('does not tick when idle', async () => {
    const { registry, due } = setup();
    const host = identity('h', 'host');
    await registry.open('r', { title: 'T' }, host);
    expect(due.size).toBe(0);
  });
});
