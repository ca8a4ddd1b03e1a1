import { Agent, request } from 'node:http';
import { io as ioClient } from 'socket.io-client';
import { describe, expect, it } from 'vitest';
import { createClient } from '../client-sdk/src/index.js';
import { signToken } from '../server/auth.js';
import { nextEvent } from './helpers/events.js';
import { useServerProcesses } from './helpers/process.js';
import { TEST_SECRET, useServers } from './helpers/server.js';

const startProcess = useServerProcesses();
const token = (sub: string) => signToken({ sub }, TEST_SECRET, { ttlSeconds: 600 });

describe('SIGTERM', () => {
  it('drains: clients are told server:draining, the SDK leaves to reconnect, and the process exits 0', async () => {
    const server = await startProcess({ DRAIN_TIMEOUT_MS: '20000', DRAIN_RECONNECT_MS: '60000' });
    const clients = await Promise.all(
      ['a', 'b', 'c'].map(async (sub) => {
        const client = createClient({
          url: server.url,
          token: await token(sub),
          transports: ['websocket'],
        });
        await nextEvent(client, 'connected');
        return client;
      }),
    );
    try {
      const told = clients.map((c) => nextEvent<{ reconnectAfterMs: number }>(c, 'draining'));
      const left = clients.map((c) => nextEvent(c, 'disconnected'));
      server.child.kill('SIGTERM');
      for (const info of await Promise.all(told)) expect(info.reconnectAfterMs).toBe(60000);
      await Promise.all(left);
      expect(await server.exited).toBe(0);
      const messages = server.logs.map((l) => l.msg);
      expect(messages).toEqual(expect.arrayContaining(['shutting down', 'draining', 'closed']));
      // everyone left, so it closed without waiting for the 20 s deadline
      expect(messages).not.toContain('drain deadline passed; closing');
    } finally {
      for (const c of clients) c.close();
    }
  });

  it('refuses new connections while draining and closes stragglers at the deadline', async () => {
    const server = await startProcess({ DRAIN_TIMEOUT_MS: '1500' });
    // a raw socket.io client that ignores server:draining
    const stubborn = ioClient(server.url, {
      auth: { token: await token('stubborn') },
      transports: ['websocket'],
      reconnection: false,
    });
    await nextEvent(stubborn, 'connect');
    try {
      const told = nextEvent(stubborn, 'server:draining');
      const closed = nextEvent(stubborn, 'disconnect', () => true, 30_000);
      server.child.kill('SIGTERM');
      await told;
      // a newcomer is refused: the listen socket is closed
      await expect(fetch(`${server.url}/healthz`)).rejects.toThrow();
      expect(stubborn.connected).toBe(true);
      expect(await server.exited).toBe(0);
      await closed;
      // the straggler was still connected when the deadline's timer fired, and was closed then
      expect(server.logs.some((l) => l.msg === 'drain deadline passed; closing')).toBe(true);
    } finally {
      stubborn.close();
    }
  });
});

/** HTTP over one kept-alive connection (maxSockets 1), as a load balancer's pool would hold. */
function keptAlive(baseUrl: string) {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const send = (path: string, method = 'GET', body?: string) =>
    new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = request(`${baseUrl}${path}`, { method, agent }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      });
      req.on('error', reject);
      req.end(body);
    });
  return { send, close: () => agent.destroy() };
}

describe('drain in process', () => {
  const start = useServers();

  it('a handshake arriving over a kept-alive HTTP connection while draining gets SERVER_DRAINING', async () => {
    const server = await start({ DRAIN_TIMEOUT_MS: '5000' });
    const stay = await server.socket({ sub: 'stay' }); // keeps the drain waiting
    const http = keptAlive(server.url);
    try {
      expect(await http.send('/healthz')).toMatchObject({ status: 200 });
      const told = nextEvent(stay, 'server:draining');
      const draining = server.app.drain();
      await told;
      expect(await http.send('/readyz')).toEqual({
        status: 503,
        text: JSON.stringify({ status: 'not ready', reason: 'draining' }),
      });

      const base = '/socket.io/?EIO=4&transport=polling';
      const open = await http.send(base);
      const sid = (JSON.parse(open.text.slice(1)) as { sid: string }).sid;
      const token = await server.token({ sub: 'late' });
      await http.send(`${base}&sid=${sid}`, 'POST', `40${JSON.stringify({ token })}`);
      const answer = (await http.send(`${base}&sid=${sid}`)).text;
      expect(answer.startsWith('44')).toBe(true);
      expect(JSON.parse(answer.slice(2))).toMatchObject({
        data: { code: 'SERVER_DRAINING', retryable: true },
      });
      stay.disconnect();
      await draining;
    } finally {
      http.close();
    }
  });
});
