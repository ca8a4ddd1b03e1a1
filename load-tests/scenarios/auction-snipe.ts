import { ClaimerPool } from '../lib/claimers.js';
import { percentiles, type Percentiles } from '../lib/histogram.js';
import { serverCpuSeconds } from '../lib/measure.js';
import { cpuSeconds } from '../lib/proc.js';
import { openSale } from '../lib/sale.js';
import { startTarget, type TargetName } from '../lib/targets.js';

export interface AuctionSnipeOptions {
  bidders: number;
  workers: number;
  /** How long before the end every bidder fires (all at once). */
  leadMs: number;
  serverCpu?: number | undefined;
  loadCpu?: number | undefined;
}

export interface AuctionSnipeResult {
  target: TargetName;
  bidders: number;
  bids: number;
  unanswered: number;
  /** Answered bids per second, first bid sent to last answer received. */
  bidsPerSecond: number;
  bidsPerCpuSecond: number;
  /** Server CPU per bid, µs: the node's, and Redis's when there is one. */
  nodeCpuUsPerBid: number;
  storeCpuUsPerBid: number;
  latencyMs: Percentiles;
  outcomes: Record<string, number>;
  loadCoreBusy: number;
}

const ROOM = 'snipe';
const PRODUCT = {
  id: 'bench-card',
  title: 'Card',
  price: { amountMinor: 1_000, currency: 'USD' },
  imageUrl: null,
  sku: 'CARD-1',
};

/**
 * The last second of an auction: `bidders` signed-in buyers in one room, spread over the
 * workers, each fire one max bid (every maximum different) `leadMs` before the end of a
 * 10-second sudden-death auction, all at once. Measures answered bids per second and each bid's latency
 * from send to ack (everyone in the room receives the auction's updates meanwhile). A warm-up
 * auction goes first.
 */
export async function auctionSnipe(
  name: TargetName,
  options: AuctionSnipeOptions,
): Promise<AuctionSnipeResult> {
  const target = await startTarget(name, options.serverCpu);
  const pool = await ClaimerPool.start(options.workers, options.loadCpu);
  const ours = name.startsWith('liveshop');
  try {
    const { host, connected } = await openSale(target, pool, {
      ours,
      roomId: ROOM,
      title: 'Sniping',
      product: PRODUCT,
      total: options.bidders,
    });
    const auction = async (auctionId: string) => {
      const durationSeconds = 10;
      const ack = (await host.request('auction:create', {
        roomId: ROOM,
        auctionId,
        productId: PRODUCT.id,
        startingMinor: 1_000,
        durationSeconds,
        suddenDeath: true,
        start: true,
      })) as { ok?: boolean; auction?: { endsAt?: number } };
      if (ack.ok !== true) throw new Error(`auction:create refused: ${JSON.stringify(ack)}`);
      // the baseline has no clock of its own: its "end" is the same 10 s from now
      return (ack.auction?.endsAt ?? Date.now() + durationSeconds * 1000) - options.leadMs;
    };
    const stores = () => (target.stores?.() ?? []).reduce((sum, pid) => sum + cpuSeconds(pid), 0);
    const bid = (auctionId: string) => ({ auctionId, baseMinor: 2_000, spread: 1_000_003 });

    const warmAt = await auction('warm-up');
    await pool.burst({ roomId: ROOM, dropId: '', atMs: warmAt, bid: bid('warm-up') });
    const fireAt = await auction('measured');
    const cpuBefore = serverCpuSeconds(target);
    const storeBefore = stores();
    const loadBefore = pool.pids.reduce((sum, pid) => sum + cpuSeconds(pid), 0);
    const report = await pool.burst({
      roomId: ROOM,
      dropId: '',
      atMs: fireAt,
      bid: bid('measured'),
    });
    const cpu = serverCpuSeconds(target) - cpuBefore;
    const storeCpu = stores() - storeBefore;
    const load = pool.pids.reduce((sum, pid) => sum + cpuSeconds(pid), 0) - loadBefore;
    host.close();
    const answered = Math.max(1, report.answered);
    return {
      target: name,
      bidders: connected,
      bids: report.answered,
      unanswered: report.unanswered,
      bidsPerSecond: report.answered / report.seconds,
      bidsPerCpuSecond: cpu > 0 ? report.answered / cpu : Number.POSITIVE_INFINITY,
      nodeCpuUsPerBid: ((cpu - storeCpu) / answered) * 1e6,
      storeCpuUsPerBid: (storeCpu / answered) * 1e6,
      latencyMs: percentiles(report.latency),
      outcomes: report.outcomes,
      loadCoreBusy: load / report.seconds,
    };
  } finally {
    pool.close();
    await target.stop();
  }
}
