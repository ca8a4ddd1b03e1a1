import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { MediaService } from '../media/index.js';

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
  readonly chatWithheld = new Counter({
    name: 'liveshop_chat_withheld_total',
    help: 'Placeholders sent for chat messages an audience does not see (moderation), per partition batch',
    registers: [this.registry],
  });
  readonly moderationDecisions = new Counter({
    name: 'liveshop_moderation_outcomes_total',
    help: 'Chat messages by what moderation made of them at the sending node',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });
  readonly classifierCalls = new Counter({
    name: 'liveshop_moderation_classifier_calls_total',
    help: 'Classifier verdicts by policy group and outcome (scored, cached, or why it failed)',
    labelNames: ['group', 'outcome'] as const,
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

  readonly dataLoss = new Counter({
    name: 'liveshop_engine_data_loss_total',
    help: 'Data losses of the engine found and repaired from the order journal: a drop Redis had lost (missing) or held an older copy of (stale), or its merchant outbox (outbox)',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });

  readonly journalFailures = new Counter({
    name: 'liveshop_journal_failures_total',
    help: 'Commits of the embedded engine journal that failed (a full or lost disk): it refuses every write from then on, until a restart',
    registers: [this.registry],
  });

  readonly roomReloads = new Counter({
    name: 'liveshop_room_reloads_total',
    help: 'Rooms this node restarted from the engine (epoch changed, or it fell behind the log)',
    registers: [this.registry],
  });

  readonly wsRefused = new Counter({
    name: 'liveshop_ws_protocol_closes_total',
    help: 'WebSocket connections closed for what they sent: oversized (1009 sent), or cut by uWS (invalid_utf8, too_big beyond the read limit, protocol)',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });
  readonly connectionsAdmitted = new Counter({
    name: 'liveshop_connections_admitted_total',
    help: 'New connections let through the admission gate (connection cap and rate limits)',
    registers: [this.registry],
  });
  readonly connectionsRefused = new Counter({
    name: 'liveshop_connections_refused_total',
    help: 'New connections refused at the upgrade: the node was full (cap), or over its rate (node_rate) or the address over its own (ip_rate)',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });
  readonly shedLevel = new Gauge({
    name: 'liveshop_shed_level',
    help: 'Load-shedding steps engaged now, 0 to 5 (reactions, viewer_counts, chat, replays, joins: cheapest first)',
    registers: [this.registry],
  });
  readonly shedChanges = new Counter({
    name: 'liveshop_shed_changes_total',
    help: 'Load-shedding steps engaged or released, by step',
    labelNames: ['step', 'change'] as const,
    registers: [this.registry],
  });
  readonly shedWork = new Counter({
    name: 'liveshop_shed_work_total',
    help: 'Work given up while shedding: reaction sums and viewer counts not sent, joins refused',
    labelNames: ['work'] as const,
    registers: [this.registry],
  });
  readonly loopLag = new Gauge({
    name: 'liveshop_event_loop_lag_seconds',
    help: 'Event-loop delay, p99 of the last overload sample',
    registers: [this.registry],
  });
  readonly cpuShare = new Gauge({
    name: 'liveshop_cpu_share',
    help: 'Share of one core this process used over the last overload sample',
    registers: [this.registry],
  });
  readonly webhookPosts = new Counter({
    name: 'liveshop_webhook_posts_total',
    help: 'Attempts to post a merchant event to the webhook: delivered (2xx) or failed',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'liveshop_' });
  }

  /** Media counts, read from the service at each scrape. */
  trackMedia(media: MediaService): void {
    const registers = [this.registry];
    new Gauge({
      name: 'liveshop_media_available',
      help: '1 when mediasoup workers run and video can be relayed',
      registers,
      collect() {
        this.set(media.available ? 1 : 0);
      },
    });
    new Gauge({
      name: 'liveshop_media_producers',
      help: 'Tracks hosts publish on this node',
      registers,
      collect() {
        this.set(media.stats().producers);
      },
    });
    new Gauge({
      name: 'liveshop_media_consumers',
      help: 'Consumers on this node (viewers, and pipes between workers)',
      registers,
      collect() {
        this.set(media.stats().consumers);
      },
    });
    new Gauge({
      name: 'liveshop_media_over_budget',
      help: 'Viewers placed on a worker past its consumer budget because every worker was full',
      registers,
      collect() {
        this.set(media.stats().overBudget);
      },
    });
    new Gauge({
      name: 'liveshop_media_worker_consumers',
      help: 'Consumers per mediasoup worker',
      labelNames: ['worker'] as const,
      registers,
      collect() {
        this.reset();
        for (const w of media.stats().workers) this.set({ worker: String(w.slot) }, w.consumers);
      },
    });
    new Gauge({
      name: 'liveshop_media_worker_cpu_seconds',
      help: 'CPU time used by each mediasoup worker process (user + system)',
      labelNames: ['worker'] as const,
      registers,
      async collect() {
        this.reset();
        for (const { slot, seconds } of await media.cpu())
          this.set({ worker: String(slot) }, seconds);
      },
    });
    new Gauge({
      name: 'liveshop_media_bitrate_bps',
      help: 'Media bitrate over all transports: received from hosts, sent to viewers',
      labelNames: ['direction'] as const,
      registers,
      async collect() {
        const { received, sent } = await media.bitrates();
        this.set({ direction: 'received' }, received);
        this.set({ direction: 'sent' }, sent);
      },
    });
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
