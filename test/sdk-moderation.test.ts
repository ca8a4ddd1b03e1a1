import { describe, expect, it } from 'vitest';
import type { CodedError, ModerationPolicyInput } from '../client-sdk/src/protocol/index.js';
import { nextEvent, until } from './helpers/events.js';
import { useServers } from './helpers/server.js';

const start = useServers();

const POLICY: ModerationPolicyInput = {
  version: 'sdk-1',
  defaultGroup: 'global',
  groups: [
    {
      id: 'cn',
      match: { regions: ['CN'] },
      rules: [
        { id: 'gambling-zh', kind: 'terms', lang: 'zh', terms: ['博彩'], action: 'hide' },
        { id: 'links', kind: 'links', allow: [], action: 'hold' },
      ],
    },
    { id: 'global' },
  ],
};

describe('the SDK and moderation', () => {
  it('keeps placeholders, its own messages, held messages and reviews in the room state', async () => {
    const server = await start({}, { moderationPolicy: POLICY });
    const hostClient = await server.client({ sub: 'hana', role: 'host' });
    await hostClient.createStream('show', { title: 'Show' });
    const host = await hostClient.join('show');
    const cn = await (await server.client({ sub: 'mei', region: 'CN', lang: 'zh' })).join('show');
    const us = await (await server.client({ sub: 'sam', region: 'US', lang: 'zh' })).join('show');

    // hidden for CN: a placeholder there (the seq counts), the message elsewhere and for its author
    const withheld = nextEvent<{ seq: number }>(cn, 'chat:withheld');
    const sent = await us.chat.send('这里有博彩的消息');
    if (sent.status !== 'published') throw new Error('held');
    expect((await withheld).seq).toBe(sent.seq);
    await until(cn, 'room:state', () => cn.state.seq >= sent.seq);
    expect(cn.state.chat.some((m) => m.id === sent.id)).toBe(false);
    await until(us, 'room:state', () => us.state.chat.some((m) => m.id === sent.id));
    await until(host, 'room:state', () => host.state.chat.some((m) => m.id === sent.id));

    // held for review: the author's state says so until a moderator decides
    const held = nextEvent(cn, 'chat:held');
    const pending = await cn.chat.send('加我 shop.example.com');
    expect(pending).toMatchObject({ status: 'held' });
    await held;
    expect(cn.held).toMatchObject([{ id: pending.id, text: '加我 shop.example.com' }]);
    const queue = await host.moderation.held();
    expect(queue.map((h) => h.id)).toEqual([pending.id]);
    const reviewed = nextEvent(cn, 'chat:reviewed');
    const { seq } = await host.moderation.review(pending.id, true);
    expect(await reviewed).toMatchObject({ outcome: 'approved', seq });
    expect(cn.held).toEqual([]);
    await until(cn, 'room:state', () => cn.state.chat.some((m) => m.id === pending.id));
    await until(us, 'room:state', () => us.state.chat.some((m) => m.id === pending.id));

    // banned: the room closes with the reason, and joining again is refused
    const closed = nextEvent<{ error: CodedError | null }>(us, 'room:closed');
    await host.moderation.sanction('sam', 'ban', { reason: 'spam' });
    expect((await closed).error?.code).toBe('BANNED');
    expect(us.joined).toBe(false);
    const again = await server.client({ sub: 'sam', region: 'US' });
    await expect(again.join('show')).rejects.toMatchObject({ code: 'BANNED' });
    expect(await host.moderation.lift('sam', 'ban')).toBe(true);
    expect((await again.join('show')).joined).toBe(true);
  });
});
