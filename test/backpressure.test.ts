import { WebSocket } from 'ws';
import { describe, expect, it } from 'vitest';
import { eventually, nextEvent } from './helpers/events.js';
import { openShow, useServers, type RawSocket, type TestServer } from './helpers/server.js';

const start = useServers();

const FLOOD_ENV = {
  BACKPRESSURE_SOFT_BYTES: String(64 * 1024),
  BACKPRESSURE_CHECK_MS: '20',
  CHAT_RATE_BURST: '1000000',
  CHAT_RATE_PER_SECOND: '1000000',
  CONNECTION_EVENTS_BURST: '1000000',
  CONNECTION_EVENTS_PER_SECOND: '1000000',
  USER_EVENTS_BURST: '1000000',
  USER_EVENTS_PER_SECOND: '1000000',
  CHAT_BUDGET_PER_TICK: '10000',
};

/** A client speaking the socket.io wire protocol over `ws` that can stop reading its TCP socket. */
async function slowClient(server: TestServer, roomId: string) {
  const token = await server.token({ sub: 'slow' });
  const ws = new WebSocket(`ws://127.0.0.1:${server.port}/socket.io/?EIO=4&transport=websocket`);
  const events: { name: string; payload: Record<string, unknown> }[] = [];
  const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
  await new Promise<void>((resolve) => {
    ws.on('message', (data) => {
      const frame = (data as Buffer).toString();
      if (frame === '2') ws.send('3');
      else if (frame.startsWith('0{')) ws.send(`40${JSON.stringify({ token })}`);
      else if (frame.startsWith('40')) ws.send(`421${JSON.stringify(['room:join', { roomId }])}`);
      else if (frame.startsWith('431')) resolve();
      else if (frame.startsWith('42[')) {
        const [name, payload] = JSON.parse(frame.slice(2)) as [string, Record<string, unknown>];
        events.push({ name, payload });
      }
    });
  });
  const tcp = (ws as unknown as { _socket: { pause(): void; resume(): void } })._socket;
  return {
    events,
    closed,
    pause: () => tcp.pause(),
    resume: () => tcp.resume(),
    close: () => ws.terminate(),
  };
}

function sessionOf(server: TestServer, userId: string) {
  const socket = [...server.app.internals.io.of('/').sockets.values()].find(
    (s) => s.data.session.identity.id === userId,
  );
  if (!socket) throw new Error(`no socket for ${userId}`);
  return socket.data.session;
}

async function actions(server: TestServer): Promise<string> {
  return server.app.metrics.registry.getSingleMetricAsString('liveshop_backpressure_actions_total');
}

/** Sends 500-character messages until the monitor acts. */
async function floodUntil(server: TestServer, host: RawSocket, action: string): Promise<number> {
  const text = 'x'.repeat(500);
  let sent = 0;
  while (!(await actions(server)).includes(action)) {
    if (sent > 100_000) throw new Error(`no ${action} after ${sent} messages`);
    await Promise.all(
      Array.from({ length: 200 }, () => host.emitWithAck('chat:send', { roomId: 'show', text })),
    );
    sent += 200;
  }
  return sent;
}

async function show(server: TestServer) {
  const { host, viewers } = await openShow(server, [{ sub: 'calm' }]);
  return { host, bystander: viewers[0]! };
}

describe('backpressure', () => {
  it('a socket over its limit loses chat but still gets control events, and gets chat back once drained', async () => {
    const server = await start({
      ...FLOOD_ENV,
      BACKPRESSURE_HARD_BYTES: String(64 << 20),
      BACKPRESSURE_GRACE_MS: '600000',
    });
    const { host, bystander } = await show(server);
    const slow = await slowClient(server, 'show');
    slow.pause();
    await floodUntil(server, host, 'feed_paused');
    // the flood's last messages may have gone out before the pause; this one cannot
    expect(sessionOf(server, 'slow').feedPausedSince).not.toBeNull();
    const missed = await host.emitWithAck('chat:send', { roomId: 'show', text: 'missed' });
    if (!missed.ok || missed.status !== 'published') throw new Error('send failed');

    // while paused from the feed, a control event is still queued for it
    await host.emitWithAck('chat:set-slow-mode', { roomId: 'show', seconds: 5 });
    const lastChat = await host.emitWithAck('chat:send', { roomId: 'show', text: 'while paused' });
    if (!lastChat.ok || lastChat.status !== 'published') throw new Error('send failed');
    await nextEvent(bystander, 'chat:batch', (b: { to: number }) => b.to >= lastChat.seq);
    slow.resume();
    await eventually(() => slow.events.some((e) => e.name === 'chat:slow-mode'), 20_000);
    const chatSeqs = slow.events
      .filter((e) => e.name === 'chat:batch')
      .map((e) => e.payload.to as number);
    // the slow socket lost what was sent while its feed was cut ...
    expect(Math.max(...chatSeqs)).toBeLessThan(missed.seq);
    // ... but the control event after it arrived
    expect(slow.events.find((e) => e.name === 'chat:slow-mode')?.payload).toMatchObject({
      seconds: 5,
    });

    // drained, it gets its feed back
    const session = sessionOf(server, 'slow');
    await eventually(() => session.feedPausedSince === null, 20_000);
    expect(await actions(server)).toContain('feed_resumed');
    await host.emitWithAck('chat:send', { roomId: 'show', text: 'after drain' });
    await eventually(() =>
      slow.events.some(
        (e) => e.name === 'chat:batch' && JSON.stringify(e.payload).includes('after drain'),
      ),
    );
    slow.close();
  });

  it('a socket that stays over its limit is disconnected; others are unaffected', async () => {
    const server = await start({
      ...FLOOD_ENV,
      BACKPRESSURE_HARD_BYTES: String(64 << 20),
      BACKPRESSURE_GRACE_MS: '300',
    });
    const { host, bystander } = await show(server);
    const slow = await slowClient(server, 'show');
    slow.pause();
    await floodUntil(server, host, 'feed_paused');
    await eventually(() => server.app.internals.io.of('/').sockets.size === 2, 10_000);
    expect(await actions(server)).toContain('disconnected');
    expect(bystander.connected).toBe(true);
    expect((await bystander.emitWithAck('time:sync', {})).ok).toBe(true);
    // shed, it reads "try again later" (1013) once it reads again
    slow.resume();
    expect(await slow.closed).toBe(1013);
    slow.close();
  });
});
