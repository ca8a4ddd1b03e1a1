import { afterEach, describe, expect, it } from 'vitest';
import type {
  DecisionRecord,
  ModerationPolicyInput,
  ServerPayload,
} from '../client-sdk/src/protocol/index.js';
import type { Claims } from '../server/auth.js';
import { startClassifierServer, type ClassifierServer } from './helpers/classifier-server.js';
import { eventually, eventuallyAsync, nextEvent } from './helpers/events.js';
import { useRedis } from './helpers/redis.js';
import { startNodes, useServers, type RawSocket, type TestServer } from './helpers/server.js';

const redis = useRedis();
const start = useServers();

/** A room shared by China and everyone else: CN refuses gambling talk and holds links. */
const POLICY: ModerationPolicyInput = {
  version: 'test-1',
  defaultGroup: 'global',
  groups: [
    {
      id: 'cn',
      match: { regions: ['CN'] },
      rules: [
        { id: 'gambling-zh', kind: 'terms', lang: 'zh', terms: ['博彩'], action: 'block' },
        { id: 'links', kind: 'links', allow: ['liveshop.example'], action: 'hold' },
      ],
    },
    {
      id: 'global',
      rules: [{ id: 'mild-en', kind: 'terms', lang: 'en', terms: ['darn'], action: 'mask' }],
    },
  ],
};

const HOST: Claims = { sub: 'hana', role: 'host' };
const CN = (sub: string): Claims => ({ sub, region: 'CN', lang: 'zh' });
const US = (sub: string): Claims => ({ sub, region: 'US', lang: 'en' });

/** Two nodes: on Redis two servers; on the embedded engine the same one twice. */
type Setup = (policy: ModerationPolicyInput) => Promise<[TestServer, TestServer]>;

const setups: [string, Setup][] = [
  [
    'memory',
    async (policy) => {
      const server = await start({}, { moderationPolicy: policy });
      return [server, server];
    },
  ],
  [
    'Redis, two nodes',
    async (policy) => {
      const [a, b] = (await startNodes(start, redis, 2)) as [TestServer, TestServer];
      // the policy is put on one node and must reach the other
      const res = await fetch(`${a.url}/v1/moderation/policy`, {
        method: 'PUT',
        headers: {
          authorization: `Bearer ${await a.token({ sub: 'root', role: 'admin' })}`,
          'content-type': 'application/json',
        },
        body: JSON.stringify(policy),
      });
      expect(res.status).toBe(200);
      await eventually(() =>
        [a, b].every((n) => n.app.internals.moderation.policy()?.version === policy.version),
      );
      return [a, b];
    },
  ],
];

/** What a socket saw of a room's seqs: each message's text or a placeholder, and any gap. */
function feed(socket: RawSocket) {
  const seen = new Map<number, string | null>();
  const gaps: string[] = [];
  let last = 0;
  const step = (from: number, to: number) => {
    if (last > 0 && from !== last + 1) gaps.push(`${last} → ${from}`);
    last = Math.max(last, to);
  };
  socket.on('chat:batch', (b: ServerPayload<'chat:batch'>) => {
    step(b.from, b.to);
    for (const m of b.messages) seen.set(m.seq, m.text);
    for (const seq of b.withheld ?? []) seen.set(seq, null);
    // nothing sampled away here: every seq of the batch is a message or a placeholder
    if (b.messages.length + (b.withheld?.length ?? 0) !== b.to - b.from + 1)
      gaps.push(`batch ${b.from}..${b.to} does not account for every seq`);
  });
  for (const event of ['chat:deleted', 'chat:pinned', 'chat:slow-mode', 'stream:updated'] as const)
    socket.on(event, (e: { seq: number }) => step(e.seq, e.seq));
  return { seen, gaps };
}

async function joined(server: TestServer, claims: Claims, roomId = 'show') {
  const socket = await server.socket(claims);
  const ack = await socket.emitWithAck('room:join', { roomId });
  if (!ack.ok) throw new Error(`${claims.sub}: ${ack.error.message}`);
  if (ack.recovered) throw new Error('a fresh join resumed');
  return { socket, snapshot: ack.snapshot };
}

async function send(socket: RawSocket, text: string) {
  return socket.emitWithAck('chat:send', { roomId: 'show', text });
}

async function decisions(server: TestServer, query: string): Promise<DecisionRecord[]> {
  const res = await fetch(`${server.url}/v1/moderation/decisions?${query}`, {
    headers: { authorization: `Bearer ${await server.token({ sub: 'root', role: 'admin' })}` },
  });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toBe('application/x-ndjson');
  const text = await res.text();
  return text
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => JSON.parse(l) as DecisionRecord);
}

describe.each(setups)('moderation by audience (%s)', (_name, setup) => {
  it('withholds a message from the audience whose rules forbid it, the same live, on resume and in snapshots', async () => {
    const since = Date.now();
    const [a, b] = await setup(POLICY);
    const host = await a.socket(HOST);
    await host.emitWithAck('stream:create', { roomId: 'show', title: 'Show' });
    await host.emitWithAck('room:join', { roomId: 'show' });
    const cnViewer = await joined(b, CN('mei'));
    const usViewer = await joined(b, US('sam'));
    const cnFeed = feed(cnViewer.socket);
    const usFeed = feed(usViewer.socket);
    // a writer from elsewhere whose token has no language: it is detected
    const writer = await joined(a, { sub: 'lee', region: 'US' });
    const before = writer.snapshot.seq;

    const gambling = await send(writer.socket, '今天晚上有人在直播间里推荐博彩网站，大家千万别信');
    expect(gambling).toMatchObject({ ok: true, status: 'published' });
    const mild = await send(writer.socket, 'what a darn good deal this is');
    const plain = await send(writer.socket, 'hello everyone');
    if (!gambling.ok || gambling.status !== 'published') throw new Error('not published');
    if (!plain.ok || plain.status !== 'published') throw new Error('not published');
    await eventually(() => cnFeed.seen.has(plain.seq) && usFeed.seen.has(plain.seq));

    // hidden for CN only, with its seq kept; visible to everyone else
    expect(cnFeed.seen.get(gambling.seq)).toBeNull();
    expect(usFeed.seen.get(gambling.seq)).toContain('博彩');
    // masked for the global audience, as written for CN (no such rule there)
    expect(cnFeed.seen.get(gambling.seq + 1)).toBe('what a darn good deal this is');
    expect(usFeed.seen.get(gambling.seq + 1)).toBe('what a ＊＊＊＊ good deal this is');
    expect(cnFeed.gaps).toEqual([]);
    expect(usFeed.gaps).toEqual([]);
    expect(mild).toMatchObject({ ok: true, status: 'published' });

    // a CN writer is refused with the reason
    const cnWriter = await joined(a, CN('wu'));
    const refused = await send(cnWriter.socket, '博彩');
    expect(refused).toMatchObject({ ok: false, error: { code: 'MESSAGE_BLOCKED' } });
    if (!refused.ok) expect(refused.error.message).toContain('gambling-zh');
    const counted = await a.app.metrics.registry.metrics();
    expect(counted).toMatch(/^liveshop_moderation_outcomes_total\{outcome="blocked"\} 1$/m);
    expect(counted).toMatch(/^liveshop_moderation_outcomes_total\{outcome="restricted"\} 2$/m);

    // late joiners on either node: the snapshot shows what live showed
    for (const node of [a, b]) {
      const lateCn = await joined(node, CN(`late-cn-${node.port}`));
      const lateUs = await joined(node, US(`late-us-${node.port}`));
      expect(lateCn.snapshot.chat.map((m) => m.text)).toEqual([
        'what a darn good deal this is',
        'hello everyone',
      ]);
      expect(lateUs.snapshot.chat.map((m) => m.text)).toEqual([
        '今天晚上有人在直播间里推荐博彩网站，大家千万别信',
        'what a ＊＊＊＊ good deal this is',
        'hello everyone',
      ]);
      expect(JSON.stringify(lateCn.snapshot)).not.toContain('博彩');
    }

    // a resume replays a placeholder for CN, the message for others
    const epoch = cnViewer.snapshot.epoch;
    for (const [claims, node] of [
      [CN('mei'), a],
      [US('sam'), a],
    ] as const) {
      const again = await node.socket(claims);
      const resumed = await again.emitWithAck('room:join', {
        roomId: 'show',
        resume: { epoch, lastSeq: before },
      });
      if (!resumed.ok || !resumed.recovered) throw new Error('expected a resume');
      const event = resumed.missed.find((e) => e.seq === gambling.seq);
      if (claims.region === 'CN') {
        expect(event).toEqual({
          type: 'chat:withheld',
          roomId: 'show',
          seq: gambling.seq,
          ts: expect.any(Number),
        });
        expect(JSON.stringify(resumed.missed)).not.toContain('博彩');
      } else
        expect(event).toMatchObject({
          type: 'chat:message',
          text: expect.stringContaining('博彩'),
        });
      expect(resumed.missed.map((e) => e.seq)).toEqual(
        Array.from({ length: resumed.seq - before }, (_, i) => before + 1 + i),
      );
    }

    // the statements of reasons, exported per region from either node (kept without holding
    // up the answers: the last one is there before the export is read)
    await eventuallyAsync(async () =>
      (await decisions(b, `since=${since}`)).some((r) => r.userId === 'wu'),
    );
    for (const node of [a, b]) {
      const cn = await decisions(node, `region=CN&since=${since}`);
      expect(cn).toContainEqual(
        expect.objectContaining({
          seq: gambling.seq,
          group: 'cn',
          action: 'hide',
          rule: 'gambling-zh',
          detector: 'terms',
          policy: 'test-1',
          lang: 'zh',
          langSource: 'detected',
        }),
      );
      expect(cn).toContainEqual(
        expect.objectContaining({
          userId: 'wu',
          action: 'block',
          rule: 'gambling-zh',
          langSource: 'token',
        }),
      );
      expect(cn.every((r) => r.userRegion === 'CN' || r.groupRegions?.includes('CN'))).toBe(true);
      const all = await decisions(node, `since=${since}`);
      expect(all).toContainEqual(
        expect.objectContaining({
          group: 'global',
          action: 'mask',
          rule: 'mild-en',
          langSource: 'detected',
          lang: 'en',
        }),
      );
      expect(await decisions(node, `since=${Date.now() + 60_000}`)).toEqual([]);
    }
  });

  it("lets the room's staff see the chat as another audience sees it, live and in snapshots", async () => {
    const [a, b] = await setup(POLICY);
    const host = await a.socket(HOST);
    await host.emitWithAck('stream:create', { roomId: 'show', title: 'Show' });
    await host.emitWithAck('room:join', { roomId: 'show' });
    // a writer whose token has no language: it is detected
    const writer = await joined(a, { sub: 'lee', region: 'US' });
    const gambling = await send(writer.socket, '今天晚上有人在直播间里推荐博彩网站，大家千万别信');
    const mild = await send(writer.socket, 'what a darn good deal this is');
    if (!gambling.ok || gambling.status !== 'published' || !mild.ok) throw new Error('not sent');
    // the host, on another node, previews China's audience and then the global one
    const preview = await b.socket(HOST);
    const asCn = await preview.emitWithAck('room:join', {
      roomId: 'show',
      seeAs: { region: 'CN', lang: 'zh-CN' },
    });
    if (!asCn.ok || asCn.recovered) throw new Error('not joined');
    expect(asCn.snapshot.chat.map((m) => m.text)).toEqual(['what a darn good deal this is']);
    const live = feed(preview);
    const later = await send(writer.socket, '博彩网站今天晚上又来了，大家千万别信');
    if (!later.ok || later.status !== 'published') throw new Error('not published');
    await eventually(() => live.seen.has(later.seq));
    expect(live.seen.get(later.seq)).toBeNull();
    // joined again as the global audience: that one's masks, live too
    const asGlobal = await preview.emitWithAck('room:join', {
      roomId: 'show',
      seeAs: { region: 'US', lang: 'en' },
    });
    if (!asGlobal.ok || asGlobal.recovered) throw new Error('not joined');
    expect(asGlobal.snapshot.chat.map((m) => m.text)).toContain(
      'what a ＊＊＊＊ good deal this is',
    );
    const next = await send(writer.socket, 'what a darn fine jacket this is');
    if (!next.ok || next.status !== 'published') throw new Error('not published');
    await eventually(() => live.seen.has(next.seq));
    expect(live.seen.get(next.seq)).toBe('what a ＊＊＊＊ fine jacket this is');
    // a viewer cannot pick another audience's view (their region is their token's)
    const viewer = await b.socket(US('sam'));
    expect(
      await viewer.emitWithAck('room:join', {
        roomId: 'show',
        seeAs: { region: 'CN', lang: 'zh' },
      }),
    ).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    expect(
      await viewer.emitWithAck('room:join', {
        roomId: 'show',
        seeAs: { region: 'cn', lang: 'zh' },
      }),
    ).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } });
  });

  it('holds a message for review; approved, it appears with a new seq and its author is told', async () => {
    const [a, b] = await setup(POLICY);
    const host = await a.socket(HOST);
    await host.emitWithAck('stream:create', { roomId: 'show', title: 'Show' });
    await host.emitWithAck('room:join', { roomId: 'show' });
    const viewer = await joined(b, US('sam'));
    const viewerFeed = feed(viewer.socket);
    const author = await joined(b, CN('wu'));
    const held = await send(author.socket, '看这里 shop.evil.example.com/deal');
    expect(held).toMatchObject({
      ok: true,
      status: 'held',
      reason: expect.stringContaining('links'),
    });
    if (!held.ok || held.status !== 'held') throw new Error('not held');

    const queue = await host.emitWithAck('moderation:held', { roomId: 'show' });
    expect(queue).toMatchObject({
      ok: true,
      held: [{ id: held.id, author: { id: 'wu' }, rule: 'links' }],
    });
    // a viewer may not review
    expect(
      await viewer.socket.emitWithAck('moderation:review', {
        roomId: 'show',
        messageId: held.id,
        approve: true,
      }),
    ).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });

    const marker = await send(host, 'before the approval');
    if (!marker.ok || marker.status !== 'published') throw new Error('not published');
    const told = nextEvent<ServerPayload<'chat:reviewed'>>(author.socket, 'chat:reviewed');
    const approved = await host.emitWithAck('moderation:review', {
      roomId: 'show',
      messageId: held.id,
      approve: true,
    });
    if (!approved.ok || approved.seq === null) throw new Error('not approved');
    expect(approved.seq).toBeGreaterThan(marker.seq);
    expect(await told).toMatchObject({
      messageId: held.id,
      outcome: 'approved',
      seq: approved.seq,
    });
    await eventually(() => viewerFeed.seen.has(approved.seq ?? 0));
    expect(viewerFeed.seen.get(approved.seq)).toBe('看这里 shop.evil.example.com/deal');
    expect(viewerFeed.gaps).toEqual([]);
    // decided once: a second decision finds nothing
    expect(
      await host.emitWithAck('moderation:review', {
        roomId: 'show',
        messageId: held.id,
        approve: false,
      }),
    ).toMatchObject({ ok: false, error: { code: 'REVIEW_NOT_FOUND' } });

    // denied: dropped, its author told
    const second = await send(author.socket, 'again: evil.example.com');
    if (!second.ok || second.status !== 'held') throw new Error('not held');
    const deniedNotice = nextEvent<ServerPayload<'chat:reviewed'>>(author.socket, 'chat:reviewed');
    expect(
      await host.emitWithAck('moderation:review', {
        roomId: 'show',
        messageId: second.id,
        approve: false,
        reason: 'spam',
      }),
    ).toMatchObject({ ok: true, seq: null });
    expect(await deniedNotice).toMatchObject({
      messageId: second.id,
      outcome: 'denied',
      reason: 'spam',
    });
  });

  it('refuses a timed-out user with retryAfterMs, and a banned one on every node', async () => {
    const [a, b] = await setup(POLICY);
    const host = await a.socket(HOST);
    await host.emitWithAck('stream:create', { roomId: 'show', title: 'Show' });
    await host.emitWithAck('room:join', { roomId: 'show' });
    const noisy = await joined(b, US('noisy'));
    expect(
      await host.emitWithAck('moderation:sanction', {
        roomId: 'show',
        userId: 'noisy',
        kind: 'timeout',
        seconds: 60,
        reason: 'calm down',
      }),
    ).toMatchObject({ ok: true, sanction: { kind: 'timeout', scope: 'show' } });
    const refused = await send(noisy.socket, 'hello?');
    expect(refused).toMatchObject({ ok: false, error: { code: 'TIMED_OUT', retryable: true } });
    if (refused.ok) throw new Error('accepted');
    // what is left of the minute (how much has passed depends on the machine: only the bounds)
    expect(refused.error.retryAfterMs).toBeGreaterThan(0);
    expect(refused.error.retryAfterMs).toBeLessThanOrEqual(60_000);
    // lifted, they write again
    expect(
      await host.emitWithAck('moderation:lift', {
        roomId: 'show',
        userId: 'noisy',
        kind: 'timeout',
      }),
    ).toMatchObject({ ok: true, lifted: true });
    expect(await send(noisy.socket, 'sorry')).toMatchObject({ ok: true, status: 'published' });
    await send(noisy.socket, 'sorry again');
    // all of a user's recent messages go at once (each a chat:deleted)
    const watcher = await joined(a, US('watcher'));
    const gone: string[] = [];
    watcher.socket.on('chat:deleted', (e: { messageId: string }) => gone.push(e.messageId));
    expect(
      await host.emitWithAck('moderation:purge', { roomId: 'show', userId: 'noisy' }),
    ).toMatchObject({ ok: true, deleted: 2 });
    await eventually(() => gone.length === 2);
    expect((await joined(b, US('late'))).snapshot.chat.some((m) => m.author.id === 'noisy')).toBe(
      false,
    );

    // a ban on node A takes the user out on node B and keeps them out everywhere
    const removed = nextEvent<ServerPayload<'room:removed'>>(noisy.socket, 'room:removed');
    expect(
      await host.emitWithAck('moderation:sanction', {
        roomId: 'show',
        userId: 'noisy',
        kind: 'ban',
      }),
    ).toMatchObject({ ok: true, sanction: { kind: 'ban', until: null } });
    expect(await removed).toMatchObject({ roomId: 'show', code: 'BANNED' });
    expect(await send(noisy.socket, 'still here?')).toMatchObject({ ok: false });
    for (const node of [a, b]) {
      const again = await node.socket(US('noisy'));
      expect(await again.emitWithAck('room:join', { roomId: 'show' })).toMatchObject({
        ok: false,
        error: { code: 'BANNED' },
      });
    }
    const list = await host.emitWithAck('moderation:sanctions', { roomId: 'show' });
    expect(list).toMatchObject({ ok: true, sanctions: [{ userId: 'noisy', kind: 'ban' }] });
    // the host cannot be sanctioned in their room, nor by a viewer
    const viewer = await joined(a, US('sam'));
    expect(
      await viewer.socket.emitWithAck('moderation:sanction', {
        roomId: 'show',
        userId: 'hana',
        kind: 'ban',
      }),
    ).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
  });

  it('removes a message for everyone once enough distinct viewers report it', async () => {
    const [a, b] = await setup({ ...POLICY, reports: { hideAt: 2 } });
    const host = await a.socket(HOST);
    await host.emitWithAck('stream:create', { roomId: 'show', title: 'Show' });
    await host.emitWithAck('room:join', { roomId: 'show' });
    const troll = await joined(a, US('troll'));
    const posted = await send(troll.socket, 'something nasty');
    if (!posted.ok || posted.status !== 'published') throw new Error('not published');
    const r1 = await joined(a, US('r1'));
    const r2 = await joined(b, CN('r2'));
    const deleted = nextEvent<ServerPayload<'chat:deleted'>>(r2.socket, 'chat:deleted');
    const report = (s: RawSocket) =>
      s.emitWithAck('moderation:report', { roomId: 'show', messageId: posted.id });
    expect(await report(r1.socket)).toMatchObject({ ok: true, reporters: 1, hidden: false });
    // the same viewer again counts once
    expect(await report(r1.socket)).toMatchObject({ ok: true, reporters: 1, hidden: false });
    expect(await report(troll.socket)).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } });
    expect(await report(r2.socket)).toMatchObject({ ok: true, reporters: 2, hidden: true });
    expect(await deleted).toMatchObject({ messageId: posted.id, by: 'reports' });
    const late = await joined(b, US('late'));
    expect(late.snapshot.chat.some((m) => m.id === posted.id)).toBe(false);
    // the records are kept without holding up the answers: wait for them, in any order
    const reported = async () =>
      (await decisions(a, `since=0&room=show`)).filter((d) => d.detector === 'report');
    await eventuallyAsync(async () => (await reported()).length >= 4);
    expect((await reported()).map((d) => d.action).sort()).toEqual([
      'hide',
      'report',
      'report',
      'report',
    ]);
  });

  it("lists reports for the room's moderators, who delete the message or dismiss them", async () => {
    const [a, b] = await setup({ ...POLICY, reports: { hideAt: 2 } });
    const host = await a.socket(HOST);
    await host.emitWithAck('stream:create', { roomId: 'show', title: 'Show' });
    await host.emitWithAck('room:join', { roomId: 'show' });
    const troll = await joined(a, US('troll'));
    const posted: string[] = [];
    for (const text of ['you are all fools', 'buy my stuff instead']) {
      const sent = await send(troll.socket, text);
      if (!sent.ok || sent.status !== 'published') throw new Error('not published');
      posted.push(sent.id);
    }
    const [rude, odd] = posted as [string, string];
    const r1 = await joined(a, US('r1'));
    const r2 = await joined(b, CN('r2'));
    const report = (s: RawSocket, messageId: string, reason?: string) =>
      s.emitWithAck('moderation:report', {
        roomId: 'show',
        messageId,
        ...(reason === undefined ? {} : { reason }),
      });
    expect(await report(r1.socket, rude, 'insults')).toMatchObject({ reporters: 1 });
    expect(await report(r2.socket, odd)).toMatchObject({ reporters: 1 });
    expect(await report(r2.socket, rude, 'rude')).toMatchObject({ reporters: 2, hidden: true });
    const list = async (server = a) => {
      const answer = await (
        await server.socket(HOST)
      ).emitWithAck('moderation:reports', {
        roomId: 'show',
      });
      if (!answer.ok) throw new Error(answer.error.message);
      return answer.reports;
    };
    // on every node, most recently reported first; removed by the reports, it says so
    expect(await list(b)).toMatchObject([
      {
        messageId: rude,
        text: 'you are all fools',
        author: { id: 'troll' },
        reporters: 2,
        reasons: ['rude', 'insults'],
        hidden: true,
      },
      { messageId: odd, reporters: 1, reasons: [], hidden: false },
    ]);
    // a viewer may report, not read the list nor dismiss
    expect(await r1.socket.emitWithAck('moderation:reports', { roomId: 'show' })).toMatchObject({
      ok: false,
      error: { code: 'FORBIDDEN' },
    });
    expect(
      await r1.socket.emitWithAck('moderation:dismiss', { roomId: 'show', messageId: odd }),
    ).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    // dismissed: off the list, once
    const dismiss = (messageId: string) =>
      host.emitWithAck('moderation:dismiss', { roomId: 'show', messageId });
    expect(await dismiss(rude)).toEqual({ ok: true, dismissed: true });
    expect(await dismiss(rude)).toEqual({ ok: true, dismissed: false });
    // a reported message a moderator deletes is dealt with
    expect(await host.emitWithAck('chat:delete', { roomId: 'show', messageId: odd })).toMatchObject(
      { ok: true },
    );
    await eventuallyAsync(async () => (await list()).length === 0);
    // the same over HTTP, and the dismissal is on record
    const auth = { authorization: `Bearer ${await a.token(HOST)}` };
    const res = await fetch(`${b.url}/v1/rooms/show/reports`, { headers: auth });
    expect(await res.json()).toEqual({ ok: true, reports: [] });
    const dismissals = async () =>
      (await decisions(a, 'since=0&room=show')).filter((d) => d.action === 'dismiss-reports');
    await eventuallyAsync(async () => (await dismissals()).length === 1);
    expect(await dismissals()).toMatchObject([
      { messageId: rude, userId: 'troll', by: 'hana', detector: 'moderator' },
    ]);
  });

  it('lets the host appoint moderators of the room, on every node, and take it back', async () => {
    const [a, b] = await setup(POLICY);
    const host = await a.socket(HOST);
    await host.emitWithAck('stream:create', { roomId: 'show', title: 'Show' });
    await host.emitWithAck('room:join', { roomId: 'show' });
    const mod = await joined(b, US('mo'));
    const troll = await joined(a, US('troll'));
    const posted = await send(troll.socket, 'spam spam');
    if (!posted.ok || posted.status !== 'published') throw new Error('not published');
    const sanction = () =>
      mod.socket.emitWithAck('moderation:sanction', {
        roomId: 'show',
        userId: 'troll',
        kind: 'timeout',
        seconds: 30,
      });
    expect(await sanction()).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    // only the host appoints
    expect(
      await mod.socket.emitWithAck('moderation:role', {
        roomId: 'show',
        userId: 'mo',
        role: 'moderator',
      }),
    ).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    const role = nextEvent<ServerPayload<'room:role'>>(mod.socket, 'room:role');
    expect(
      await host.emitWithAck('moderation:role', {
        roomId: 'show',
        userId: 'mo',
        role: 'moderator',
      }),
    ).toMatchObject({ ok: true });
    expect(await role).toMatchObject({ userId: 'mo', role: 'moderator' });
    expect(await sanction()).toMatchObject({ ok: true, sanction: { by: 'mo' } });
    expect(
      await mod.socket.emitWithAck('chat:delete', { roomId: 'show', messageId: posted.id }),
    ).toMatchObject({ ok: true });
    // a late joiner's snapshot names the room's moderators; the moderator's own says so too
    expect((await joined(b, US('late'))).snapshot.moderators).toEqual(['mo']);
    expect((await joined(a, US('mo'))).snapshot.role).toBe('moderator');
    await host.emitWithAck('moderation:role', { roomId: 'show', userId: 'mo', role: 'viewer' });
    await eventually(() => b.app.internals.registry.get('show')?.moderators.length === 0);
    const moderated = async () =>
      (await decisions(b, 'since=0&room=show')).filter((d) => d.detector === 'moderator');
    await eventuallyAsync(async () => (await moderated()).length >= 4);
    const audit = await moderated();
    // kept without waiting (the actions' answers do not wait for their records): in any order
    expect(
      audit
        .filter((d) => d.detector === 'moderator')
        .map((d) => [d.action, d.userId, d.by])
        .sort(),
    ).toEqual([
      ['appoint', 'mo', 'hana'],
      ['delete', 'troll', 'mo'],
      ['dismiss', 'mo', 'hana'],
      ['timeout', 'troll', 'mo'],
    ]);
    expect(
      await mod.socket.emitWithAck('moderation:lift', {
        roomId: 'show',
        userId: 'troll',
        kind: 'timeout',
      }),
    ).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
  });

  it('shows a shadow-banned user their messages and nobody else', async () => {
    const [a, b] = await setup(POLICY);
    const host = await a.socket(HOST);
    await host.emitWithAck('stream:create', { roomId: 'show', title: 'Show' });
    await host.emitWithAck('room:join', { roomId: 'show' });
    const other = await joined(b, US('sam'));
    const otherFeed = feed(other.socket);
    await host.emitWithAck('moderation:sanction', {
      roomId: 'show',
      userId: 'troll',
      kind: 'shadow',
    });
    const client = await a.client(US('troll'));
    const room = await client.join('show');
    const sent = await room.chat.send('nobody sees this');
    expect(sent).toMatchObject({ status: 'published' });
    if (sent.status !== 'published') throw new Error('held');
    await eventually(() => otherFeed.seen.has(sent.seq));
    expect(otherFeed.seen.get(sent.seq)).toBeNull();
    await eventually(() => room.state.chat.some((m) => m.id === sent.id));
    expect(room.state.chat.find((m) => m.id === sent.id)?.text).toBe('nobody sees this');
    expect(room.state.seq).toBeGreaterThanOrEqual(sent.seq);
  });
});

describe.each(setups)('the classifier hook (%s)', (_name, setup) => {
  let classifier: ClassifierServer | undefined;
  afterEach(async () => {
    classifier?.release();
    await classifier?.close();
    classifier = undefined;
  });

  it('hides what it flags; slow, down or rate limited, it holds new accounts and lets trusted ones through', async () => {
    classifier = await startClassifierServer([
      { word: 'idiot', category: 'harassment', score: 0.9 },
    ]);
    const policy: ModerationPolicyInput = {
      version: 'classified-1',
      defaultGroup: 'global',
      groups: [
        {
          id: 'global',
          rules: [],
          classifier: {
            url: classifier.url,
            thresholds: [{ category: 'harassment', score: 0.5, action: 'hide' }],
            // generous, so a loaded machine's local round trip is never taken for a slow classifier
            budgetMs: 1500,
            breaker: { failures: 1000, openMs: 1000 },
            onFailure: { holdBelow: 'known', action: 'hold' },
          },
        },
      ],
    };
    const [a, b] = await setup(policy);
    const host = await a.socket(HOST);
    await host.emitWithAck('stream:create', { roomId: 'show', title: 'Show' });
    await host.emitWithAck('room:join', { roomId: 'show' });
    const watcher = await joined(b, US('sam'));
    const watched = feed(watcher.socket);
    const now = Math.floor(Date.now() / 1000);
    const newbie = await joined(a, { ...US('newbie'), created: now - 60 });
    const known = await joined(a, { ...US('known'), created: now - 365 * 86_400 });
    const buyer = await joined(b, { ...US('buyer'), created: now - 60, buyer: true });

    const flagged = await send(known.socket, 'you are an idiot');
    const fine = await send(newbie.socket, 'love this jacket');
    if (!flagged.ok || flagged.status !== 'published' || !fine.ok || fine.status !== 'published')
      throw new Error('not published');
    await eventually(() => watched.seen.has(fine.seq));
    expect(watched.seen.get(flagged.seq)).toBeNull();
    expect(watched.seen.get(fine.seq)).toBe('love this jacket');

    for (const mode of ['slow', 'down', '429'] as const) {
      classifier.mode(mode, mode === '429' ? { retryAfter: 1 } : {});
      const fromNew = await send(newbie.socket, `is this real (${mode})`);
      expect(fromNew).toMatchObject({ ok: true, status: 'held' });
      const fromKnown = await send(known.socket, `looks good (${mode})`);
      expect(fromKnown).toMatchObject({ ok: true, status: 'published' });
      const fromBuyer = await send(buyer.socket, `bought one (${mode})`);
      expect(fromBuyer).toMatchObject({ ok: true, status: 'published' });
      classifier.release();
    }
    const held = await host.emitWithAck('moderation:held', { roomId: 'show' });
    if (!held.ok) throw new Error(held.error.message);
    expect(held.held.map((h) => [h.author.id, h.rule])).toEqual([
      ['newbie', 'classifier-unavailable'],
      ['newbie', 'classifier-unavailable'],
      ['newbie', 'classifier-unavailable'],
    ]);
  });
});

describe('moderation over /v1', () => {
  it('lists and reviews held messages and sets and lifts sanctions with a host token', async () => {
    const server = await start({}, { moderationPolicy: POLICY });
    const host = await server.socket(HOST);
    await host.emitWithAck('stream:create', { roomId: 'show', title: 'Show' });
    const author = await joined(server, CN('wu'));
    const held = await send(author.socket, 'go to evil.example.com now');
    if (!held.ok || held.status !== 'held') throw new Error('not held');
    const auth = { authorization: `Bearer ${await server.token(HOST)}` };
    const json = { ...auth, 'content-type': 'application/json' };
    const api = (path: string, init: RequestInit = {}) =>
      fetch(`${server.url}/v1/rooms/show${path}`, { headers: auth, ...init });

    const queue = await api('/held');
    expect(await queue.json()).toMatchObject({ ok: true, held: [{ id: held.id }] });
    const viewerToken = await server.token(US('sam'));
    expect(
      (await api('/held', { headers: { authorization: `Bearer ${viewerToken}` } })).status,
    ).toBe(403);
    const review = await api(`/held/${held.id}`, {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ approve: true }),
    });
    expect(await review.json()).toMatchObject({ ok: true, seq: expect.any(Number) });

    const banned = await api('/sanctions', {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ userId: 'wu', kind: 'timeout', seconds: 600 }),
    });
    expect(await banned.json()).toMatchObject({ ok: true, sanction: { kind: 'timeout' } });
    expect(await send(author.socket, 'hi')).toMatchObject({
      ok: false,
      error: { code: 'TIMED_OUT' },
    });
    const bad = await api('/sanctions', {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ userId: 'wu', kind: 'timeout', seconds: 1 }),
    });
    expect(bad.status).toBe(400);
    expect(await (await api('/sanctions')).json()).toMatchObject({
      ok: true,
      sanctions: [{ userId: 'wu', kind: 'timeout' }],
    });
    const lifted = await api('/sanctions/wu/timeout', { method: 'DELETE' });
    expect(await lifted.json()).toMatchObject({ ok: true, lifted: true });
    expect(await send(author.socket, 'hi again')).toMatchObject({ ok: true, status: 'published' });
    // exports are for admins only
    const denied = await fetch(`${server.url}/v1/moderation/decisions?since=0`, { headers: auth });
    expect(denied.status).toBe(403);
    const badQuery = await fetch(`${server.url}/v1/moderation/decisions?since=yesterday`, {
      headers: { authorization: `Bearer ${await server.token({ sub: 'root', role: 'admin' })}` },
    });
    expect(badQuery.status).toBe(400);
  });
});
