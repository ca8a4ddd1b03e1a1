import type { BenchSpec } from './lib/bench-spec.js';
import { fmt, median } from './lib/report.js';
import type { TargetName } from './lib/targets.js';
import { auctionSnipe, type AuctionSnipeResult } from './scenarios/auction-snipe.js';

type Values = Record<string, string>;
const num = (o: Values, k: string) => Number(o[k]);
const med = <R>(runs: R[], f: (r: R) => number) => median(runs.map(f));
const of = (all: AuctionSnipeResult[], t: TargetName) => all.filter((r) => r.target === t);

export const auctionSnipeSpec: BenchSpec<AuctionSnipeResult> = {
  options: { bidders: '10000', workers: '2', 'lead-ms': '5000' },
  targets: ['plain-socketio', 'liveshop', 'liveshop-redis'],
  key: (o) => `auction-snipe-${o.bidders}`,
  title: (o) => `Auction sniping: ${fmt(num(o, 'bidders'))} bidders in the last seconds`,
  method: (o) =>
    `${o.bidders} signed-in bidders, joined to one room and spread over ${o.workers} load worker processes, each fire one max bid (every maximum different, with its own idempotency key) at the same instant, ${num(o, 'lead-ms') / 1000} s before the end of a 10-second sudden-death auction (after a warm-up auction; a bid the server takes up after the end is answered not_live: its clock decides). Bids per second count answered bids from the first sent to the last answered; latency runs from a bid's send to its ack. Every bid goes the full way: validation, membership, the host and moderation checks (a sanction read), the per-buyer bid limit, the idempotent answer, the increment table and the proxy step on the auction's own clock (a Lua script on Redis), the outbid notice, and the auction's state to everyone in the room (at once, then at most ten times a second while bids keep coming). Most bids are answered too low (the proxy puts the price past them), as when a crowd snipes; each state sent goes to every bidder in the room. The Redis target is one node and its Redis pinned to the same core, Redis's CPU included. The baseline is plain socket.io with a naive in-memory handler (the highest amount leads, no increments, no max bids, no clock, no moderation, no durability), broadcasting each new leader to the room.`,
  run: (t, o, cpus) =>
    auctionSnipe(t, {
      bidders: num(o, 'bidders'),
      workers: num(o, 'workers'),
      leadMs: num(o, 'lead-ms'),
      ...cpus,
    }),
  line: (r) =>
    `${fmt(r.bids)} bids: ${fmt(r.bidsPerSecond)} bids/s, ${fmt(r.bidsPerCpuSecond)} per server CPU-s, p50 ${fmt(r.latencyMs.p50)} ms, p99 ${fmt(r.latencyMs.p99)} ms, ${fmt(r.unanswered)} unanswered, node ${fmt(r.nodeCpuUsPerBid)} µs + store ${fmt(r.storeCpuUsPerBid)} µs per bid, outcomes ${Object.entries(
      r.outcomes,
    )
      .map(([k, v]) => `${k} ${fmt(v)}`)
      .join(', ')}, load core ${fmt(r.loadCoreBusy * 100)}%`,
  columns: [
    ['bids answered /s', (rs) => fmt(med(rs, (r) => r.bidsPerSecond))],
    ['bids per server CPU-second', (rs) => fmt(med(rs, (r) => r.bidsPerCpuSecond))],
    [
      'server CPU per bid (node + store)',
      (rs) =>
        `${fmt(med(rs, (r) => r.nodeCpuUsPerBid))} + ${fmt(med(rs, (r) => r.storeCpuUsPerBid))} µs`,
    ],
    ['p50 ms', (rs) => fmt(med(rs, (r) => r.latencyMs.p50))],
    ['p99 ms', (rs) => fmt(med(rs, (r) => r.latencyMs.p99))],
    ['unanswered', (rs) => fmt(rs.reduce((n, r) => n + r.unanswered, 0))],
    [
      'taken / too low / after the end',
      (rs) =>
        [
          (r: AuctionSnipeResult) => (r.outcomes.leading ?? 0) + (r.outcomes.outbid ?? 0),
          (r: AuctionSnipeResult) => r.outcomes.too_low ?? 0,
          (r: AuctionSnipeResult) => r.outcomes.not_live ?? 0,
        ]
          .map((f) => fmt(med(rs, f)))
          .join(' / '),
    ],
    ['load core busy', (rs) => `${fmt(med(rs, (r) => r.loadCoreBusy) * 100)}%`],
  ],
  verdicts: (all) => {
    const base = of(all, 'plain-socketio');
    const lines: string[] = [];
    for (const [t, label] of [
      ['liveshop', 'memory engine'],
      ['liveshop-redis', 'Redis engine'],
    ] as const) {
      const rs = of(all, t);
      if (rs.length === 0) continue;
      const ratio =
        base.length > 0
          ? ` (${(med(rs, (r) => r.bidsPerSecond) / med(base, (r) => r.bidsPerSecond)).toFixed(2)}× the naive baseline's ${fmt(med(base, (r) => r.bidsPerSecond))}/s)`
          : '';
      lines.push(
        `- ${label}: ${fmt(med(rs, (r) => r.bidsPerSecond))} bids/s${ratio}, p99 ${fmt(med(rs, (r) => r.latencyMs.p99))} ms, ${fmt(rs.reduce((n, r) => n + r.unanswered, 0))} unanswered`,
      );
    }
    return lines;
  },
};
