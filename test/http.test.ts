import { describe, expect, it } from 'vitest';
import { useServers } from './helpers/server.js';

const start = useServers();

describe('HTTP endpoints', () => {
  it('/healthz answers while the process runs; /readyz only while listening and ready', async () => {
    const server = await start();
    const health = await fetch(`${server.url}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok' });
    const ready = await fetch(`${server.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready' });
    expect((await fetch(`${server.url}/nope`)).status).toBe(404);
  });

  it('/metrics exposes connections, rooms, events by type, batch sizes, ack latency and event-loop lag', async () => {
    const server = await start();
    const h = await server.socket({ sub: 'hana', role: 'host' });
    await h.emitWithAck('stream:create', { roomId: 'm', title: 'Metrics' });
    await h.emitWithAck('room:join', { roomId: 'm' });
    await h.emitWithAck('chat:send', { roomId: 'm', text: 'count me' });
    await h.emitWithAck('chat:send', { roomId: 'm', text: '' });
    const res = await fetch(`${server.url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain');
    const text = await res.text();
    expect(text).toMatch(/^liveshop_connections 1$/m);
    expect(text).toMatch(/^liveshop_rooms 1$/m);
    expect(text).toMatch(/^liveshop_engine_connected\{engine="memory"\} 1$/m);
    expect(text).toMatch(/^liveshop_events_in_total\{event="chat:send",outcome="ok"\} 1$/m);
    expect(text).toMatch(
      /^liveshop_events_in_total\{event="chat:send",outcome="BAD_REQUEST"\} 1$/m,
    );
    expect(text).toMatch(/^liveshop_ack_latency_seconds_count\{event="chat:send"\} 1$/m);
    expect(text).toMatch(
      /^liveshop_events_out_total\{event="server:hello"\}|^liveshop_events_out_total\{event="room:viewers"\}/m,
    );
    expect(text).toMatch(/^liveshop_chat_batch_messages_bucket/m);
    expect(text).toMatch(/^liveshop_nodejs_eventloop_lag_seconds /m);
    expect(text).toMatch(/^liveshop_uws_native 1$/m);
  });
});
