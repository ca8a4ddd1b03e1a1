import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** The server's Prometheus metrics, on a registry of its own (no global state). */
export class Metrics {
  readonly registry = new Registry();
  readonly connections = new Gauge({
    name: 'liveshop_connections',
    help: 'Open socket.io connections',
    registers: [this.registry],
  });
  readonly rooms = new Gauge({
    name: 'liveshop_rooms',
    help: 'Stream rooms held by this process',
    registers: [this.registry],
  });
  readonly eventsIn = new Counter({
    name: 'liveshop_events_in_total',
    help: 'Client events received, by event name and outcome',
    labelNames: ['event', 'outcome'] as const,
    registers: [this.registry],
  });
  readonly eventsOut = new Counter({
    name: 'liveshop_events_out_total',
    help: 'Events sent: one per room broadcast or direct emit, by event name',
    labelNames: ['event'] as const,
    registers: [this.registry],
  });
  readonly nativePublishes = new Counter({
    name: 'liveshop_uws_native_publish_total',
    help: 'Room broadcasts that took uWS native publish (fan-out in C++)',
    registers: [this.registry],
  });
  readonly batchSize = new Histogram({
    name: 'liveshop_chat_batch_messages',
    help: 'Chat messages per batch sent',
    buckets: [1, 2, 5, 10, 20, 50, 100, 200, 500],
    registers: [this.registry],
  });
  readonly chatSkipped = new Counter({
    name: 'liveshop_chat_sampled_out_total',
    help: 'Chat messages left out of batches by sampling (kept in history)',
    registers: [this.registry],
  });
  readonly ackLatency = new Histogram({
    name: 'liveshop_ack_latency_seconds',
    help: 'Time from receiving a client event to sending its ack',
    labelNames: ['event'] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
    registers: [this.registry],
  });
  readonly backpressure = new Counter({
    name: 'liveshop_backpressure_actions_total',
    help: 'Slow sockets: chat paused, resumed, or disconnected',
    labelNames: ['action'] as const,
    registers: [this.registry],
  });
  readonly uwsNative = new Gauge({
    name: 'liveshop_uws_native',
    help: '1 when uWebSockets.js runs its native addon, 0 on the JavaScript fallback',
    registers: [this.registry],
  });
  readonly ready = new Gauge({
    name: 'liveshop_ready',
    help: '1 when ready to take traffic',
    registers: [this.registry],
  });

  readonly roomReloads = new Counter({
    name: 'liveshop_room_reloads_total',
    help: 'Rooms this node restarted from the engine (epoch changed, or it fell behind the log)',
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'liveshop_' });
  }

  /** Reports whether the engine's backing services are reachable, read at each scrape. */
  trackEngine(name: string, isReady: () => boolean): void {
    new Gauge({
      name: 'liveshop_engine_connected',
      help: '1 while the engine reaches its backing services (always 1 for memory)',
      labelNames: ['engine'],
      registers: [this.registry],
      collect() {
        this.set({ engine: name }, isReady() ? 1 : 0);
      },
    });
  }
}
