import type { ClaimerPool } from './claimers.js';
import { BENCH_SECRET, benchToken, type Target } from './targets.js';
import { WireClient } from './wire-client.js';

/**
 * The room a commerce benchmark sells in: the host connected (on ours: the stream created and
 * joined, the product listed) and `total` signed-in buyers of the pool joined to it.
 */
export async function openSale(
  target: Target,
  pool: ClaimerPool,
  sale: { ours: boolean; roomId: string; title: string; product: object; total: number },
): Promise<{ host: WireClient; connected: number }> {
  const token = await benchToken('host', { role: 'host' });
  const host = await WireClient.connect({ url: target.url, auth: { token } });
  const { roomId } = sale;
  if (sale.ours) {
    await host.request('stream:create', { roomId, title: sale.title });
    await host.request('room:join', { roomId });
    await host.request('product:upsert', { roomId, product: sale.product });
  }
  const { connected } = await pool.connect({
    urls: target.urls,
    roomId,
    total: sale.total,
    secret: BENCH_SECRET,
  });
  return { host, connected };
}
