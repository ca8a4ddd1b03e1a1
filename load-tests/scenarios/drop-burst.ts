import { ClaimerPool } from '../lib/claimers.js';
import { percentiles, type Percentiles } from '../lib/histogram.js';
import { serverCpuSeconds } from '../lib/measure.js';
import { cpuSeconds } from '../lib/proc.js';
import { openSale } from '../lib/sale.js';
import { startTarget, type TargetName } from '../lib/targets.js';

export interface DropBurstOptions {
  buyers: number;
  /** Units in the measured drop; the rest of the claims are answered sold out or over the cap. */
  quantity: number;
  /** Claims per second offered, spread over every buyer. */
  rate: number;
  seconds: number;
  workers: number;
  serverCpu?: number | undefined;
  loadCpu?: number | undefined;
  /**
   * Checkouts: every buyer claims once and checks out the hold at once (the drop has a unit for
   * each), and the latency measured is the checkout's.
   */
  checkout?: boolean;
}

export interface DropBurstResult {
  target: TargetName;
  buyers: number;
  offered: number;
  claims: number;
  unanswered: number;
  /** Answered claims per second, first claim sent to last answer received. */
  claimsPerSecond: number;
  claimsPerCpuSecond: number;
  /** Server CPU per claim, in µs: the nodes', and their stores' (Redis, PostgreSQL) when there are. */
  nodeCpuUsPerClaim: number;
  redisCpuUsPerClaim: number;
  /** Checkouts: orders confirmed, per second, and the server CPU per order (node, stores), µs. */
  orders: number;
  ordersPerSecond: number;
  nodeCpuUsPerOrder: number;
  storeCpuUsPerOrder: number;
  latencyMs: Percentiles;
  outcomes: Record<string, number>;
  /** Share of one core the claim workers used (near 1: the load, not the server, was the limit). */
  loadCoreBusy: number;
}

const ROOM = 'burst';
const PRODUCT = {
  id: 'bench-sneaker',
  title: 'Sneaker',
  price: { amountMinor: 12_900, currency: 'EUR' },
  imageUrl: null,
  sku: 'SNK-1',
};

/**
 * A flash sale: `buyers` signed-in buyers in one room claim a drop at `rate` claims per second for
 * `seconds` (each buyer several times, with fresh keys), after a warm-up drop. Measures answered
 * claims per second and each claim's latency from send to ack.
 */
export async function dropBurst(
  name: TargetName,
  options: DropBurstOptions,
): Promise<DropBurstResult> {
  const target = await startTarget(name, options.serverCpu);
  const pool = await ClaimerPool.start(options.workers, options.loadCpu);
  const ours = name.startsWith('liveshop');
  try {
    const { host, connected } = await openSale(target, pool, {
      ours,
      roomId: ROOM,
      title: 'Drop burst',
      product: PRODUCT,
      total: options.buyers,
    });
    const drop = async (dropId: string, quantity: number) => {
      const startsAt = Date.now() + 300;
      const ack = (await host.request('drop:create', {
        roomId: ROOM,
        dropId,
        productId: PRODUCT.id,
        quantity,
        perBuyerCap: 100,
        startsAt,
        durationSeconds: 3600,
      })) as { ok?: boolean };
      if (ack.ok !== true) throw new Error(`drop:create refused: ${JSON.stringify(ack)}`);
      return startsAt;
    };
    const checkout = options.checkout ?? false;
    const claimsPerClient = checkout
      ? 1
      : Math.max(1, Math.round((options.rate * options.seconds) / connected));
    const stores = () => (target.stores?.() ?? []).reduce((sum, pid) => sum + cpuSeconds(pid), 0);

    // warm up the path at a quarter of the rate, then measure
    const warmAt = await drop('warm-up', options.quantity);
    await pool.burst({
      roomId: ROOM,
      dropId: 'warm-up',
      atMs: warmAt,
      rate: options.rate / 4,
      claimsPerClient: 1,
    });
    const at = await drop('measured', checkout ? connected : options.quantity);
    const cpuBefore = serverCpuSeconds(target);
    const redisBefore = stores();
    const loadBefore = pool.pids.reduce((sum, pid) => sum + cpuSeconds(pid), 0);
    const report = await pool.burst({
      roomId: ROOM,
      dropId: 'measured',
      atMs: at,
      rate: options.rate,
      claimsPerClient,
      checkout,
    });
    const cpu = serverCpuSeconds(target) - cpuBefore;
    const redisCpu = stores() - redisBefore;
    const orders = report.outcomes.ordered ?? 0;
    const load = pool.pids.reduce((sum, pid) => sum + cpuSeconds(pid), 0) - loadBefore;
    host.close();
    return {
      target: name,
      buyers: connected,
      offered: options.rate,
      claims: report.answered,
      unanswered: report.unanswered,
      claimsPerSecond: report.answered / report.seconds,
      claimsPerCpuSecond: cpu > 0 ? report.answered / cpu : Number.POSITIVE_INFINITY,
      nodeCpuUsPerClaim: ((cpu - redisCpu) / Math.max(1, report.answered)) * 1e6,
      redisCpuUsPerClaim: (redisCpu / Math.max(1, report.answered)) * 1e6,
      orders,
      ordersPerSecond: orders / report.seconds,
      nodeCpuUsPerOrder: ((cpu - redisCpu) / Math.max(1, orders)) * 1e6,
      storeCpuUsPerOrder: (redisCpu / Math.max(1, orders)) * 1e6,
      latencyMs: percentiles(report.latency),
      outcomes: report.outcomes,
      loadCoreBusy: load / report.seconds,
    };
  } finally {
    pool.close();
    await target.stop();
  }
}
