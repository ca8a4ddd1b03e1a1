import { ErrorLine } from '../lib/error-line.js';
import { useState } from 'preact/hooks';
import { isReservedDrop, type Room, type RoomView } from '../../../src/index.js';
import { phaseKey } from '../i18n/ui.js';
import { failure } from '../lib/connection.js';
import { usePage } from '../lib/context.js';
import { debugState } from '../lib/debug.js';
import { useServerNow, useShow } from '../lib/show.js';
import { Screen } from '../viewer/Viewer.js';
import { Analytics } from './Analytics.js';
import { Create } from './Create.js';
import { Moderation } from './Moderation.js';
import { Preview, type SendStats } from './Preview.js';
import { SeeAs } from './SeeAs.js';

/**
 * The host console: camera preview and go live, the stream's lifecycle, products and pins,
 * creating drops, lotteries, auctions and giveaways and following them, live analytics, and the
 * moderator panel.
 */
export function Console({ roomId }: { roomId: string | null }) {
  const { client, words } = usePage();
  const show = useShow(client, roomId);
  const now = useServerNow(client, 500);
  const [stats, setStats] = useState<SendStats | null>(null);
  const debug = debugState();
  if (debug.status !== 'publishing' && debug.status !== 'ended') debug.status = show.phase;
  debug.error = show.error?.code ?? null;
  debug['room'] = show.room;

  if (!roomId) return <Screen title={words.error({ code: 'ROOM_NOT_FOUND' })} alert />;
  if (show.phase === 'failed' || (show.phase === 'closed' && show.error))
    return <Screen title={words.error(show.error ?? { code: 'INTERNAL' })} alert />;
  const { room, view } = show;
  if (!room || !view) return <Screen title={words.t('connecting')} busy />;
  return (
    <main class="console">
      <header class="console-bar">
        <h1>
          {words.t('console')} · {view.stream.title}
        </h1>
        <span class="viewers">👁 {words.t('watching', { count: words.count(view.viewers) })}</span>
        {show.reconnecting && (
          <span class="banner warn" role="status">
            {words.t('reconnecting')}
          </span>
        )}
      </header>
      <div class="console-grid">
        <div class="col">
          <Preview room={room} stream={view.stream} onStats={setStats} />
          <Analytics room={room} view={view} stats={stats} live={view.stream.state === 'live'} />
          <Products room={room} view={view} />
        </div>
        <div class="col">
          <Create room={room} products={view.products} />
          <Running room={room} view={view} now={now} />
          <SeeAs roomId={room.id} />
        </div>
        <div class="col">
          <Moderation room={room} view={view} />
        </div>
      </div>
    </main>
  );
}

function Products({ room, view }: { room: Room; view: RoomView }) {
  const { words } = usePage();
  const [error, setError] = useState<string | null>(null);
  const toggle = async (id: string, pinned: boolean) => {
    setError(null);
    try {
      await (pinned ? room.products.unpin(id) : room.products.pin(id));
    } catch (e) {
      setError(words.error(failure(e)));
    }
  };
  return (
    <section class="panel products" aria-label={words.t('products')}>
      <h2>{words.t('products')}</h2>
      <ul class="product-rows">
        {view.products.map((p) => {
          const pinned = view.pinnedProducts.includes(p.id);
          return (
            <li key={p.id} data-product={p.id}>
              {p.imageUrl && <img src={p.imageUrl} alt="" width={36} height={36} />}
              <span class="grow">
                {p.title} · {words.price(p.price)}
              </span>
              <button
                type="button"
                class={pinned ? 'btn primary small' : 'btn ghost small'}
                aria-pressed={pinned}
                aria-label={`${words.t(pinned ? 'unpin' : 'pin')}: ${p.title}`}
                onClick={() => void toggle(p.id, pinned)}
              >
                📌 {words.t(pinned ? 'unpin' : 'pin')}
              </button>
            </li>
          );
        })}
      </ul>
      <ErrorLine text={error} />
    </section>
  );
}

/** Drops, auctions and giveaways as they run: stock, bids, entries, and the host's next step. */
function Running({ room, view, now }: { room: Room; view: RoomView; now: number }) {
  const { words } = usePage();
  const [error, setError] = useState<string | null>(null);
  const run = (work: () => Promise<unknown>) => {
    setError(null);
    work().catch((e: unknown) => setError(words.error(failure(e))));
  };
  const title = (productId: string) =>
    view.products.find((p) => p.id === productId)?.title ?? productId;
  if (view.drops.length + view.auctions.length + view.giveaways.length === 0) return null;
  return (
    <section class="panel running">
      <ul class="run-rows">
        {view.drops
          .filter((d) => !isReservedDrop(d.dropId))
          .map((d) => (
            <li key={d.dropId} data-drop={d.dropId}>
              <b>{title(d.productId)}</b> ·{' '}
              {d.mode === 'lottery' ? words.t('lotteryDrop') : words.t('drop')} ·{' '}
              {words.t(phaseKey(d.state))}
              <br />
              {words.t('stockLeft', {
                count: words.count(d.remaining),
                total: words.count(d.quantity),
              })}{' '}
              · {words.count(d.sold)} ✓
              {d.state === 'scheduled' &&
                d.startsAt > now &&
                ` · ${words.t('dropStartsIn', { time: words.clock(d.startsAt - now) })}`}
            </li>
          ))}
        {view.auctions.map((a) => (
          <li key={a.auctionId}>
            <b>{a.title}</b> · {words.t('auction')} · {words.t(phaseKey(a.phase))} ·{' '}
            {words.t('bidsCount', { count: a.bids })}
            {a.priceMinor !== null &&
              ` · ${words.price({ amountMinor: a.priceMinor, currency: a.currency })}`}
            {a.phase === 'live' &&
              a.endsAt !== null &&
              ` · ${words.t('timeLeft', { time: words.clock(a.endsAt - now) })}`}
            {a.phase === 'scheduled' && (
              <button
                type="button"
                class="btn primary small"
                onClick={() => run(() => room.auctions.start(a.auctionId))}
              >
                {words.t('startNow')}
              </button>
            )}
          </li>
        ))}
        {view.giveaways.map((g) => (
          <li key={g.giveawayId}>
            <b>{g.title}</b> · {words.t('giveaway')} · {words.t(phaseKey(g.phase))} ·{' '}
            {words.t('entries', { count: words.count(g.entries) })}
            {g.phase === 'open' && (
              <button
                type="button"
                class="btn primary small"
                onClick={() => run(() => room.giveaways.draw(g.giveawayId))}
              >
                {words.t('drawNow')}
              </button>
            )}
          </li>
        ))}
      </ul>
      <ErrorLine text={error} />
    </section>
  );
}
