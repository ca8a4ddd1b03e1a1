import { groupRegions } from './lib/policies.js';
import { fmt, median } from './lib/report.js';
import { TARGET_LABELS, type TargetName } from './lib/targets.js';
import { dropBurst, type DropBurstResult } from './scenarios/drop-burst.js';
import { fanout, type FanoutResult } from './scenarios/fanout.js';
import { flood, type FloodResult } from './scenarios/flood.js';
import { fuzz, type FuzzResult } from './scenarios/fuzz.js';
import { idle, type IdleResult } from './scenarios/idle.js';
import { reconnect, type ReconnectResult } from './scenarios/reconnect.js';
import { relay, type RelayResult } from './scenarios/relay.js';
import type { BenchSpec } from './lib/bench-spec.js';
import { connectCostSpec, flashCrowdSpec } from './specs-surge.js';
import { auctionSnipeSpec } from './specs-auction.js';

type Values = Record<string, string>;

export type { BenchSpec } from './lib/bench-spec.js';

const num = (o: Values, k: string) => Number(o[k]);
const med = <R>(runs: R[], f: (r: R) => number) => median(runs.map(f));
const of = <R extends { target: TargetName }>(all: R[], t: TargetName) =>
  all.filter((r) => r.target === t);
const check = (ok: boolean, text: string) => `- ${ok ? '✅ met' : '❌ missed'}: ${text}`;

const fanoutSpec: BenchSpec<FanoutResult> = {
  // --groups N (N > 1): the audience comparison below instead
  options: {
    subscribers: '10000',
    rate: '200',
    messages: '400',
    bytes: '100',
    workers: '2',
    groups: '',
  },
  variant: (o) => (groupsOf(o) > 1 ? fanoutGroupsSpec : undefined),
  targets: ['plain-socketio', 'uws-raw', 'liveshop'],
  key: (o) => `fanout-${o.subscribers}-at-${o.rate}`,
  title: (o) =>
    `Fan-out: one room, ${fmt(num(o, 'subscribers'))} subscribers, ${o.rate} messages/s`,
  method: (o) =>
    `One publisher sends ${o.messages} chat messages of ${o.bytes} bytes at ${o.rate}/s into one room; every subscriber is a lightweight WebSocket client in a load worker. Latency runs from the server's timestamp on each message to its arrival. Server CPU is user + system time from /proc over the measured window (first message sent to last delivered). Our server batches a room's chat per tick; plain socket.io and raw uWS send each message as its own frame at once.`,
  run: (t, o, cpus) =>
    fanout(t, {
      subscribers: num(o, 'subscribers'),
      rate: num(o, 'rate'),
      messages: num(o, 'messages'),
      bytes: num(o, 'bytes'),
      workers: num(o, 'workers'),
      ...cpus,
    }),
  line: (r) =>
    `${fmt(r.deliveriesPerCpuSecond)} deliveries/CPU-s, p99 ${r.latencyMs.p99} ms, ${fmt(r.delivered)}/${fmt(r.expected)} delivered, load core ${fmt(r.loadCoreBusy * 100)}%`,
  columns: [
    ['deliveries per server CPU-second', (rs) => fmt(med(rs, (r) => r.deliveriesPerCpuSecond))],
    [
      'vs plain socket.io',
      (rs, all) =>
        `${fmt(med(rs, (r) => r.deliveriesPerCpuSecond) / med(of(all, 'plain-socketio'), (r) => r.deliveriesPerCpuSecond), 1)}×`,
    ],
    [
      'vs raw uWS',
      (rs, all) =>
        `${fmt(med(rs, (r) => r.deliveriesPerCpuSecond) / med(of(all, 'uws-raw'), (r) => r.deliveriesPerCpuSecond), 2)}×`,
    ],
    ['p50 ms', (rs) => fmt(med(rs, (r) => r.latencyMs.p50))],
    ['p99 ms', (rs) => fmt(med(rs, (r) => r.latencyMs.p99))],
    ['p99.9 ms', (rs) => fmt(med(rs, (r) => r.latencyMs.p999))],
    [
      'delivered',
      (rs) =>
        `${fmt(rs.reduce((n, r) => n + r.delivered, 0))} / ${fmt(rs.reduce((n, r) => n + r.expected, 0))}`,
    ],
    ['load core busy', (rs) => `${fmt(med(rs, (r) => r.loadCoreBusy) * 100)}%`],
  ],
  verdicts: (all) => {
    const ours = of(all, 'liveshop');
    if ((ours[0]?.subscribers ?? 0) < 10_000)
      return [
        "- The load-test issue's fan-out targets are set for a 10,000-subscriber room; see that section.",
      ];
    const rate = med(ours, (r) => r.deliveriesPerCpuSecond);
    return [
      check(
        rate >= 10 * med(of(all, 'plain-socketio'), (r) => r.deliveriesPerCpuSecond),
        'deliveries per server CPU-second ≥ 10× plain socket.io',
      ),
      check(
        rate >= med(of(all, 'uws-raw'), (r) => r.deliveriesPerCpuSecond),
        '≥ 1× raw uWS publishing one message per frame',
      ),
      check(med(ours, (r) => r.latencyMs.p99) <= 100, 'p99 ≤ 100 ms'),
    ];
  },
};

const groupsOf = (o: Values) => num(o, 'groups');

/** `fanout --groups N`: our server with its viewers split into N policy groups, against one. */
const fanoutGroupsSpec: BenchSpec<FanoutResult> = {
  options: fanoutSpec.options,
  targets: ['liveshop', 'liveshop-groups'],
  key: (o) => `fanout-${o.subscribers}-at-${o.rate}-groups-${o.groups}`,
  title: (o) =>
    `Fan-out by audience: one room, ${fmt(num(o, 'subscribers'))} subscribers in ${o.groups} policy groups, ${o.rate} messages/s`,
  method: (o) =>
    `The fan-out scenario with every subscriber signed in (a token each) with a region, the regions spread evenly over ${o.groups} groups (${groupRegions(groupsOf(o)).join(', ')}: ${fmt(Math.floor(num(o, 'subscribers') / groupsOf(o)))} or so each). **liveshop, viewers in policy groups** runs a moderation policy (\`MODERATION_POLICY\`) of ${o.groups} groups matched on region (the last one the default), each with a terms and a mentions rule that no message sets off, so every group sees every message: each tick the room sends one batch per group, each a single-room native uWS publish to its group's topic. **liveshop** gets the same subscribers and no policy: one audience, one batch per tick. One publisher (the room's host) sends ${o.messages} chat messages of ${o.bytes} bytes at ${o.rate}/s. Latency runs from the server's timestamp on each message to its arrival. Server CPU is user + system time from /proc over the measured window (first message sent to last delivered). "Chat batches sent" counts the server's \`chat:batch\` broadcasts in that window and, in brackets, the broadcasts that took uWS native publish (from its /metrics, read outside the window). "Fewest per subscriber" is the least any one subscriber received in a run (complete: ${o.messages}). Only our server runs: the baselines have no audiences.`,
  run: (t, o, cpus) =>
    fanout(t, {
      subscribers: num(o, 'subscribers'),
      rate: num(o, 'rate'),
      messages: num(o, 'messages'),
      bytes: num(o, 'bytes'),
      workers: num(o, 'workers'),
      groups: groupsOf(o),
      ...cpus,
    }),
  line: (r) =>
    `${r.groups} group${r.groups === 1 ? '' : 's'}: ${fmt(r.deliveriesPerCpuSecond)} deliveries/CPU-s, p99 ${r.latencyMs.p99} ms, ${fmt(r.delivered)}/${fmt(r.expected)} delivered, fewest per subscriber ${fmt(r.minPerSubscriber)}/${fmt(r.messages)}, load core ${fmt(r.loadCoreBusy * 100)}%`,
  columns: [
    ['policy groups', (rs) => String(rs[0]?.groups ?? '—')],
    ['deliveries per server CPU-second', (rs) => fmt(med(rs, (r) => r.deliveriesPerCpuSecond))],
    [
      'vs one group (no policy)',
      (rs, all) =>
        `${fmt(med(rs, (r) => r.deliveriesPerCpuSecond) / med(of(all, 'liveshop'), (r) => r.deliveriesPerCpuSecond), 2)}×`,
    ],
    ['p50 ms', (rs) => fmt(med(rs, (r) => r.latencyMs.p50))],
    ['p99 ms', (rs) => fmt(med(rs, (r) => r.latencyMs.p99))],
    [
      'delivered',
      (rs) =>
        `${fmt(rs.reduce((n, r) => n + r.delivered, 0))} / ${fmt(rs.reduce((n, r) => n + r.expected, 0))}`,
    ],
    [
      'chat batches sent (uWS native publishes)',
      (rs) =>
        `${fmt(med(rs, (r) => r.broadcasts?.batches ?? Number.NaN))} (${fmt(med(rs, (r) => r.broadcasts?.native ?? Number.NaN))})`,
    ],
    [
      'fewest per subscriber',
      (rs) =>
        `${fmt(Math.min(...rs.map((r) => r.minPerSubscriber)))} / ${fmt(rs[0]?.messages ?? 0)}`,
    ],
    ['load core busy', (rs) => `${fmt(med(rs, (r) => r.loadCoreBusy) * 100)}%`],
  ],
  verdicts: (all) => {
    const split = of(all, 'liveshop-groups');
    const ratio =
      med(split, (r) => r.deliveriesPerCpuSecond) /
      med(of(all, 'liveshop'), (r) => r.deliveriesPerCpuSecond);
    return [
      check(
        ratio >= 0.9,
        `deliveries per server CPU-second with ${split[0]?.groups ?? '?'} groups ≥ 0.9× one group (${fmt(ratio, 2)}×)`,
      ),
      check(
        all.every((r) => r.delivered === r.expected && r.minPerSubscriber === r.messages),
        'every subscriber received every message (every run, both servers)',
      ),
    ];
  },
};

const idleSpec: BenchSpec<IdleResult> = {
  options: { connections: '15000', processes: '1', rooms: '0' },
  targets: ['plain-socketio', 'uws-raw', 'liveshop'],
  key: (o) =>
    `idle-${o.connections}-in-${o.processes}${o.rooms === '0' ? '' : `-rooms-${o.rooms}`}`,
  title: (o) =>
    `Idle density: ${fmt(num(o, 'connections'))} connections over ${o.processes} server process${o.processes === '1' ? '' : 'es'}${o.rooms === '0' ? '' : `, each a viewer in one of ${o.rooms} rooms`}`,
  method: (o) =>
    `Connections open (and, on our server, authenticate${o.rooms === '0' ? '' : ' and join a room'}) and then idle for a few seconds; the figure is the growth of the server processes' resident memory (RSS from /proc) divided by the connections. No garbage collection is forced.`,
  run: (t, o, cpus) =>
    idle(t, {
      connections: num(o, 'connections'),
      processes: num(o, 'processes'),
      rooms: num(o, 'rooms'),
      ...cpus,
    }),
  line: (r) =>
    `${fmt(r.bytesPerConnection / 1024, 2)} KiB per connection (RSS ${fmt(r.rssBeforeMiB)} → ${fmt(r.rssAfterMiB)} MiB)`,
  columns: [
    ['KiB RSS per connection', (rs) => fmt(med(rs, (r) => r.bytesPerConnection) / 1024, 2)],
    [
      'server RSS MiB, idle → connected',
      (rs) => `${fmt(med(rs, (r) => r.rssBeforeMiB))} → ${fmt(med(rs, (r) => r.rssAfterMiB))}`,
    ],
  ],
  verdicts: (all) => [
    check(
      med(of(all, 'liveshop'), (r) => r.bytesPerConnection) <= 6 * 1024,
      '≤ 6 KB RSS per connection',
    ),
  ],
};

const floodSpec: BenchSpec<FloodResult> = {
  options: { chatters: '1000', 'per-chatter': '1', viewers: '2000', seconds: '5' },
  targets: ['plain-socketio', 'uws-raw', 'liveshop'],
  key: (o) => `flood-${o.chatters}x${o['per-chatter']}-to-${o.viewers}`,
  title: (o) =>
    `Hot-room chat flood: ${fmt(num(o, 'chatters'))} chatters at ${o['per-chatter']}/s, ${fmt(num(o, 'viewers'))} viewers`,
  method: (o) =>
    `${o.chatters} chatters send ${o['per-chatter']} message/s each for ${o.seconds} s into one room watched by ${o.viewers} viewers. Latency runs from the chatter's clock at sending to a viewer's receipt, so it includes time a busy server kept the message queued. Our server runs its default per-tick budget (20 messages per 50 ms tick) and samples the rest (the history keeps all); the baselines send every message to every viewer. Deliveries are counted for up to 20 s after the last message.`,
  run: (t, o, cpus) =>
    flood(t, {
      chatters: num(o, 'chatters'),
      perChatter: num(o, 'per-chatter'),
      viewers: num(o, 'viewers'),
      seconds: num(o, 'seconds'),
      ...cpus,
    }),
  line: (r) =>
    `${fmt(r.acceptedPerSecond)} accepted/s, ${fmt(r.deliveriesPerSecond)} deliveries/s (${fmt(r.deliveredShare * 100)}% of offered), server core ${fmt(r.serverCoreBusy * 100)}%, p99 ${fmt(r.latencyMs.p99)} ms`,
  columns: [
    ['chat accepted /s', (rs) => fmt(med(rs, (r) => r.acceptedPerSecond))],
    ['server core busy', (rs) => `${fmt(med(rs, (r) => r.serverCoreBusy) * 100)}%`],
    [
      'share of messages each viewer saw',
      (rs) => `${fmt(med(rs, (r) => r.deliveredShare) * 100)}%`,
    ],
    ['p50 ms', (rs) => fmt(med(rs, (r) => r.latencyMs.p50))],
    ['p99 ms', (rs) => fmt(med(rs, (r) => r.latencyMs.p99))],
    ['load core busy', (rs) => `${fmt(med(rs, (r) => r.loadCoreBusy) * 100)}%`],
  ],
  verdicts: () => [],
};

/** The reconnect storms' shared columns. */
type ReconnectColumn = BenchSpec<ReconnectResult>['columns'][number];
const BACK_99: ReconnectColumn = ['99% back (ms)', (rs) => fmt(med(rs, (r) => r.back99Ms))];
const BACK_ALL: ReconnectColumn = ['all back (ms)', (rs) => fmt(med(rs, (r) => r.backAllMs))];
const serverCpuColumn = (title: string): ReconnectColumn => [
  title,
  (rs) =>
    fmt(
      med(rs, (r) => r.serverCpuSeconds),
      2,
    ),
];

const reconnectSpec: BenchSpec<ReconnectResult> = {
  options: {
    clients: '10000',
    rate: '5',
    'min-delay': '500',
    'max-delay': '1500',
    backoff: 'window',
    'admit-rate': '0',
  },
  variant: (o) => (o.backoff === 'jitter' ? reconnectJitterSpec : undefined),
  targets: ['plain-socketio', 'uws-raw', 'liveshop'],
  key: (o) => `reconnect-${o.clients}`,
  title: (o) => `Reconnect storm: ${fmt(num(o, 'clients'))} clients dropped at once`,
  method: (o) =>
    `${o.clients} clients watch one room while a publisher sends ${o.rate} messages/s. Every connection is cut at once; each client comes back after a random ${o['min-delay']}-${o['max-delay']} ms (socket.io's default backoff window) and joins again: on our server with its last seq (resume), on the baselines plainly (they have no resume). "Back" is the time from the cut until a client has joined again; "lost" counts, over all clients, the messages published after the cut that a client never got.`,
  run: (t, o, cpus) =>
    reconnect(t, {
      clients: num(o, 'clients'),
      rate: num(o, 'rate'),
      minDelayMs: num(o, 'min-delay'),
      maxDelayMs: num(o, 'max-delay'),
      backoff: 'window',
      ...cpus,
    }),
  line: (r) =>
    `99% back in ${fmt(r.back99Ms)} ms, all in ${fmt(r.backAllMs)} ms, ${fmt(r.lost)} messages lost of ${fmt(r.published)} published, peak ${fmt(r.peakAttemptsPerSecond)} attempts/s and ${fmt(r.peakJoinsPerSecond)} joins/s, ${fmt(r.refusals)} refused`,
  columns: [
    BACK_99,
    BACK_ALL,
    ['messages lost (sum over clients)', (rs) => fmt(med(rs, (r) => r.lost))],
    ['published during the storm', (rs) => fmt(med(rs, (r) => r.published))],
    serverCpuColumn('server CPU s during the storm'),
  ],
  verdicts: (all) => {
    const ours = of(all, 'liveshop');
    return [
      check(
        med(ours, (r) => r.back99Ms) < 5000,
        `${fmt(ours[0]?.clients ?? 0)} clients 99% back in < 5 s`,
      ),
      check(
        ours.every((r) => r.lost === 0),
        '0 messages lost (every run)',
      ),
    ];
  },
};

/**
 * `reconnect --backoff jitter`: the SDK's own backoff against socket.io's default window, with our
 * server admitting at `--admit-rate` a second, so a restart herd spreads out.
 */
const reconnectJitterSpec: BenchSpec<ReconnectResult> = {
  ...reconnectSpec,
  variant: () => undefined,
  targets: ['plain-socketio', 'liveshop'],
  key: (o) => `reconnect-${o.clients}-jitter-${o['admit-rate']}`,
  title: (o) =>
    `Reconnect storm with the SDK's backoff: ${fmt(num(o, 'clients'))} clients, admission at ${fmt(num(o, 'admit-rate'))}/s`,
  method: (o) =>
    `${o.clients} clients watch one room while a publisher sends ${o.rate} messages/s; every connection is cut at once. Plain socket.io's clients come back as socket.io-client's default backoff does (a random ${o['min-delay']}-${o['max-delay']} ms, then every 250-500 ms after a failure). Ours come back as the SDK does: full jitter (each wait uniform in [0, min(${o['max-delay']}, ${o['min-delay']} × 2^attempt)] ms), after the server's retryAfterMs when it refused them; the server admits at most ${o['admit-rate']} new connections a second (CONNECT_RATE_PER_SECOND), refusing the rest at the upgrade with a spread wait. "Peak" is the most connection attempts, and joins, in any one second, counted at the clients (what the server saw arrive).`,
  run: (t, o, cpus) =>
    reconnect(t, {
      clients: num(o, 'clients'),
      rate: num(o, 'rate'),
      minDelayMs: t === 'liveshop' ? num(o, 'min-delay') : 500,
      maxDelayMs: t === 'liveshop' ? num(o, 'max-delay') : 1500,
      backoff: t === 'liveshop' ? 'jitter' : 'window',
      admitRate: t === 'liveshop' ? num(o, 'admit-rate') : 0,
      ...cpus,
    }),
  columns: [
    BACK_99,
    BACK_ALL,
    ['peak attempts /s', (rs) => fmt(med(rs, (r) => r.peakAttemptsPerSecond))],
    ['peak joins /s', (rs) => fmt(med(rs, (r) => r.peakJoinsPerSecond))],
    ['refused (then back)', (rs) => fmt(med(rs, (r) => r.refusals))],
    ['messages lost', (rs) => fmt(med(rs, (r) => r.lost))],
    serverCpuColumn('server CPU s'),
  ],
  verdicts: (all) => {
    const ours = of(all, 'liveshop');
    return [
      check(
        ours.every((r) => r.reconnected === r.clients),
        'every client back (every run)',
      ),
      check(
        ours.every((r) => r.lost === 0),
        '0 messages lost (every run)',
      ),
    ];
  },
};

const crossnodeSpec: BenchSpec<FanoutResult> = {
  ...fanoutSpec,
  variant: () => undefined,
  options: { subscribers: '10000', rate: '50', messages: '200', bytes: '100', workers: '2' },
  targets: ['liveshop', 'liveshop-2nodes', 'sio-redis'],
  key: (o) => `crossnode-${o.subscribers}-at-${o.rate}`,
  title: (o) =>
    `Cross-node fan-out: one room, ${fmt(num(o, 'subscribers'))} subscribers over two nodes, ${o.rate} messages/s`,
  method: (o) =>
    `The fan-out scenario over two nodes and Redis against one node: the publisher sends ${o.messages} messages of ${o.bytes} bytes at ${o.rate}/s on the first node; subscribers are split evenly over the nodes. Both nodes and Redis share the server core, and server CPU is their sum, so deliveries per CPU-second show what spreading a room over nodes costs. The socket.io baseline runs two plain socket.io nodes with @socket.io/redis-adapter.`,
  columns: [
    ['deliveries per server CPU-second', (rs) => fmt(med(rs, (r) => r.deliveriesPerCpuSecond))],
    [
      'vs one liveshop node',
      (rs, all) =>
        `${fmt(med(rs, (r) => r.deliveriesPerCpuSecond) / med(of(all, 'liveshop'), (r) => r.deliveriesPerCpuSecond), 2)}×`,
    ],
    ['p50 ms', (rs) => fmt(med(rs, (r) => r.latencyMs.p50))],
    ['p99 ms', (rs) => fmt(med(rs, (r) => r.latencyMs.p99))],
    [
      'delivered',
      (rs) =>
        `${fmt(rs.reduce((n, r) => n + r.delivered, 0))} / ${fmt(rs.reduce((n, r) => n + r.expected, 0))}`,
    ],
    ['server RSS MiB', (rs) => fmt(med(rs, (r) => r.serverRssMiB))],
  ],
  verdicts: (all) => {
    const two = of(all, 'liveshop-2nodes');
    return [
      check(
        two.every((r) => r.delivered === r.expected),
        'every message reached every subscriber on both nodes (every run)',
      ),
    ];
  },
};

const relaySpec: BenchSpec<RelayResult> = {
  options: {
    subscribers: '100',
    rate: '1000',
    messages: '5000',
    bytes: '100',
    'restart-rate': '100',
    'restart-seconds': '5',
  },
  targets: ['sio-redis', 'sio-redis-sharded', 'sio-redis-streams', 'liveshop-2nodes'],
  key: (o) => `relay-${o.subscribers}-at-${o.rate}`,
  title: (o) =>
    `Fan-out between nodes: ${o.rate} messages/s from node A to ${fmt(num(o, 'subscribers'))} subscribers on node B, and a Redis restart`,
  method: (o) =>
    `Behind the choice of how nodes share messages. A publisher on node A sends ${o.messages} messages of ${o.bytes} bytes at ${o.rate}/s; all ${o.subscribers} subscribers are on node B, so every message crosses Redis. Node CPU (both nodes) and Redis CPU are per 1,000 messages. Then, at ${o['restart-rate']} messages/s for ${o['restart-seconds']} s, Redis (append-only file on) is restarted after 1 s with SIGTERM: "refused" are sends the server answered with an error, "lost" are accepted messages a subscriber never got (summed over subscribers), "longest gap" the longest stretch with no delivery. The socket.io servers are plain socket.io on ws with each adapter; ours appends to the room's log and publishes on its sharded channel in one Lua script, and a node that missed anything reads it back from the log.`,
  run: (t, o, cpus) =>
    relay(t, {
      subscribers: num(o, 'subscribers'),
      rate: num(o, 'rate'),
      messages: num(o, 'messages'),
      bytes: num(o, 'bytes'),
      restartRate: num(o, 'restart-rate'),
      restartSeconds: num(o, 'restart-seconds'),
      ...cpus,
    }),
  line: (r) =>
    `${fmt(r.deliveriesPerSecond)} deliveries/s, p99 ${fmt(r.latencyMs.p99)} ms, nodes ${fmt(r.nodeCpuMsPerThousand)} ms and Redis ${fmt(r.redisCpuMsPerThousand)} ms CPU per 1,000 messages; restart: ${r.restart.refused} refused, ${fmt(r.restart.lost)} lost, gap ${fmt(r.restart.longestGapMs)} ms`,
  columns: [
    ['deliveries /s', (rs) => fmt(med(rs, (r) => r.deliveriesPerSecond))],
    ['p50 ms', (rs) => fmt(med(rs, (r) => r.latencyMs.p50))],
    ['p99 ms', (rs) => fmt(med(rs, (r) => r.latencyMs.p99))],
    ['node CPU ms / 1,000 msgs', (rs) => fmt(med(rs, (r) => r.nodeCpuMsPerThousand))],
    [
      'Redis CPU ms / 1,000 msgs',
      (rs) =>
        fmt(
          med(rs, (r) => r.redisCpuMsPerThousand),
          1,
        ),
    ],
    ['restart: refused', (rs) => fmt(med(rs, (r) => r.restart.refused))],
    ['restart: lost', (rs) => fmt(med(rs, (r) => r.restart.lost))],
    ['restart: longest gap ms', (rs) => fmt(med(rs, (r) => r.restart.longestGapMs))],
  ],
  verdicts: (all) => [
    check(
      of(all, 'liveshop-2nodes').every((r) => r.restart.lost === 0),
      'no accepted message lost across a Redis restart (every run)',
    ),
  ],
};

const rateOf = (t: TargetName, o: Values) =>
  num(o, t.startsWith('liveshop-redis') ? 'redis-rate' : 'rate');

const dropBurstSpec: BenchSpec<DropBurstResult> = {
  options: {
    buyers: '5000',
    quantity: '5000',
    rate: '30000',
    'redis-rate': '15000',
    seconds: '4',
    workers: '4',
  },
  targets: [
    'plain-socketio',
    'liveshop',
    'liveshop-durable',
    'liveshop-redis',
    'liveshop-redis-journal',
  ],
  key: (o) => `drop-burst-${o.buyers}-at-${o.rate}-redis-${o['redis-rate']}`,
  title: (o) =>
    `Drop burst: ${fmt(num(o, 'buyers'))} buyers claim at ${fmt(num(o, 'rate'))}/s (Redis: ${fmt(num(o, 'redis-rate'))}/s)`,
  method: (o) =>
    `${o.buyers} signed-in buyers, joined to one room and spread over ${o.workers} claim worker processes, claim a ${o.quantity}-unit drop for ${o.seconds} s at the offered rate (each buyer several times, each claim with a fresh idempotency key), after a warm-up drop at a quarter of the rate. Claims per second count answered claims from the first sent to the last answered; latency runs from a claim's send to its ack. Every claim goes the full way: validation, the per-buyer claim limit (set high here), idempotent answer, stock and cap check, hold; most are answered sold out, as in a real flash sale, while everyone in the room also receives the stock updates. The Redis targets are one node and its Redis (with the order journal: and its PostgreSQL) pinned to the same core, their CPU included; a claim writes nothing to the journal (holds are not journalled), but the drop's changes of state are, before the merchant hears of them. The baseline is plain socket.io with a naive in-memory handler (a stock counter, no holds, no durability), offered the same rate.`,
  run: (t, o, cpus) =>
    dropBurst(t, {
      buyers: num(o, 'buyers'),
      quantity: num(o, 'quantity'),
      rate: rateOf(t, o),
      seconds: num(o, 'seconds'),
      workers: num(o, 'workers'),
      ...cpus,
    }),
  line: (r) =>
    `offered ${fmt(r.offered)}/s: ${fmt(r.claimsPerSecond)} claims/s, ${fmt(r.claimsPerCpuSecond)} per server CPU-s, p50 ${fmt(r.latencyMs.p50)} ms, p99 ${fmt(r.latencyMs.p99)} ms, ${fmt(r.unanswered)} unanswered, node ${fmt(r.nodeCpuUsPerClaim)} µs + Redis ${fmt(r.redisCpuUsPerClaim)} µs per claim, load core ${fmt(r.loadCoreBusy * 100)}%`,
  columns: [
    ['offered /s', (rs) => fmt(med(rs, (r) => r.offered))],
    ['claims answered /s', (rs) => fmt(med(rs, (r) => r.claimsPerSecond))],
    ['claims per server CPU-second', (rs) => fmt(med(rs, (r) => r.claimsPerCpuSecond))],
    [
      'server CPU per claim (node + Redis)',
      (rs) =>
        `${fmt(med(rs, (r) => r.nodeCpuUsPerClaim))} + ${fmt(med(rs, (r) => r.redisCpuUsPerClaim))} µs`,
    ],
    ['p50 ms', (rs) => fmt(med(rs, (r) => r.latencyMs.p50))],
    ['p99 ms', (rs) => fmt(med(rs, (r) => r.latencyMs.p99))],
    ['unanswered', (rs) => fmt(rs.reduce((n, r) => n + r.unanswered, 0))],
    ['load core busy', (rs) => `${fmt(med(rs, (r) => r.loadCoreBusy) * 100)}%`],
  ],
  verdicts: (all) => {
    const memory = of(all, 'liveshop');
    const durable = of(all, 'liveshop-durable');
    const redis = of(all, 'liveshop-redis');
    const journalled = of(all, 'liveshop-redis-journal');
    const verdict = (rs: DropBurstResult[], floor: number, label: string) => [
      check(
        med(rs, (r) => r.claimsPerSecond) >= floor,
        `${label}: ≥ ${fmt(floor)} claims/s (median ${fmt(med(rs, (r) => r.claimsPerSecond))}/s)`,
      ),
      check(
        med(rs, (r) => r.latencyMs.p99) < 100,
        `${label}: p99 < 100 ms (median ${fmt(med(rs, (r) => r.latencyMs.p99))} ms)`,
      ),
    ];
    return [
      ...(memory.length > 0 ? verdict(memory, 30_000, 'memory engine') : []),
      ...(durable.length > 0 && memory.length > 0
        ? [
            // a figure, not a target: what the journal costs a claim
            `- durability's cost, embedded engine: ${fmt(med(durable, (r) => r.claimsPerCpuSecond))} claims per server CPU-second against ${fmt(med(memory, (r) => r.claimsPerCpuSecond))} in memory (${(med(durable, (r) => r.claimsPerCpuSecond) / med(memory, (r) => r.claimsPerCpuSecond)).toFixed(2)}×); p99 ${fmt(med(durable, (r) => r.latencyMs.p99))} ms against ${fmt(med(memory, (r) => r.latencyMs.p99))} ms`,
          ]
        : []),
      ...(redis.length > 0 ? verdict(redis, 15_000, 'Redis engine') : []),
      ...(journalled.length > 0 && redis.length > 0
        ? [
            `- the order journal's cost, Redis engine: ${fmt(med(journalled, (r) => r.claimsPerCpuSecond))} claims per server CPU-second (node, Redis and PostgreSQL) against ${fmt(med(redis, (r) => r.claimsPerCpuSecond))} without it (${(med(journalled, (r) => r.claimsPerCpuSecond) / med(redis, (r) => r.claimsPerCpuSecond)).toFixed(2)}×); p99 ${fmt(med(journalled, (r) => r.latencyMs.p99))} ms against ${fmt(med(redis, (r) => r.latencyMs.p99))} ms`,
          ]
        : []),
    ];
  },
};

/** What each way of keeping an order costs a checkout, against memory and the embedded journal. */
const DURABILITY: TargetName[] = [
  'liveshop',
  'liveshop-durable',
  'liveshop-redis',
  'liveshop-redis-always',
  'liveshop-redis-wait',
  'liveshop-redis-journal',
];

const dropCheckoutSpec: BenchSpec<DropBurstResult> = {
  options: { buyers: '2000', rate: '500', workers: '4' },
  targets: DURABILITY,
  key: (o) => `drop-checkout-${o.buyers}-at-${o.rate}`,
  title: (o) =>
    `Checkouts: ${fmt(num(o, 'buyers'))} buyers claim and check out at ${fmt(num(o, 'rate'))}/s, by durability`,
  method: (o) =>
    `${o.buyers} signed-in buyers in one room, spread over ${o.workers} claim worker processes, each claim once (paced at ${o.rate} claims/s over all of them) a drop with a unit for each, and check the hold out the moment it is answered: every checkout becomes an order. The latency is the checkout's, from its send to its ack: what a buyer waits for "order confirmed". Every target runs on one core with its stores (Redis, its replica, PostgreSQL) pinned to the same core, their CPU included; a warm-up drop at a quarter of the rate goes first. Memory: the embedded engine without its journal (nothing survives a restart). Durable embedded: its SQLite journal (WAL, synchronous=FULL, group commit). Redis: AOF with fsync every second (Redis's default durability: a crash loses up to a second), or fsync always; WAIT: one replica (AOF every second) must have each order before it is confirmed (one WAIT per turn of the event loop); order journal: AOF every second and each order committed to PostgreSQL (fsync on, one transaction per drop per turn) before it is confirmed.`,
  run: (t, o, cpus) =>
    dropBurst(t, {
      buyers: num(o, 'buyers'),
      quantity: num(o, 'buyers'),
      rate: num(o, 'rate'),
      seconds: num(o, 'buyers') / num(o, 'rate'),
      workers: num(o, 'workers'),
      checkout: true,
      ...cpus,
    }),
  line: (r) =>
    `${fmt(r.orders)} orders, ${fmt(r.ordersPerSecond)}/s, node ${fmt(r.nodeCpuUsPerOrder)} µs + stores ${fmt(r.storeCpuUsPerOrder)} µs per order (claim and checkout), checkout p50 ${fmt(r.latencyMs.p50)} ms, p99 ${fmt(r.latencyMs.p99)} ms, ${fmt(r.unanswered)} unanswered`,
  columns: [
    ['orders /s', (rs) => fmt(med(rs, (r) => r.ordersPerSecond))],
    [
      'server CPU per order: node + stores',
      (rs) =>
        `${fmt(med(rs, (r) => r.nodeCpuUsPerOrder))} + ${fmt(med(rs, (r) => r.storeCpuUsPerOrder))} µs`,
    ],
    ['checkout p50 ms', (rs) => fmt(med(rs, (r) => r.latencyMs.p50))],
    ['checkout p99 ms', (rs) => fmt(med(rs, (r) => r.latencyMs.p99))],
    ['orders', (rs) => fmt(med(rs, (r) => r.orders))],
    ['unanswered', (rs) => fmt(rs.reduce((n, r) => n + r.unanswered, 0))],
  ],
  verdicts: (all) => {
    const memory = of(all, 'liveshop');
    const base = med(memory, (r) => r.nodeCpuUsPerOrder + r.storeCpuUsPerOrder);
    const lines = DURABILITY.filter((t) => t !== 'liveshop' && of(all, t).length > 0).map((t) => {
      const rs = of(all, t);
      const cost = med(rs, (r) => r.nodeCpuUsPerOrder + r.storeCpuUsPerOrder);
      return `- ${TARGET_LABELS[t]}: ${fmt(cost)} µs of server CPU per order against ${fmt(base)} µs in memory (+${fmt(cost - base)} µs); checkout p50 ${fmt(med(rs, (r) => r.latencyMs.p50))} ms, p99 ${fmt(med(rs, (r) => r.latencyMs.p99))} ms`;
    });
    return [
      check(
        all.every((r) => r.unanswered === 0 && r.orders === r.buyers),
        'every buyer got an order, in every run of every target',
      ),
      ...lines,
    ];
  },
};

const mb = (bytes: number) => `${fmt(bytes / 1e6)} MB`;

const fuzzSpec: BenchSpec<FuzzResult> = {
  options: { frames: '100000', connections: '50', seed: '' },
  targets: ['liveshop'],
  key: () => 'fuzz',
  title: (o) => `Fuzz: ${fmt(num(o, 'frames'))} frames over ${o.connections} connections`,
  method: (o) =>
    `fast-check draws ${o.frames} frames (seeded; the seed of each run is in its line): requests derived from every client event's schema (valid ones, and mutated ones: fields removed, retyped or added), unknown and reserved event names, \`__proto__\` and \`constructor\` keys, deep nesting, events over MAX_EVENT_BYTES, messages over MAX_FRAME_BYTES and over the read limit (2 × MAX_FRAME_BYTES), broken JSON and socket.io framing, invalid UTF-8, stray and attached binary frames, Engine.IO noise and stray acks. They go over ${o.connections} connections at once (a closed one is replaced; tokens of hosts, moderators and viewers, anonymous and forged), each frame waiting for its outcome: its ack or the error it caused (answered), the connection closed (closed, with the close code), nothing due and nothing came while the connection still answers a probe (ignored), or none of these within 10 s (unanswered). A control client chats into another room every 20 ms throughout; its latency is from its send to its message's arrival, against two quiet seconds before the fuzz. RSS and V8's used heap are the server's after a full garbage collection (asked for through the inspector, on loopback), after a warm-up round of a tenth of the frames (at most 5,000) and again once the fuzz connections are gone.`,
  run: (t, o, cpus) =>
    fuzz(t, {
      frames: num(o, 'frames'),
      connections: num(o, 'connections'),
      seed: o.seed ? num(o, 'seed') : undefined,
      serverCpu: cpus.serverCpu,
    }),
  line: (r) =>
    `seed ${r.seed}: ${fmt(r.outcomes.answered)} answered, ${fmt(r.outcomes.closed)} closed, ${fmt(r.outcomes.ignored)} ignored, ${fmt(r.outcomes.unanswered)} unanswered${r.crashed ? ', CRASHED' : ''}; closes ${Object.entries(
      r.closeCodes,
    )
      .map(([c, n]) => `${c}×${fmt(n)}`)
      .join(
        ' ',
      )}; RSS ${mb(r.rssBeforeBytes)} → ${mb(r.rssAfterBytes)}, heap ${mb(r.heapBeforeBytes)} → ${mb(r.heapAfterBytes)}; control chat p99 ${fmt(r.controlChatMs.p99)} ms (quiet ${fmt(r.controlQuietMs.p99)} ms); ${fmt(r.sent / r.wallSeconds)} frames/s`,
  columns: [
    ['frames', (rs) => fmt(med(rs, (r) => r.sent))],
    ['answered', (rs) => fmt(med(rs, (r) => r.outcomes.answered))],
    ['closed', (rs) => fmt(med(rs, (r) => r.outcomes.closed))],
    ['ignored', (rs) => fmt(med(rs, (r) => r.outcomes.ignored))],
    ['unanswered (all runs)', (rs) => fmt(rs.reduce((n, r) => n + r.outcomes.unanswered, 0))],
    ['crashes', (rs) => fmt(rs.filter((r) => r.crashed || !r.healthyAfter).length)],
    [
      'RSS before → after',
      (rs) => `${mb(med(rs, (r) => r.rssBeforeBytes))} → ${mb(med(rs, (r) => r.rssAfterBytes))}`,
    ],
    [
      'heap before → after',
      (rs) => `${mb(med(rs, (r) => r.heapBeforeBytes))} → ${mb(med(rs, (r) => r.heapAfterBytes))}`,
    ],
    [
      'RSS change',
      (rs) =>
        `${fmt(
          med(rs, (r) => (r.rssAfterBytes / r.rssBeforeBytes - 1) * 100),
          1,
        )}%`,
    ],
    [
      'control chat p99 (quiet)',
      (rs) =>
        `${fmt(med(rs, (r) => r.controlChatMs.p99))} ms (${fmt(med(rs, (r) => r.controlQuietMs.p99))} ms)`,
    ],
    ['frames /s', (rs) => fmt(med(rs, (r) => r.sent / r.wallSeconds))],
  ],
  verdicts: (all) => [
    check(
      all.every((r) => r.outcomes.unanswered === 0 && r.warmupUnanswered === 0),
      '0 unanswered',
    ),
    check(
      all.every((r) => !r.crashed && r.healthyAfter),
      '0 crashes, healthy after every run',
    ),
    check(
      median(all.map((r) => r.rssAfterBytes / r.rssBeforeBytes)) <= 1.1,
      'RSS back within 10% after the run (median)',
    ),
    `- error codes answered (all runs): ${Object.entries(
      all.reduce<Record<string, number>>((acc, r) => {
        for (const [code, n] of Object.entries(r.errorCodes)) acc[code] = (acc[code] ?? 0) + n;
        return acc;
      }, {}),
    )
      .sort(([, a], [, b]) => b - a)
      .map(([code, n]) => `${code} ${fmt(n)}`)
      .join(', ')}`,
  ],
};

export const SPECS = {
  fuzz: fuzzSpec,
  'drop-burst': dropBurstSpec,
  'drop-checkout': dropCheckoutSpec,
  'auction-snipe': auctionSnipeSpec,
  fanout: fanoutSpec,
  crossnode: crossnodeSpec,
  relay: relaySpec,
  idle: idleSpec,
  flood: floodSpec,
  reconnect: reconnectSpec,
  'connect-cost': connectCostSpec,
  'flash-crowd': flashCrowdSpec,
} as unknown as Record<string, BenchSpec<{ target: TargetName }>>;

export { TARGET_LABELS };
