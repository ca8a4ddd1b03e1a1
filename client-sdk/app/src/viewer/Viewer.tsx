import { useEffect, useRef, useState } from 'preact/hooks';
import {
  isReservedDrop,
  type Product,
  type QueueStatus,
  type RoomView,
} from '../../../src/index.js';
import { usePage, useWords } from '../lib/context.js';
import type { SeeAs } from '../lib/connection.js';
import { debugState } from '../lib/debug.js';
import { useServerNow, useShow, type Show } from '../lib/show.js';
import { AuctionCard } from './AuctionCard.js';
import { Chat } from './Chat.js';
import { DropCard } from './DropCard.js';
import { GiveawayCard } from './GiveawayCard.js';
import { Reactions } from './Reactions.js';
import { ProductCard, type CartHooks } from './Shop.js';
import { Video } from './Video.js';

/** How long an ended drop stays with the live cards (its holds and a lottery's draw are shown there). */
const RECENT_MS = 10 * 60_000;

/** What the host app hears from an embedded player (the viewer page itself needs none). */
export interface PlayerHooks extends CartHooks {
  checkout(order: { dropId: string; orderId: string; product: Product | undefined }): void;
}

/**
 * The viewer page (mobile first): the video with the stream's state, chat over it, reactions,
 * the viewer count, the featured products and live drops, auctions and giveaways, the catalog;
 * the waiting room while the show is full; reconnects shown and recovered by themselves.
 */
export function Viewer(props: {
  roomId: string | null;
  signedIn: boolean;
  hooks?: PlayerHooks;
  compact?: boolean;
  /** Staff previewing the room as another audience ("see as" in the console). */
  seeAs?: SeeAs | null;
}) {
  const { client, words } = usePage();
  const show = useShow(client, props.roomId, props.seeAs ? { seeAs: props.seeAs } : {});
  const now = useServerNow(client);
  const debug = debugState();
  debug.status = show.phase;
  debug.error = show.error?.code ?? null;
  debug['room'] = show.room;

  if (!props.roomId) return <Screen title={words.error({ code: 'ROOM_NOT_FOUND' })} />;
  if (show.phase === 'failed' || (show.phase === 'closed' && show.error))
    return <Screen title={words.error(show.error ?? { code: 'INTERNAL' })} alert />;
  if (show.phase === 'queued' && show.queue) return <WaitingRoom queue={show.queue} />;
  if (!show.room || !show.view) return <Screen title={words.t('connecting')} busy />;
  return <Live show={show} view={show.view} now={now} {...props} />;
}

function Live(props: {
  show: Show;
  view: RoomView;
  now: number;
  signedIn: boolean;
  hooks?: PlayerHooks | undefined;
  compact?: boolean | undefined;
  seeAs?: SeeAs | null | undefined;
}) {
  const { show, view, now, signedIn, hooks, seeAs } = props;
  const { words } = usePage();
  const room = show.room;
  const [sheet, setSheet] = useState(false);
  // "back online" for a moment after a reconnect (not at the first connection)
  const [back, setBack] = useState(false);
  const wasDown = useRef(false);
  useEffect(() => {
    if (show.reconnecting) {
      wasDown.current = true;
      return setBack(false);
    }
    if (!wasDown.current) return;
    wasDown.current = false;
    const debug = debugState();
    debug['reconnects'] = Number(debug['reconnects'] ?? 0) + 1;
    setBack(true);
    const timer = setTimeout(() => setBack(false), 2000);
    return () => clearTimeout(timer);
  }, [show.reconnecting]);
  if (!room) return null;
  const products = new Map(view.products.map((p) => [p.id, p]));
  const pinned = view.pinnedProducts.flatMap((id) => products.get(id) ?? []).slice(0, 3);
  const stream = view.stream;
  // a drop stays up front a while after it ends: a lottery's winners and late holders check out there
  // an auction's or a giveaway's own drop shows with its auction or giveaway
  const drops = view.drops.filter((d) => !isReservedDrop(d.dropId));
  const activeDrops = drops.filter((d) => d.endsAt + RECENT_MS > now);
  const pastDrops = drops.filter((d) => !activeDrops.includes(d));
  const auctions = view.auctions.filter((a) => !a.settled || a.phase !== 'unsold').slice(-3);
  const giveaways = view.giveaways.slice(-2);
  const drop = (d: (typeof view.drops)[number]) => (
    <DropCard
      key={d.dropId}
      room={room}
      drop={d}
      product={products.get(d.productId)}
      now={now}
      signedIn={signedIn}
      {...(hooks ? { onOrdered: (order) => hooks.checkout(order) } : {})}
    />
  );

  return (
    <div
      class={`viewer ${stream.state}${props.compact ? ' compact' : ''}${sheet ? ' sheet-open' : ''}`}
      data-state={stream.state}
    >
      <div class="stage">
        <Video room={room} stream={stream} now={now} />
        <Reactions room={room} signedIn={signedIn && stream.state !== 'ended'} />
      </div>
      <header class="topbar">
        <h1 class="title">{stream.title}</h1>
        {stream.state === 'live' && <span class="badge live">{words.t('live')}</span>}
        {stream.state === 'scheduled' && <span class="badge soon">{words.t('scheduled')}</span>}
        {stream.state !== 'ended' && (
          <span class="viewers">
            <span aria-hidden="true">👁</span>{' '}
            {words.t('watching', { count: words.count(view.viewers) })}
          </span>
        )}
      </header>
      {seeAs && (
        <p class="banner preview" role="note">
          {words.t('seeingAs', { region: seeAs.region ?? '—', lang: seeAs.lang ?? '—' })}
        </p>
      )}
      {(show.reconnecting || back) && (
        <p class={show.reconnecting ? 'banner warn' : 'banner ok'} role="status">
          {words.t(show.reconnecting ? 'reconnecting' : 'reconnected')}
        </p>
      )}
      <div class="dock">
        <section class="live-cards" aria-label={words.t('shop')} tabIndex={0}>
          {activeDrops.map(drop)}
          {auctions.map((a) => (
            <AuctionCard key={a.auctionId} room={room} auction={a} now={now} signedIn={signedIn} />
          ))}
          {giveaways.map((g) => (
            <GiveawayCard
              key={g.giveawayId}
              room={room}
              giveaway={g}
              now={now}
              signedIn={signedIn}
            />
          ))}
          {pinned.map((p) => (
            <ProductCard key={p.id} product={p} featured cart={hooks} />
          ))}
        </section>
        {stream.state !== 'ended' && <Chat room={room} view={view} signedIn={signedIn} />}
      </div>
      <button
        type="button"
        class="shop-toggle"
        aria-expanded={sheet}
        onClick={() => setSheet(!sheet)}
      >
        <span aria-hidden="true">{sheet ? '✕' : '🛍'}</span>
        <span class="sr-only">{words.t(sheet ? 'close' : 'shop')}</span>
        <span class="count">{view.products.length}</span>
      </button>
      <section class="catalog" aria-label={words.t('products')} tabIndex={0}>
        <h2>{words.t('products')}</h2>
        {view.products.length === 0 && <p class="meta">{words.t('noProducts')}</p>}
        {view.products.map((p) => (
          <ProductCard key={p.id} product={p} cart={hooks} />
        ))}
        {pastDrops.map(drop)}
      </section>
    </div>
  );
}

function WaitingRoom({ queue }: { queue: QueueStatus }) {
  const { words } = usePage();
  return (
    <Screen title={words.t('waitingRoom')}>
      {queue.status === 'pre' && queue.preQueue ? (
        <p>{words.t('queuePre', { time: words.time(queue.preQueue.until) })}</p>
      ) : queue.status === 'admitted' ? (
        <p>{words.t('queueAdmitted')}</p>
      ) : (
        <>
          {queue.position !== null && (
            <p class="big-countdown">
              {words.t('queuePosition', { position: words.count(queue.position) })}
            </p>
          )}
          {queue.estimatedWaitMs !== null && (
            <p>{words.t('queueEstimate', { time: words.clock(queue.estimatedWaitMs) })}</p>
          )}
        </>
      )}
    </Screen>
  );
}

export function Screen(props: {
  title: string;
  alert?: boolean;
  busy?: boolean;
  children?: preact.ComponentChildren;
}) {
  const words = useWords();
  return (
    <main class="screen-page">
      <div class="panel" role={props.alert ? 'alert' : 'status'}>
        {props.busy ? (
          <span class="spinner" aria-hidden="true" />
        ) : (
          props.alert && (
            <span class="screen-icon" aria-hidden="true">
              ⚠
            </span>
          )
        )}
        <h1>{props.title}</h1>
        {props.alert && (
          <a class="btn ghost" href="/">
            {words.t('appName')}
          </a>
        )}
        {props.children}
      </div>
    </main>
  );
}
