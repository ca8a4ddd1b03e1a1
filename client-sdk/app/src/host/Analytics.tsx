import { useEffect, useRef, useState } from 'preact/hooks';
import { isReservedDrop, type Room, type RoomView } from '../../../src/index.js';
import { usePage } from '../lib/context.js';
import type { SendStats } from './Preview.js';

/** Seconds of history each chart draws. */
const WINDOW = 60;

interface Sample {
  viewers: number;
  chatPerMinute: number;
  claimsPerSecond: number;
  kbps: number;
  fps: number;
}

/**
 * Live analytics, sampled every second from what the console already receives: viewers, chat
 * rate, claims per second (units newly held or sold), conversion (units sold per peak viewer),
 * revenue per drop (sold × the product's price) and stream health (the publication's own
 * bitrate and frame rate). The worst figure is drawn in red.
 */
export function Analytics(props: {
  room: Room;
  view: RoomView;
  stats: SendStats | null;
  live: boolean;
}) {
  const { room, view, stats, live } = props;
  const { words } = usePage();
  const [samples, setSamples] = useState<Sample[]>([]);
  const chatTimes = useRef<number[]>([]);
  const latest = useRef({ view, stats, taken: -1, peak: 0, lastStats: null as SendStats | null });
  latest.current.view = view;
  latest.current.stats = stats;

  useEffect(() => room.on('chat:message', () => void chatTimes.current.push(Date.now())), [room]);

  useEffect(() => {
    const timer = setInterval(() => {
      const l = latest.current;
      const now = Date.now();
      chatTimes.current = chatTimes.current.filter((t) => now - t < 60_000);
      const taken = l.view.drops.reduce((n, d) => n + d.held + d.sold, 0);
      const claims = l.taken < 0 ? 0 : Math.max(0, taken - l.taken);
      l.taken = taken;
      l.peak = Math.max(l.peak, l.view.viewers);
      let kbps = 0;
      let fps = 0;
      const s = l.stats;
      const prev = l.lastStats;
      if (s && prev && s.at > prev.at) {
        const seconds = (s.at - prev.at) / 1000;
        kbps = Math.max(0, ((s.bytesSent - prev.bytesSent) * 8) / 1000 / seconds);
        fps = Math.max(0, (s.framesEncoded - prev.framesEncoded) / seconds);
      }
      l.lastStats = s;
      const sample = {
        viewers: l.view.viewers,
        chatPerMinute: chatTimes.current.length,
        claimsPerSecond: claims,
        kbps,
        fps,
      };
      setSamples((all) => [...all.slice(1 - WINDOW), sample]);
    }, 1000);
    return () => clearInterval(timer);
  }, []);

  const last = samples[samples.length - 1];
  const prices = new Map(view.products.map((p) => [p.id, p.price]));
  const sold = view.drops.reduce((n, d) => n + d.sold, 0);
  const peak = Math.max(latest.current.peak, view.viewers, 1);
  const conversion = sold / peak;
  // what each drop took: units sold at the product's price, an auction's at its winning price; a
  // giveaway's prizes are free
  const revenue = view.drops.flatMap((d) => {
    const auction = view.auctions.find((a) => a.settlement?.dropId === d.dropId);
    if (isReservedDrop(d.dropId) && !auction) return [];
    const price = auction
      ? { amountMinor: auction.settlement?.priceMinor ?? 0, currency: auction.currency }
      : prices.get(d.productId);
    return [
      {
        dropId: d.dropId,
        title: view.products.find((p) => p.id === d.productId)?.title ?? d.productId,
        sold: d.sold,
        amount: price ? { ...price, amountMinor: price.amountMinor * d.sold } : null,
      },
    ];
  });

  const currency = view.products[0]?.price.currency ?? 'USD';
  const total = revenue.reduce(
    (n, r) => n + (r.amount?.currency === currency ? r.amount.amountMinor : 0),
    0,
  );
  const health =
    !live || !stats
      ? 'offline'
      : (last?.fps ?? 0) >= 10 && (last?.kbps ?? 0) >= 100
        ? 'good'
        : 'poor';
  const worst = health !== 'good' && live ? 'health' : null;

  return (
    <section class="panel analytics" aria-label={words.t('analytics')}>
      <h2>{words.t('analytics')}</h2>
      <div class="tiles">
        <Tile
          label={words.t('viewers')}
          value={words.count(view.viewers)}
          series={samples.map((s) => s.viewers)}
        />
        <Tile
          label={words.t('chatRate')}
          value={words.count(last?.chatPerMinute ?? 0)}
          series={samples.map((s) => s.chatPerMinute)}
        />
        <Tile
          label={words.t('claimsRate')}
          value={words.count(last?.claimsPerSecond ?? 0)}
          series={samples.map((s) => s.claimsPerSecond)}
        />
        <Tile label={words.t('conversion')} value={`${(conversion * 100).toFixed(1)}%`} />
        <Tile label={words.t('revenue')} value={words.price({ amountMinor: total, currency })} />
        <Tile
          label={words.t('health')}
          value={`${words.t(health === 'good' ? 'healthGood' : health === 'poor' ? 'healthPoor' : 'healthOffline')}${
            health !== 'offline' && last
              ? ` · ${Math.round(last.kbps)} kbit/s · ${Math.round(last.fps)} fps`
              : ''
          }`}
          series={samples.map((s) => s.kbps)}
          bad={worst === 'health'}
        />
      </div>
      {revenue.length > 0 && (
        <table class="revenue">
          <caption>{words.t('revenueByDrop')}</caption>
          <tbody>
            {revenue.map((r) => (
              <tr key={r.dropId}>
                <th scope="row">
                  {r.title} <span class="meta">{r.dropId}</span>
                </th>
                <td>{words.count(r.sold)}</td>
                <td>{r.amount ? words.price(r.amount) : '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function Tile(props: { label: string; value: string; series?: number[]; bad?: boolean }) {
  return (
    <div class={props.bad ? 'tile bad' : 'tile'}>
      <p class="tile-label">{props.label}</p>
      <p class="tile-value">{props.value}</p>
      {props.series && <Spark series={props.series} />}
    </div>
  );
}

/** A small line chart of the last minute. */
function Spark({ series }: { series: number[] }) {
  const w = 120;
  const h = 28;
  const max = Math.max(1, ...series);
  const points = series
    .map(
      (v, i) =>
        `${((i + WINDOW - series.length) / (WINDOW - 1)) * w},${h - (v / max) * (h - 2) - 1}`,
    )
    .join(' ');
  return (
    <svg class="spark" viewBox={`0 0 ${w} ${h}`} width={w} height={h} aria-hidden="true">
      <polyline points={points} fill="none" stroke="currentColor" stroke-width="1.5" />
    </svg>
  );
}
